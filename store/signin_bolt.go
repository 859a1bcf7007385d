package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// Buckets of sign-in state (access.SignInStore), made on first write:
// sessions, sign-in links and API tokens keyed by the hash of their
// secret, passkeys by credential ID, ceremonies by ID. Expired sessions,
// links and ceremonies are swept when a new one of the kind is written.
var (
	bucketSessions   = []byte("sessions")
	bucketLinks      = []byte("signin_links")
	bucketPasskeys   = []byte("passkeys")
	bucketCeremonies = []byte("webauthn_ceremonies")
	bucketAPITokens  = []byte("api_tokens")
)

// Stored forms of sign-in records: the hashes the API never shows are
// kept too.
type (
	storedSession struct {
		access.Session
		Hash string `json:"hash"`
	}
	storedLink struct {
		access.Link
		Hash string `json:"hash"`
	}
	storedToken struct {
		access.Token
		Hash string `json:"hash"`
	}
	storedCeremony struct {
		Data    []byte    `json:"data"`
		Expires time.Time `json:"expires"`
	}
)

func decodeSession(raw []byte) (access.Session, error) {
	var s storedSession
	err := json.Unmarshal(raw, &s)
	s.Session.Hash = s.Hash
	return s.Session, err
}

func decodeLink(raw []byte) (access.Link, error) {
	var s storedLink
	err := json.Unmarshal(raw, &s)
	s.Link.Hash = s.Hash
	return s.Link, err
}

func decodeToken(raw []byte) (access.Token, error) {
	var s storedToken
	err := json.Unmarshal(raw, &s)
	s.Token.Hash = s.Hash
	return s.Token, err
}

func decodePasskey(raw []byte) (access.Passkey, error) {
	var p access.Passkey
	err := json.Unmarshal(raw, &p)
	return p, err
}

// signInMissing is the error of a missing sign-in record.
func signInMissing(kind string) error {
	return fmt.Errorf("store: no such %s: %w", kind, access.ErrNotFound)
}

// byCreation orders records by creation time, then ID.
func byCreation[T any](out []T, created func(T) time.Time, id func(T) string) {
	slices.SortStableFunc(out, func(x, y T) int {
		if c := created(x).Compare(created(y)); c != 0 {
			return c
		}
		return strings.Compare(id(x), id(y))
	})
}

// boltGet reads one record of a bucket that may not exist yet.
func boltGet[T any](b *Bolt, ctx context.Context, bucket []byte, kind, key string, decode func([]byte) (T, error)) (T, error) {
	var v T
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		if bk == nil {
			return signInMissing(kind)
		}
		var ok bool
		var err error
		if v, ok, err = read(bk, kind, key, decode); err == nil && !ok {
			err = signInMissing(kind)
		}
		return err
	})
	return v, err
}

// boltList reads the records of a bucket that keep.
func boltList[T any](b *Bolt, ctx context.Context, bucket []byte, kind string, decode func([]byte) (T, error), keep func(T) bool) ([]T, error) {
	var out []T
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, raw []byte) error {
			v, err := decode(raw)
			if err != nil {
				return fmt.Errorf("store: decode %s: %w", kind, err)
			}
			if keep(v) {
				out = append(out, v)
			}
			return nil
		})
	})
	return out, err
}

// boltEdit rewrites the record under key with edit, or ErrNotFound.
func boltEdit[T any](b *Bolt, ctx context.Context, bucket []byte, kind, key string, decode func([]byte) (T, error), edit func(*T) any) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucket)
		if bk == nil {
			return signInMissing(kind)
		}
		v, ok, err := read(bk, kind, key, decode)
		if err != nil {
			return err
		}
		if !ok {
			return signInMissing(kind)
		}
		_, err = write(bk, kind, key, edit(&v))
		return err
	})
}

// sweep deletes the records of bk for which expired is true.
func sweep(bk *bolt.Bucket, expired func(raw []byte) bool) error {
	var old [][]byte
	err := bk.ForEach(func(k, raw []byte) error {
		if expired(raw) {
			old = append(old, slices.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := bk.Delete(k); err != nil {
			return fmt.Errorf("store: sweep: %w", err)
		}
	}
	return nil
}

// expiresBefore reads the "expires" field of a stored record.
func expiresBefore(now time.Time) func(raw []byte) bool {
	return func(raw []byte) bool {
		var v struct {
			Expires time.Time `json:"expires"`
		}
		return json.Unmarshal(raw, &v) == nil && !v.Expires.IsZero() && !now.Before(v.Expires)
	}
}

// createIn stores a new record under key in bucket, sweeping expired ones
// first when sweepAt is set; a duplicate key is agenda.ErrConflict.
func (b *Bolt) createIn(ctx context.Context, bucket []byte, kind, key string, v any, sweepAt time.Time) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return fmt.Errorf("store: %s bucket: %w", kind, err)
		}
		if !sweepAt.IsZero() {
			if err := sweep(bk, expiresBefore(sweepAt)); err != nil {
				return err
			}
		}
		if key != "" && bk.Get([]byte(key)) != nil {
			return fmt.Errorf("store: %s exists: %w", kind, agenda.ErrConflict)
		}
		_, err = write(bk, kind, key, v)
		return err
	})
}

// CreateSession implements access.SignInStore.
func (b *Bolt) CreateSession(ctx context.Context, s access.Session) error {
	return b.createIn(ctx, bucketSessions, "session", s.Hash, storedSession{Session: s, Hash: s.Hash}, s.Created)
}

// SessionByHash implements access.SignInStore.
func (b *Bolt) SessionByHash(ctx context.Context, hash string) (access.Session, error) {
	return boltGet(b, ctx, bucketSessions, "session", hash, decodeSession)
}

// TouchSession implements access.SignInStore.
func (b *Bolt) TouchSession(ctx context.Context, hash string, at time.Time) error {
	return boltEdit(b, ctx, bucketSessions, "session", hash, decodeSession, func(s *access.Session) any {
		s.LastSeen = at
		return storedSession{Session: *s, Hash: s.Hash}
	})
}

// ListSessions implements access.SignInStore.
func (b *Bolt) ListSessions(ctx context.Context, organizer string) ([]access.Session, error) {
	out, err := boltList(b, ctx, bucketSessions, "session", decodeSession, func(s access.Session) bool { return s.Organizer == organizer })
	byCreation(out, func(s access.Session) time.Time { return s.Created }, func(s access.Session) string { return s.ID })
	return out, err
}

// DeleteSession implements access.SignInStore.
func (b *Bolt) DeleteSession(ctx context.Context, organizer, id string) error {
	n, err := b.deleteSessions(ctx, func(s access.Session) bool { return s.Organizer == organizer && s.ID == id })
	if err == nil && n == 0 {
		err = signInMissing("session")
	}
	return err
}

// DeleteSessions implements access.SignInStore.
func (b *Bolt) DeleteSessions(ctx context.Context, organizer string) error {
	_, err := b.deleteSessions(ctx, func(s access.Session) bool { return s.Organizer == organizer })
	return err
}

func (b *Bolt) deleteSessions(ctx context.Context, match func(access.Session) bool) (int, error) {
	n := 0
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketSessions)
		if bk == nil {
			return nil
		}
		return sweep(bk, func(raw []byte) bool {
			s, err := decodeSession(raw)
			if err == nil && match(s) {
				n++
				return true
			}
			return false
		})
	})
	return n, err
}

// CreateLink implements access.SignInStore. Links are kept a day past
// their expiry, so that a late click is told the link expired rather than
// that it never existed.
func (b *Bolt) CreateLink(ctx context.Context, l access.Link) error {
	return b.createIn(ctx, bucketLinks, "sign-in link", l.Hash, storedLink{Link: l, Hash: l.Hash}, l.Created.Add(-linkKeep))
}

// linkKeep is how long stores keep a sign-in link past its expiry.
const linkKeep = 24 * time.Hour

// LinkByHash implements access.SignInStore.
func (b *Bolt) LinkByHash(ctx context.Context, hash string) (access.Link, error) {
	return boltGet(b, ctx, bucketLinks, "sign-in link", hash, decodeLink)
}

// UseLink implements access.SignInStore: one transaction reads and marks.
func (b *Bolt) UseLink(ctx context.Context, hash string, at time.Time) (access.Link, error) {
	var before access.Link
	err := boltEdit(b, ctx, bucketLinks, "sign-in link", hash, decodeLink, func(l *access.Link) any {
		before = *l
		if l.Used.IsZero() {
			l.Used = at
		}
		return storedLink{Link: *l, Hash: l.Hash}
	})
	return before, err
}

// AddPasskey implements access.SignInStore.
func (b *Bolt) AddPasskey(ctx context.Context, p access.Passkey) error {
	return b.createIn(ctx, bucketPasskeys, "passkey", p.ID, p, time.Time{})
}

// PasskeyByID implements access.SignInStore.
func (b *Bolt) PasskeyByID(ctx context.Context, id string) (access.Passkey, error) {
	return boltGet(b, ctx, bucketPasskeys, "passkey", id, decodePasskey)
}

// ListPasskeys implements access.SignInStore.
func (b *Bolt) ListPasskeys(ctx context.Context, organizer string) ([]access.Passkey, error) {
	out, err := boltList(b, ctx, bucketPasskeys, "passkey", decodePasskey, func(p access.Passkey) bool { return p.Organizer == organizer })
	byCreation(out, func(p access.Passkey) time.Time { return p.Created }, func(p access.Passkey) string { return p.ID })
	return out, err
}

// UpdatePasskey implements access.SignInStore.
func (b *Bolt) UpdatePasskey(ctx context.Context, p access.Passkey) error {
	return boltEdit(b, ctx, bucketPasskeys, "passkey", p.ID, decodePasskey, func(*access.Passkey) any { return p })
}

// PutCeremony implements access.SignInStore.
func (b *Bolt) PutCeremony(ctx context.Context, id string, data []byte, expires time.Time) error {
	return b.createIn(ctx, bucketCeremonies, "ceremony", id, storedCeremony{Data: data, Expires: expires}, expires.Add(-access.CeremonyTTL))
}

// TakeCeremony implements access.SignInStore.
func (b *Bolt) TakeCeremony(ctx context.Context, id string, now time.Time) ([]byte, error) {
	var c storedCeremony
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketCeremonies)
		if bk == nil {
			return signInMissing("ceremony")
		}
		raw := bk.Get([]byte(id))
		if raw == nil {
			return signInMissing("ceremony")
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("store: decode ceremony: %w", err)
		}
		if err := bk.Delete([]byte(id)); err != nil {
			return fmt.Errorf("store: delete ceremony: %w", err)
		}
		if !now.Before(c.Expires) {
			return signInMissing("ceremony")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.Data, nil
}

// CreateToken implements access.SignInStore.
func (b *Bolt) CreateToken(ctx context.Context, t access.Token) error {
	return b.createIn(ctx, bucketAPITokens, "token", t.Hash, storedToken{Token: t, Hash: t.Hash}, time.Time{})
}

// TokenByHash implements access.SignInStore.
func (b *Bolt) TokenByHash(ctx context.Context, hash string) (access.Token, error) {
	return boltGet(b, ctx, bucketAPITokens, "token", hash, decodeToken)
}

// ListTokens implements access.SignInStore.
func (b *Bolt) ListTokens(ctx context.Context, organizer string) ([]access.Token, error) {
	out, err := boltList(b, ctx, bucketAPITokens, "token", decodeToken, func(t access.Token) bool { return t.Organizer == organizer })
	byCreation(out, func(t access.Token) time.Time { return t.Created }, func(t access.Token) string { return t.ID })
	return out, err
}

// DeleteToken implements access.SignInStore.
func (b *Bolt) DeleteToken(ctx context.Context, organizer, id string) error {
	n := 0
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketAPITokens)
		if bk == nil {
			return nil
		}
		return sweep(bk, func(raw []byte) bool {
			t, err := decodeToken(raw)
			if err == nil && t.Organizer == organizer && t.ID == id {
				n++
				return true
			}
			return false
		})
	})
	if err == nil && n == 0 {
		err = signInMissing("token")
	}
	return err
}

// TokenUsed implements access.SignInStore.
func (b *Bolt) TokenUsed(ctx context.Context, hash string, at time.Time) error {
	return boltEdit(b, ctx, bucketAPITokens, "token", hash, decodeToken, func(t *access.Token) any {
		t.LastUsed = at
		return storedToken{Token: *t, Hash: t.Hash}
	})
}
