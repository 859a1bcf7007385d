package broker

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/internal/randid"
	"github.com/majlis/majlis/realtime"
)

func TestMemoryLog(t *testing.T) {
	ctx := context.Background()
	b := NewMemory(MemoryConfig{LogSize: 3})
	var got []uint64
	cancel, err := b.Subscribe(ctx, "r", realtime.Subscriber{Deliver: func(e realtime.Envelope) { got = append(got, e.Seq) }})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 5 || got[0] != 1 || got[4] != 5 {
		t.Fatalf("delivered %v", got)
	}
	s0, _ := b.Snapshot(ctx, "r")
	at := func(seq uint64) realtime.Position { return realtime.Position{Seq: seq, Epoch: s0.Epoch} }
	if h, err := b.History(ctx, "r", at(2)); err != nil || len(h) != 3 || h[0].Seq != 3 {
		t.Fatalf("history since 2: %v %v", h, err)
	}
	if _, err := b.History(ctx, "r", at(1)); !errors.Is(err, realtime.ErrGap) {
		t.Fatalf("history since 1 with a 3-message log: %v, want realtime.ErrGap", err)
	}
	if h, err := b.History(ctx, "r", at(5)); err != nil || len(h) != 0 {
		t.Fatalf("history since the last seq: %v %v", h, err)
	}
	// A conditional publish against a stale seq changes nothing.
	st := realtime.State{Floor: realtime.Floor{Speaker: "m-1"}}
	err = b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgFloor}, &realtime.Change{Check: true, Seen: at(4), State: &st})
	if !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("stale publish: %v", err)
	}
	if s, _ := b.Snapshot(ctx, "r"); s.Seq != 5 || s.State.Floor.Speaker != "" {
		t.Fatalf("a refused publish changed the room: %+v", s)
	}
	m := realtime.Member{ID: "m-1", Name: "A"}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgJoin}, &realtime.Change{Check: true, Seen: at(5), State: &st, Join: &m}); err != nil {
		t.Fatal(err)
	}
	s, _ := b.Snapshot(ctx, "r")
	if s.Seq != 6 || s.State.Floor.Speaker != "m-1" || len(s.Roster) != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	cancel()
	_ = b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil)
	if len(got) != 6 {
		t.Fatalf("delivered after cancel: %v", got)
	}
}

// TestLocalSurvivesRestart: a room's log, state and roster come back from
// the room file; an instance that does not beat any more is dead.
func TestLocalSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rooms.db")
	b, err := OpenLocal(path, MemoryConfig{LogSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	m := realtime.Member{ID: "m-1", Name: "Amina", Instance: "i-old"}
	st := realtime.State{Floor: realtime.Floor{Speaker: "m-1", Queue: []string{}}}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgJoin}, &realtime.Change{Join: &m, State: &st}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat, Data: []byte(`{"text":"` + strconv.Itoa(i) + `"}`)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Heartbeat(ctx, "i-old", time.Hour)
	b = reopen(t, b, path, MemoryConfig{LogSize: 3})
	defer b.Close()
	s, err := b.Snapshot(ctx, "r")
	if err != nil || s.Seq != 5 || s.State.Floor.Speaker != "m-1" || len(s.Roster) != 1 || s.Roster[0].Name != "Amina" {
		t.Fatalf("after restart: %+v %v", s, err)
	}
	h, err := b.History(ctx, "r", realtime.Position{Seq: 2, Epoch: s.Epoch})
	if err != nil || len(h) != 3 || h[2].Seq != 5 || string(h[2].Data) != `{"text":"3"}` {
		t.Fatalf("history after restart: %+v %v", h, err)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 1, Epoch: s.Epoch}); !errors.Is(err, realtime.ErrGap) {
		t.Fatalf("trimmed log after restart: %v", err)
	}
	if dead, _ := b.Dead(ctx, []string{"i-old"}); len(dead) != 1 {
		t.Fatal("the instance of the previous process is not dead")
	}
	env := realtime.Envelope{Type: realtime.MsgChat}
	if err := b.Publish(ctx, "r", &env, nil); err != nil || env.Seq != 6 {
		t.Fatalf("publish after restart: seq %d %v", env.Seq, err)
	}
}

// reopen closes b and opens its room file again, as a restart does.
func reopen(t *testing.T, b *Memory, path string, cfg MemoryConfig) *Memory {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := OpenLocal(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLocalRosterKeyedByJoin: the room file keeps members by the seq of
// their join (a join storm appends), through updates and leaves, and a
// file of the older layout (members by ID) opens with its roster, in join
// order, moved to the new one.
func TestLocalRosterKeyedByJoin(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rooms.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { // the older layout, written as it wrote it
		rooms, _ := tx.CreateBucketIfNotExists(bucketRooms)
		bk, _ := rooms.CreateBucket([]byte("r"))
		_ = bk.Put([]byte("seq"), seqKey(3))
		_ = bk.Put([]byte("epoch"), []byte("e-old"))
		rb, _ := bk.CreateBucket([]byte("roster"))
		_ = rb.Put([]byte("m-z"), []byte(`1|{"id":"m-z","name":"Zaid","role":"participant","channel":"floor"}`))
		return rb.Put([]byte("m-a"), []byte(`3|{"id":"m-a","name":"Amina","role":"host","channel":"floor"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	names := func(s realtime.Snapshot) string {
		var out []string
		for _, m := range s.Roster {
			out = append(out, m.Name)
		}
		return strings.Join(out, ",")
	}
	b, err := OpenLocal(path, MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := b.Snapshot(ctx, "r")
	if names(s) != "Zaid,Amina" || s.Seq != 3 || s.Epoch != "e-old" {
		t.Fatalf("older file: roster %q at %d in %q; want Zaid,Amina at 3 in e-old", names(s), s.Seq, s.Epoch)
	}
	kwame := realtime.Member{ID: "m-k", Name: "Kwame"}
	muted := realtime.Member{ID: "m-z", Name: "Zaid (muted)", Muted: true}
	for _, ch := range []*realtime.Change{{Join: &kwame}, {Update: &muted}, {Leave: "m-a"}, {Join: &kwame}} {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgMember}, ch); err != nil {
			t.Fatal(err)
		}
	}
	b = reopen(t, b, path, MemoryConfig{})
	defer b.Close()
	if s, _ := b.Snapshot(ctx, "r"); names(s) != "Zaid (muted),Kwame" || s.Seq != 7 {
		t.Fatalf("after update, leave, join again and restart: roster %q at %d; want Zaid (muted),Kwame at 7", names(s), s.Seq)
	}
	err = b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRooms).Bucket([]byte("r"))
		if bk.Bucket([]byte("roster")) != nil {
			t.Error("the older roster bucket is still there")
		}
		var keys []uint64
		_ = bk.Bucket([]byte("members")).ForEach(func(k, _ []byte) error {
			keys = append(keys, binary.BigEndian.Uint64(k))
			return nil
		})
		if !slices.Equal(keys, []uint64{1, 7}) {
			t.Errorf("members keyed by %v, want the seqs of their joins [1 7]", keys)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLocalEpoch: a room file restored from a backup (behind what was
// seen) or deleted gives its rooms new epochs, so that no position in the
// lost log is read as one in the new.
func TestLocalEpoch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "rooms.db"), filepath.Join(dir, "backup.db")
	open := func() *Memory {
		t.Helper()
		b, err := OpenLocal(path, MemoryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	copyFile := func(from, to string) {
		t.Helper()
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := open()
	for range 3 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := b.Snapshot(ctx, "r")
	b.Close()
	copyFile(path, backup)
	b = open()
	env := realtime.Envelope{Type: realtime.MsgChat}
	if err := b.Publish(ctx, "r", &env, &realtime.Change{Seen: first.Position}); err != nil || env.Epoch != first.Epoch || env.Seq != 4 {
		t.Fatalf("publish after a restart: %+v %v, want seq 4 in epoch %s", env, err, first.Epoch)
	}
	seen := realtime.Position{Seq: env.Seq, Epoch: env.Epoch}
	b.Close()

	copyFile(backup, path) // the log goes back to seq 3, same epoch
	b = open()
	if s, _ := b.Snapshot(ctx, "r"); s.Position != first.Position {
		t.Fatalf("restored: %+v, want %+v", s.Position, first.Position)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, &realtime.Change{Seen: seen}); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from a position the log went back from: %v, want ErrStale", err)
	}
	restored, _ := b.Snapshot(ctx, "r")
	if restored.Epoch == first.Epoch || restored.Seq != 3 {
		t.Fatalf("after the regression: %+v, want a new epoch at seq 3", restored.Position)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 2, Epoch: first.Epoch}); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history in the old epoch: %v, want ErrEpoch", err)
	}
	b.Close()
	b = open() // the new epoch is in the file
	if s, _ := b.Snapshot(ctx, "r"); s.Position != restored.Position {
		t.Fatalf("reopened: %+v, want %+v", s.Position, restored.Position)
	}
	b.Close()

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	b = open()
	defer b.Close()
	s, _ := b.Snapshot(ctx, "r")
	if s.Seq != 0 || s.Epoch == "" || s.Epoch == restored.Epoch || s.Epoch == first.Epoch {
		t.Fatalf("a deleted room file: %+v, want seq 0 in a new epoch", s.Position)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 1, Epoch: restored.Epoch}); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history in the lost log: %v, want ErrEpoch", err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, &realtime.Change{Seen: restored.Position}); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from the lost log: %v, want ErrStale", err)
	}
}

// TestLocalPublishJoins: joins published together get consecutive seqs in
// their order, reach the subscribers, are in the roster and survive a
// restart (one transaction); a stale position publishes none.
func TestLocalPublishJoins(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rooms.db")
	b, err := OpenLocal(path, MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := b.Snapshot(ctx, "r")
	var got []uint64
	cancel, err := b.Subscribe(ctx, "r", realtime.Subscriber{Deliver: func(env realtime.Envelope) { got = append(got, env.Seq) },
		Frame: func([]byte) {}, Resync: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	var envs []*realtime.Envelope
	var members []*realtime.Member
	for i := range 50 {
		envs = append(envs, &realtime.Envelope{Type: realtime.MsgJoin})
		members = append(members, &realtime.Member{ID: "m-" + strconv.Itoa(i), Name: "N"})
	}
	if err := b.PublishJoins(ctx, "r", realtime.Position{Seq: s.Seq, Epoch: "another"}, envs, members); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("another epoch: %v, want ErrStale", err)
	}
	if err := b.PublishJoins(ctx, "r", s.Position, envs, members); err != nil {
		t.Fatal(err)
	}
	for i, env := range envs {
		if env.Seq != uint64(i+2) || env.Epoch != s.Epoch {
			t.Fatalf("join %d: seq %d epoch %q", i, env.Seq, env.Epoch)
		}
	}
	if len(got) != 50 || got[0] != 2 || got[49] != 51 {
		t.Fatalf("delivered %v", got)
	}
	b = reopen(t, b, path, MemoryConfig{})
	defer b.Close()
	s, err = b.Snapshot(ctx, "r")
	if err != nil || s.Seq != 51 || len(s.Roster) != 50 || s.Roster[0].ID != "m-0" || s.Roster[49].ID != "m-49" {
		t.Fatalf("after restart: seq %d, %d members, %v", s.Seq, len(s.Roster), err)
	}
}

// BenchmarkLocalJoinStorm measures what a join storm writes to the room
// file: 5,000 members joining in batches of 25 (PublishJoins), with member
// IDs as rooms make them. It reports the bytes of pages written and the
// write calls per join (bbolt's own counts, which load does not change);
// each batch is fsynced, so fewer and more contiguous pages are a shorter
// wait for the joins behind it.
//
//	go test -run '^$' -bench LocalJoinStorm -benchtime 1x ./broker/
func BenchmarkLocalJoinStorm(b *testing.B) {
	const members, batch = 5000, 25
	for range b.N {
		m, err := OpenLocal(filepath.Join(b.TempDir(), "rooms.db"), MemoryConfig{})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := m.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
			b.Fatal(err)
		}
		s, _ := m.Snapshot(ctx, "r")
		before := m.db.Stats().TxStats
		for i := 0; i < members; i += batch {
			var envs []*realtime.Envelope
			var ms []*realtime.Member
			for range batch {
				mem := &realtime.Member{ID: randid.New("m-", randid.IDBytes), Name: "Participant", Role: realtime.RoleParticipant,
					Channel: "floor", Instance: "i-abcdefghijklmnop"}
				envs = append(envs, &realtime.Envelope{Type: realtime.MsgJoin, From: mem.ID, To: realtime.ToHosts, Data: []byte(`{"id":"` + mem.ID + `","name":"Participant","role":"participant","channel":"floor","instance":"i-abcdefghijklmnop"}`)})
				ms = append(ms, mem)
			}
			if err := m.PublishJoins(ctx, "r", s.Position, envs, ms); err != nil {
				b.Fatal(err)
			}
		}
		after := m.db.Stats().TxStats
		b.ReportMetric(float64(after.GetPageAlloc()-before.GetPageAlloc())/members, "page-B/join")
		b.ReportMetric(float64(after.GetWrite()-before.GetWrite())/members, "writes/join")
		m.Close()
	}
}
