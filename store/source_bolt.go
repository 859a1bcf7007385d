package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// Buckets of regional sync (calendar.Store), made on first write: sources
// by ID, their status by ID, and one nested bucket of push records (by
// event ID) per source.
var (
	bucketSources      = []byte("sources")
	bucketSourceStatus = []byte("source_status")
	bucketPushes       = []byte("source_pushes")
)

var _ calendar.Store = (*Bolt)(nil)

// storedSource is a source as stored: its password sealed
// (source_seal.go), never in plain text (the field Password shadows the
// source's own and is written by no version since sealing).
type storedSource struct {
	calendar.Source
	// Password is a password an older majlis stored in plain text.
	Password string `json:"password,omitempty"`
	// Sealed is the password, sealed.
	Sealed string `json:"password_sealed,omitempty"`
	V      int64  `json:"_version"`
}

// decodeSource reads a stored source, its password opened with z.
func (z *sealer) decodeSource(raw []byte) (calendar.Source, error) {
	s, _, err := z.decodeStored(raw)
	return s, err
}

// decodeSourceSealed reads a stored source without opening its password
// (a deletion needs none, even after the key changed).
func decodeSourceSealed(raw []byte) (calendar.Source, error) {
	var s storedSource
	err := json.Unmarshal(raw, &s)
	s.Source.Version = s.V
	return s.Source, err
}

// decodeStored is decodeSource, and whether the password was stored in
// plain text (to be sealed).
func (z *sealer) decodeStored(raw []byte) (calendar.Source, bool, error) {
	var s storedSource
	err := json.Unmarshal(raw, &s)
	s.Source.Version, s.Source.Password = s.V, s.Password
	if err == nil && s.Sealed != "" {
		s.Source.Password, err = z.open(s.ID, s.Sealed)
	}
	return s.Source, s.Password != "", err
}

func decodePush(raw []byte) (calendar.Push, error) {
	var p calendar.Push
	err := json.Unmarshal(raw, &p)
	return p, err
}

// encodeSource is s as stored at version v, its password sealed.
func (z *sealer) encodeSource(s calendar.Source, v int64) (storedSource, error) {
	out := storedSource{Source: s, V: v}
	if s.Password != "" {
		sealed, err := z.seal(s.ID, s.Password)
		if err != nil {
			return storedSource{}, err
		}
		out.Sealed = sealed
	}
	return out, nil
}

// sealSources seals the passwords an older majlis stored in plain text,
// keeping each source's version (nothing else changes).
func (b *Bolt) sealSources() error {
	return b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketSources)
		if bk == nil {
			return nil
		}
		plain := map[string]storedSource{}
		err := bk.ForEach(func(k, raw []byte) error {
			s, isPlain, err := b.sources.decodeStored(raw)
			if err != nil || !isPlain {
				return err
			}
			st, err := b.sources.encodeSource(s, s.Version)
			plain[string(k)] = st
			return err
		})
		if err != nil {
			return fmt.Errorf("store: seal source passwords: %w", err)
		}
		for k, st := range plain {
			if _, err := write(bk, "source", k, st); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutSource implements calendar.Store. A precondition on a source that
// does not exist fails with ErrConflict, as an HTTP If-Match would.
func (b *Bolt) PutSource(ctx context.Context, s calendar.Source, ifVersion int64) (calendar.Source, error) {
	var out calendar.Source
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketSources)
		if err != nil {
			return fmt.Errorf("store: sources bucket: %w", err)
		}
		cur, ok, err := read(bk, "source", s.ID, b.sources.decodeSource)
		if err != nil {
			return err
		}
		if ifVersion != 0 && (!ok || cur.Version != ifVersion) {
			return conflict("source", s.ID, ifVersion, cur.Version)
		}
		st, err := b.sources.encodeSource(s, cur.Version+1)
		if err != nil {
			return err
		}
		raw, err := write(bk, "source", s.ID, st)
		if err != nil {
			return err
		}
		out, err = b.sources.decodeSource(raw)
		return err
	})
	return out, err
}

// GetSource implements calendar.Store.
func (b *Bolt) GetSource(ctx context.Context, id string) (calendar.Source, error) {
	return readOne(ctx, b, bucketSources, "source", id, b.sources.decodeSource, agenda.ErrNotFound)
}

// ListSources implements calendar.Store, in key (ID) order.
func (b *Bolt) ListSources(ctx context.Context) ([]calendar.Source, error) {
	var out []calendar.Source
	err := b.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = readAll(tx.Bucket(bucketSources), "source", b.sources.decodeSource)
		return err
	})
	return out, err
}

// DeleteSource implements calendar.Store.
func (b *Bolt) DeleteSource(ctx context.Context, id string, ifVersion int64) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketSources)
		if bk == nil {
			return notFound("source", id)
		}
		cur, ok, err := read(bk, "source", id, decodeSourceSealed)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("source", id)
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return conflict("source", id, ifVersion, cur.Version)
		}
		if err := bk.Delete([]byte(id)); err != nil {
			return fmt.Errorf("store: delete source %q: %w", id, err)
		}
		if st := tx.Bucket(bucketSourceStatus); st != nil {
			if err := st.Delete([]byte(id)); err != nil {
				return fmt.Errorf("store: delete status of %q: %w", id, err)
			}
		}
		if p := tx.Bucket(bucketPushes); p != nil && p.Bucket([]byte(id)) != nil {
			if err := p.DeleteBucket([]byte(id)); err != nil {
				return fmt.Errorf("store: delete pushes of %q: %w", id, err)
			}
		}
		return nil
	})
}

// GetStatus implements calendar.Store.
func (b *Bolt) GetStatus(ctx context.Context, id string) (calendar.Status, error) {
	var st calendar.Status
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketSourceStatus)
		if bk == nil {
			return nil
		}
		if raw := bk.Get([]byte(id)); raw != nil {
			if err := json.Unmarshal(raw, &st); err != nil {
				return fmt.Errorf("store: decode status of %q: %w", id, err)
			}
		}
		return nil
	})
	return st, err
}

// PutStatus implements calendar.Store.
func (b *Bolt) PutStatus(ctx context.Context, id string, st calendar.Status) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketSourceStatus)
		if err != nil {
			return fmt.Errorf("store: status bucket: %w", err)
		}
		_, err = write(bk, "status", id, st)
		return err
	})
}

// ListPushes implements calendar.Store, in key (event ID) order.
func (b *Bolt) ListPushes(ctx context.Context, sourceID string) ([]calendar.Push, error) {
	var out []calendar.Push
	err := b.view(ctx, func(tx *bolt.Tx) (err error) {
		if p := tx.Bucket(bucketPushes); p != nil {
			out, err = readAll(p.Bucket([]byte(sourceID)), "push of "+sourceID, decodePush)
		}
		return err
	})
	return out, err
}

// PutPush implements calendar.Store.
func (b *Bolt) PutPush(ctx context.Context, sourceID string, rec calendar.Push) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		p, err := tx.CreateBucketIfNotExists(bucketPushes)
		if err != nil {
			return fmt.Errorf("store: pushes bucket: %w", err)
		}
		if sourceID == "" {
			return fmt.Errorf("store: push without a source: %w", agenda.ErrInvalid)
		}
		bk, err := p.CreateBucketIfNotExists([]byte(sourceID))
		if err != nil {
			return fmt.Errorf("store: pushes of %q: %w", sourceID, err)
		}
		_, err = write(bk, "push", rec.EventID, rec)
		return err
	})
}

// DeletePush implements calendar.Store.
func (b *Bolt) DeletePush(ctx context.Context, sourceID, eventID string) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		p := tx.Bucket(bucketPushes)
		if p == nil || p.Bucket([]byte(sourceID)) == nil {
			return nil
		}
		if err := p.Bucket([]byte(sourceID)).Delete([]byte(eventID)); err != nil {
			return fmt.Errorf("store: delete push %q of %q: %w", eventID, sourceID, err)
		}
		return nil
	})
}

// Lease implements calendar.Store. A bbolt file is open in one process
// only (its file lock), and that process's one Syncer holds every lease.
func (b *Bolt) Lease(ctx context.Context, sourceID, holder string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return false, errClosed
	}
	return true, nil
}
