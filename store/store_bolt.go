package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

var (
	bucketEvents     = []byte("events")
	bucketAgendas    = []byte("agendas")
	bucketSeries     = []byte("series")
	bucketOrganizers = []byte("organizers")
	// bucketTokens maps a token hash to an organizer ID.
	bucketTokens = []byte("organizer_tokens")
)

// Bolt is the embedded store: one bbolt file, one process at a time.
//
// The file is the source of truth; events are also kept decoded in memory
// (sorted by start, then ID) so that listings do not decode every event on
// every request. Writers hold wmu across the bbolt transaction and the
// cache update, so the cache applies commits in commit order; readers
// take mu for reading only.
type Bolt struct {
	db  *bolt.DB
	wmu sync.Mutex

	mu     sync.RWMutex
	events []agenda.Event // sorted by Start, then ID; Version set
}

var _ Store = (*Bolt)(nil)

// OpenBolt opens (creating if needed) the database file at path. A second
// process opening the same file fails after two seconds with a clear error
// instead of waiting forever.
func OpenBolt(path string) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data folder: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store: database %s is locked by another process (is another majlis running on this --data?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketEvents, bucketAgendas, bucketSeries, bucketOrganizers, bucketTokens} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: initialise %s: %w", path, err)
	}
	b := &Bolt{db: db}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			var se storedEvent
			if err := json.Unmarshal(v, &se); err != nil {
				return fmt.Errorf("store: decode event %s: %w", k, err)
			}
			b.events = append(b.events, se.event())
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	sort.Slice(b.events, func(i, j int) bool { return eventLess(b.events[i], b.events[j]) })
	return b, nil
}

func eventLess(a, b agenda.Event) bool {
	if !a.Start.Equal(b.Start) {
		return a.Start.Before(b.Start)
	}
	return a.ID < b.ID
}

// cloneEvent deep-copies the maps and slices of an event.
func cloneEvent(e agenda.Event) agenda.Event {
	e.Title, e.Description = e.Title.Clone(), e.Description.Clone()
	e.Languages, e.Invitees = slices.Clone(e.Languages), slices.Clone(e.Invitees)
	return e
}

// update runs fn in a write transaction; on commit, the events fn
// reports as written (put) or removed (del) are applied to the cache.
func (b *Bolt) update(fn func(tx *bolt.Tx, put func(agenda.Event), del func(id string)) error) error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	var puts []agenda.Event
	var dels []string
	err := b.db.Update(func(tx *bolt.Tx) error {
		return fn(tx, func(e agenda.Event) { puts = append(puts, cloneEvent(e)) }, func(id string) { dels = append(dels, id) })
	})
	if err != nil || (len(puts) == 0 && len(dels) == 0) {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range dels {
		b.events = slices.DeleteFunc(b.events, func(x agenda.Event) bool { return x.ID == id })
	}
	for _, e := range puts {
		b.events = slices.DeleteFunc(b.events, func(x agenda.Event) bool { return x.ID == e.ID })
		i, _ := slices.BinarySearchFunc(b.events, e, func(x, y agenda.Event) int {
			if eventLess(x, y) {
				return -1
			}
			if eventLess(y, x) {
				return 1
			}
			return 0
		})
		b.events = slices.Insert(b.events, i, e)
	}
	return nil
}

// Close closes the database file.
func (b *Bolt) Close() error { return b.db.Close() }

// Ping checks that the database is open and readable.
func (b *Bolt) Ping(ctx context.Context) error {
	return b.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEvents) == nil {
			return errors.New("store: events bucket missing")
		}
		return nil
	})
}

func get[T any](bk *bolt.Bucket, key string, v *T) (bool, error) {
	raw := bk.Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	// raw is only valid inside the transaction; Unmarshal copies it.
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("store: decode %s/%s: %w", bk, key, err)
	}
	return true, nil
}

func put(bk *bolt.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", key, err)
	}
	return bk.Put([]byte(key), raw)
}

// storedEvent adds the fields agenda.Event hides from JSON.
type storedEvent struct {
	agenda.Event
	V int64 `json:"_version"`
}

func (s storedEvent) event() agenda.Event { e := s.Event; e.Version = s.V; return e }

type storedAgenda struct {
	agenda.Agenda
	V int64 `json:"_version"`
}

type storedSeries struct {
	agenda.Series
	V int64 `json:"_version"`
}

type storedOrganizer struct {
	access.Organizer
	Hash string `json:"token_hash"`
}

func notFound(kind, id string) error {
	return fmt.Errorf("store: %s %q: %w", kind, id, agenda.ErrNotFound)
}

func conflict(kind, id string, want, have int64) error {
	return fmt.Errorf("store: %s %q is at version %d, not %d: %w", kind, id, have, want, agenda.ErrConflict)
}

// CreateEvent implements agenda.Store.
func (b *Bolt) CreateEvent(ctx context.Context, e agenda.Event, a agenda.Agenda) (agenda.Event, agenda.Agenda, error) {
	err := b.update(func(tx *bolt.Tx, cached func(agenda.Event), _ func(string)) error {
		evs := tx.Bucket(bucketEvents)
		if evs.Get([]byte(e.ID)) != nil {
			return fmt.Errorf("store: event %q exists: %w", e.ID, agenda.ErrConflict)
		}
		a.EventID = e.ID
		if err := put(evs, e.ID, storedEvent{Event: e, V: 1}); err != nil {
			return err
		}
		e.Version = 1
		cached(e)
		return put(tx.Bucket(bucketAgendas), e.ID, storedAgenda{Agenda: a, V: 1})
	})
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, err
	}
	return b.mustGet(ctx, e.ID)
}

func (b *Bolt) mustGet(ctx context.Context, id string) (agenda.Event, agenda.Agenda, error) {
	e, err := b.GetEvent(ctx, id)
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, err
	}
	a, err := b.GetAgenda(ctx, id)
	return e, a, err
}

// GetEvent implements agenda.Store.
func (b *Bolt) GetEvent(ctx context.Context, id string) (agenda.Event, error) {
	var se storedEvent
	err := b.db.View(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bucketEvents), id, &se)
		if err == nil && !ok {
			err = notFound("event", id)
		}
		return err
	})
	if err != nil {
		return agenda.Event{}, err
	}
	return se.event(), nil
}

// UpdateEvent implements agenda.Store.
func (b *Bolt) UpdateEvent(ctx context.Context, e agenda.Event, ifVersion int64) (agenda.Event, error) {
	err := b.update(func(tx *bolt.Tx, cached func(agenda.Event), _ func(string)) error {
		return updateEventTx(tx, e, ifVersion, cached)
	})
	if err != nil {
		return agenda.Event{}, err
	}
	return b.GetEvent(ctx, e.ID)
}

func updateEventTx(tx *bolt.Tx, e agenda.Event, ifVersion int64, cached func(agenda.Event)) error {
	evs := tx.Bucket(bucketEvents)
	var cur storedEvent
	ok, err := get(evs, e.ID, &cur)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("event", e.ID)
	}
	if ifVersion != 0 && cur.V != ifVersion {
		return conflict("event", e.ID, ifVersion, cur.V)
	}
	if err := put(evs, e.ID, storedEvent{Event: e, V: cur.V + 1}); err != nil {
		return err
	}
	e.Version = cur.V + 1
	cached(e)
	return nil
}

// DeleteEvent implements agenda.Store.
func (b *Bolt) DeleteEvent(ctx context.Context, id string, ifVersion int64) error {
	return b.update(func(tx *bolt.Tx, _ func(agenda.Event), removed func(string)) error {
		evs := tx.Bucket(bucketEvents)
		var cur storedEvent
		ok, err := get(evs, id, &cur)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("event", id)
		}
		if ifVersion != 0 && cur.V != ifVersion {
			return conflict("event", id, ifVersion, cur.V)
		}
		if err := evs.Delete([]byte(id)); err != nil {
			return err
		}
		removed(id)
		return tx.Bucket(bucketAgendas).Delete([]byte(id))
	})
}

// ListEvents implements agenda.Store. It reads the in-memory index.
func (b *Bolt) ListEvents(ctx context.Context, f agenda.Filter) ([]agenda.Event, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []agenda.Event
	for i := range b.events {
		if f.Match(b.events[i]) {
			out = append(out, cloneEvent(b.events[i]))
		}
	}
	return out, nil
}

// GetAgenda implements agenda.Store.
func (b *Bolt) GetAgenda(ctx context.Context, eventID string) (agenda.Agenda, error) {
	var sa storedAgenda
	err := b.db.View(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bucketAgendas), eventID, &sa)
		if err == nil && !ok {
			err = notFound("agenda", eventID)
		}
		return err
	})
	if err != nil {
		return agenda.Agenda{}, err
	}
	a := sa.Agenda
	a.Version = sa.V
	if a.Items == nil {
		a.Items = []agenda.Item{}
	}
	return a, nil
}

// PutAgenda implements agenda.Store.
func (b *Bolt) PutAgenda(ctx context.Context, a agenda.Agenda, ifVersion int64, e *agenda.Event) (agenda.Agenda, error) {
	err := b.update(func(tx *bolt.Tx, cached func(agenda.Event), _ func(string)) error {
		ags := tx.Bucket(bucketAgendas)
		var cur storedAgenda
		ok, err := get(ags, a.EventID, &cur)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("agenda", a.EventID)
		}
		if ifVersion != 0 && cur.V != ifVersion {
			return conflict("agenda", a.EventID, ifVersion, cur.V)
		}
		if e != nil {
			if e.ID != a.EventID {
				return fmt.Errorf("store: agenda of %q written with event %q", a.EventID, e.ID)
			}
			if err := updateEventTx(tx, *e, e.Version, cached); err != nil {
				return err
			}
		}
		return put(ags, a.EventID, storedAgenda{Agenda: a, V: cur.V + 1})
	})
	if err != nil {
		return agenda.Agenda{}, err
	}
	return b.GetAgenda(ctx, a.EventID)
}

// PutSeries implements agenda.Store.
func (b *Bolt) PutSeries(ctx context.Context, s agenda.Series, ifVersion int64) (agenda.Series, error) {
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketSeries)
		var cur storedSeries
		ok, err := get(bk, s.ID, &cur)
		if err != nil {
			return err
		}
		if ifVersion != 0 && (!ok || cur.V != ifVersion) {
			return conflict("series", s.ID, ifVersion, cur.V)
		}
		return put(bk, s.ID, storedSeries{Series: s, V: cur.V + 1})
	})
	if err != nil {
		return agenda.Series{}, err
	}
	return b.GetSeries(ctx, s.ID)
}

// GetSeries implements agenda.Store.
func (b *Bolt) GetSeries(ctx context.Context, id string) (agenda.Series, error) {
	var ss storedSeries
	err := b.db.View(func(tx *bolt.Tx) error {
		ok, err := get(tx.Bucket(bucketSeries), id, &ss)
		if err == nil && !ok {
			err = notFound("series", id)
		}
		return err
	})
	s := ss.Series
	s.Version = ss.V
	return s, err
}

// ListSeries implements agenda.Store.
func (b *Bolt) ListSeries(ctx context.Context) ([]agenda.Series, error) {
	var out []agenda.Series
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeries).ForEach(func(k, v []byte) error {
			var ss storedSeries
			if err := json.Unmarshal(v, &ss); err != nil {
				return fmt.Errorf("store: decode series %s: %w", k, err)
			}
			s := ss.Series
			s.Version = ss.V
			out = append(out, s)
			return nil
		})
	})
	return out, err // bbolt iterates in key order: sorted by ID
}

// CreateOrganizer implements access.Store.
func (b *Bolt) CreateOrganizer(ctx context.Context, o access.Organizer) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		orgs, toks := tx.Bucket(bucketOrganizers), tx.Bucket(bucketTokens)
		if orgs.Get([]byte(o.ID)) != nil {
			return fmt.Errorf("store: organizer %q exists: %w", o.ID, agenda.ErrConflict)
		}
		if o.TokenHash == "" || toks.Get([]byte(o.TokenHash)) != nil {
			return fmt.Errorf("store: organizer %q: token hash missing or in use: %w", o.ID, agenda.ErrConflict)
		}
		if err := toks.Put([]byte(o.TokenHash), []byte(o.ID)); err != nil {
			return err
		}
		return put(orgs, o.ID, storedOrganizer{Organizer: o, Hash: o.TokenHash})
	})
}

// OrganizerByTokenHash implements access.Store.
func (b *Bolt) OrganizerByTokenHash(ctx context.Context, hash string) (access.Organizer, error) {
	var so storedOrganizer
	err := b.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketTokens).Get([]byte(hash))
		if id == nil {
			return fmt.Errorf("store: organizer token: %w", access.ErrNotFound)
		}
		ok, err := get(tx.Bucket(bucketOrganizers), string(id), &so)
		if err == nil && !ok {
			err = fmt.Errorf("store: organizer %q: %w", id, access.ErrNotFound)
		}
		return err
	})
	o := so.Organizer
	o.TokenHash = so.Hash
	return o, err
}

// ListOrganizers implements access.Store.
func (b *Bolt) ListOrganizers(ctx context.Context) ([]access.Organizer, error) {
	var out []access.Organizer
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOrganizers).ForEach(func(k, v []byte) error {
			var so storedOrganizer
			if err := json.Unmarshal(v, &so); err != nil {
				return fmt.Errorf("store: decode organizer %s: %w", k, err)
			}
			o := so.Organizer
			o.TokenHash = so.Hash
			out = append(out, o)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b access.Organizer) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.ID), []byte(b.ID))
	})
	return out, err
}

// RevokeOrganizer implements access.Store.
func (b *Bolt) RevokeOrganizer(ctx context.Context, id string) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		orgs := tx.Bucket(bucketOrganizers)
		var so storedOrganizer
		ok, err := get(orgs, id, &so)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: organizer %q: %w", id, access.ErrNotFound)
		}
		so.Revoked = true
		return put(orgs, id, so)
	})
}
