package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/store"
)

// testSourceKey seals the Redis stores' passwords in these tests.
var testSourceKey = bytes.Repeat([]byte{7}, store.SourceKeySize)

const calDAVPassword = "correct-horse-battery-staple"

func calDAVSource() calendar.Source {
	return calendar.Source{ID: "ennhri-dav", Region: agenda.RegionEurope, Name: "ENNHRI", Kind: calendar.SourceCalDAV,
		URL: "https://dav.example/cal/", Username: "majlis", Password: calDAVPassword}
}

// openBoltAt opens the embedded store at path (the caller closes it).
func openBoltAt(t *testing.T, path string) *store.Bolt {
	t.Helper()
	s, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSourcePasswordsSealedInBolt: the bbolt file holds no CalDAV password
// (the whole file is read), the password reads back after a reopen, the
// key file is 0600 beside the database, and a password an older majlis
// stored in plain text is sealed when the store opens, version kept.
func TestSourcePasswordsSealedInBolt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "majlis.db")
	s := openBoltAt(t, path)
	if _, err := s.PutSource(ctx, calDAVSource(), 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if raw, err := os.ReadFile(path); err != nil || bytes.Contains(raw, []byte(calDAVPassword)) {
		t.Fatalf("the bbolt file holds the password (%v)", err)
	}
	if fi, err := os.Stat(filepath.Join(filepath.Dir(path), store.SourceKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	s = openBoltAt(t, path)
	if got, err := s.GetSource(ctx, "ennhri-dav"); err != nil || got.Password != calDAVPassword {
		t.Fatalf("after a reopen: %+v, %v", got, err)
	}
	s.Close()

	// An older majlis's plain password.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := []byte(`{"id":"old-dav","region":"europe","name":"Old","kind":"caldav","url":"https://dav.example/old/","username":"u","password":"plain-old-secret","_version":4}`)
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("sources")).Put([]byte("old-dav"), old) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = openBoltAt(t, path)
	if got, err := s.GetSource(ctx, "old-dav"); err != nil || got.Password != "plain-old-secret" || got.Version != 4 {
		t.Fatalf("the old source: %+v, %v", got, err)
	}
	for k, v := range s.Dump() {
		if bytes.Contains(v, []byte("plain-old-secret")) || bytes.Contains(v, []byte(calDAVPassword)) {
			t.Errorf("%s holds a password: %s", k, v)
		}
	}
	s.Close()
}

// TestSourcePasswordsSealedInRedis: the stored value holds no password;
// without a key a password is refused; a plain one stored before is
// sealed when read; a sealed one does not open with another key.
func TestSourcePasswordsSealedInRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	s := openRedis(t, url, store.RedisConfig{Prefix: prefix, SourceKey: testSourceKey})
	if _, err := s.PutSource(ctx, calDAVSource(), 0); err != nil {
		t.Fatal(err)
	}
	rc := rawClient(t, url)
	stored := func(id string) []byte {
		b, err := rc.HGet(ctx, prefix+"sources", id).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if v := stored("ennhri-dav"); bytes.Contains(v, []byte(calDAVPassword)) || !bytes.Contains(v, []byte("password_sealed")) {
		t.Fatalf("the stored value: %s", v)
	}
	if got, err := s.GetSource(ctx, "ennhri-dav"); err != nil || got.Password != calDAVPassword {
		t.Fatalf("read back: %+v, %v", got, err)
	}

	keyless, err := store.OpenRedis(ctx, url, store.RedisConfig{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer keyless.Close()
	src := calDAVSource()
	src.ID = "another"
	if _, err := keyless.PutSource(ctx, src, 0); !errors.Is(err, store.ErrNoSourceKey) {
		t.Fatalf("a password without a key: %v", err)
	}
	other := openRedis(t, url, store.RedisConfig{Prefix: prefix, SourceKey: bytes.Repeat([]byte{8}, store.SourceKeySize)})
	if _, err := other.GetSource(ctx, "ennhri-dav"); err == nil {
		t.Fatal("a sealed password opened with another key")
	}

	// An older majlis's plain password is sealed when read.
	old := `{"_version":4,"id":"old-dav","region":"europe","name":"Old","kind":"caldav","url":"https://dav.example/old/","username":"u","password":"plain-old-secret"}`
	if err := rc.HSet(ctx, prefix+"sources", "old-dav", old).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetSource(ctx, "old-dav"); err != nil || got.Password != "plain-old-secret" || got.Version != 4 {
		t.Fatalf("the old source: %+v, %v", got, err)
	}
	if v := stored("old-dav"); bytes.Contains(v, []byte("plain-old-secret")) {
		t.Fatalf("the old password is still plain: %s", v)
	}
	if got, err := s.GetSource(ctx, "old-dav"); err != nil || got.Password != "plain-old-secret" || got.Version != 4 {
		t.Fatalf("the old source, sealed: %+v, %v", got, err)
	}
}
