package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/ratelimit"
)

// Bucket names. Keys are IDs (or token hashes); values are JSON.
var (
	bucketEvents     = []byte("events")
	bucketAgendas    = []byte("agendas")
	bucketSeries     = []byte("series")
	bucketOrganizers = []byte("organizers")
	// bucketTokens maps an organizer's token hash to its ID.
	bucketTokens = []byte("organizer_tokens")
)

// lockTimeout is how long OpenBolt waits for another process to release the
// file lock before giving up with a clear error.
const lockTimeout = 2 * time.Second

// Bolt is the embedded store: one bbolt file, used by one process at a time.
//
// The file is the source of truth. Events are also kept decoded in memory,
// sorted by start then ID, so that listings do not decode every event on
// every request. Writers hold wmu across the bbolt transaction and the
// cache update, so the cache applies commits in commit order; readers take
// mu for reading only. Cached events are never modified in place: a write
// swaps in a new pointer, and readers hand out deep copies.
type Bolt struct {
	db  *bolt.DB
	wmu sync.Mutex // serialises writers and Close
	// sources seals CalDAV passwords (source_seal.go); set by OpenBolt.
	sources *sealer

	mu     sync.RWMutex
	closed bool
	events []*agenda.Event          // sorted by Start, then ID; Version set
	byID   map[string]*agenda.Event // the same events by ID

	// limits counts rate limits (ratelimit_bolt.go): one instance's, in
	// memory, as nothing else shares an embedded deployment.
	limits ratelimit.Memory
}

var _ Store = (*Bolt)(nil)

// errClosed is returned by calls made after Close.
var errClosed = errors.New("store: closed")

// OpenBolt opens (creating if needed) the database file at path, creating
// its folder with mode 0700 and the file with mode 0600, and the key that
// seals CalDAV passwords beside it (SourceKeyFile). A second process
// opening the same file fails after two seconds with a clear error instead
// of waiting forever.
func OpenBolt(path string) (*Bolt, error) {
	if path == "" {
		return nil, errors.New("store: no database path given")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data folder: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store: database %s is locked by another process (is another majlis running with the same data folder?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketEvents, bucketAgendas, bucketSeries, bucketOrganizers, bucketTokens} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: initialise %s: %w", path, err)
	}
	b := &Bolt{db: db, byID: make(map[string]*agenda.Event)}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			e, err := decodeEvent(v)
			if err != nil {
				return fmt.Errorf("store: decode event %q: %w", k, err)
			}
			b.events = append(b.events, &e)
			b.byID[e.ID] = &e
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	slices.SortFunc(b.events, compareEvents)
	// CalDAV passwords are sealed with a key kept beside the file.
	if b.sources, err = boltSourceKey(filepath.Dir(path)); err == nil {
		err = b.sealSources()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// compareEvents orders events by start, then ID.
func compareEvents(x, y *agenda.Event) int {
	if c := x.Start.Compare(y.Start); c != 0 {
		return c
	}
	return strings.Compare(x.ID, y.ID)
}

// cloneEvent deep-copies the maps and slices of an event.
func cloneEvent(e agenda.Event) agenda.Event {
	// maps.Clone copies the table as is, without rehashing: cheaper than Text.Clone.
	e.Title, e.Description, e.Location = maps.Clone(e.Title), maps.Clone(e.Description), maps.Clone(e.Location)
	e.Languages, e.Invitees = slices.Clone(e.Languages), slices.Clone(e.Invitees)
	e.Origin = cloneOrigin(e.Origin)
	return e
}

// cloneOrigin copies an imported event's label.
func cloneOrigin(o *agenda.Origin) *agenda.Origin {
	if o == nil {
		return nil
	}
	c := *o
	return &c
}

// writes collects, during a transaction, the events to apply to the cache
// once it has committed.
type writes struct {
	put []*agenda.Event
	del []string
}

// update runs fn in one write transaction (fsynced on commit) and, once it
// has committed, applies the event writes fn recorded to the cache.
func (b *Bolt) update(ctx context.Context, fn func(tx *bolt.Tx, w *writes) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	b.wmu.Lock()
	defer b.wmu.Unlock()
	var w writes
	var fnErr error
	err := b.db.Update(func(tx *bolt.Tx) error {
		fnErr = fn(tx, &w)
		return fnErr
	})
	if err != nil {
		if err != fnErr {
			return fmt.Errorf("store: write transaction: %w", err)
		}
		return err
	}
	if len(w.put) == 0 && len(w.del) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range w.del {
		b.uncache(id)
	}
	for _, e := range w.put {
		b.uncache(e.ID)
		i, _ := slices.BinarySearchFunc(b.events, e, compareEvents)
		b.events = slices.Insert(b.events, i, e)
		b.byID[e.ID] = e
	}
	return nil
}

// uncache drops an event from the cache; b.mu must be held for writing.
func (b *Bolt) uncache(id string) {
	old, ok := b.byID[id]
	if !ok {
		return
	}
	delete(b.byID, id)
	if i, found := slices.BinarySearchFunc(b.events, old, compareEvents); found {
		b.events = slices.Delete(b.events, i, i+1)
	}
}

// view runs fn in a read transaction.
func (b *Bolt) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	var fnErr error
	err := b.db.View(func(tx *bolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && err != fnErr {
		return fmt.Errorf("store: read: %w", err)
	}
	return err
}

// Close waits for the write in progress, if any, and closes the file.
// Later calls fail.
func (b *Bolt) Close() error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	b.closed, b.events, b.byID = true, nil, map[string]*agenda.Event{}
	b.mu.Unlock()
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database is open and readable.
func (b *Bolt) Ping(ctx context.Context) error {
	return b.view(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEvents) == nil {
			return errors.New("store: events bucket missing")
		}
		return nil
	})
}

// Stored forms: JSON of the domain types plus the fields they hide from
// JSON (versions, token hashes).
type (
	storedEvent struct {
		agenda.Event
		V int64 `json:"_version"`
	}
	storedAgenda struct {
		agenda.Agenda
		V int64 `json:"_version"`
	}
	storedSeries struct {
		agenda.Series
		V int64 `json:"_version"`
	}
	storedOrganizer struct {
		access.Organizer
		Hash string `json:"token_hash"`
	}
)

func decodeEvent(raw []byte) (agenda.Event, error) {
	var s storedEvent
	err := json.Unmarshal(raw, &s)
	s.Event.Version = s.V
	return s.Event, err
}

func decodeAgenda(raw []byte) (agenda.Agenda, error) {
	var s storedAgenda
	err := json.Unmarshal(raw, &s)
	s.Agenda.Version = s.V
	if s.Items == nil {
		s.Items = []agenda.Item{}
	}
	return s.Agenda, err
}

func decodeSeries(raw []byte) (agenda.Series, error) {
	var s storedSeries
	err := json.Unmarshal(raw, &s)
	s.Series.Version = s.V
	return s.Series, err
}

func decodeOrganizer(raw []byte) (access.Organizer, error) {
	var s storedOrganizer
	err := json.Unmarshal(raw, &s)
	s.Organizer.TokenHash = s.Hash
	return s.Organizer, err
}

// write encodes v and stores it under key; it returns the encoding so the
// caller can hand back exactly what a later read will return.
func write(bk *bolt.Bucket, kind, key string, v any) ([]byte, error) {
	if key == "" {
		return nil, fmt.Errorf("store: %s without an ID: %w", kind, agenda.ErrInvalid)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: encode %s %q: %w", kind, key, err)
	}
	if err := bk.Put([]byte(key), raw); err != nil {
		return nil, fmt.Errorf("store: write %s %q: %w", kind, key, err)
	}
	return raw, nil
}

// read decodes the value under key, reporting whether there was one. The
// bytes bbolt returns live only as long as the transaction; decoding copies.
func read[T any](bk *bolt.Bucket, kind, key string, decode func([]byte) (T, error)) (T, bool, error) {
	var zero T
	raw := bk.Get([]byte(key))
	if raw == nil {
		return zero, false, nil
	}
	v, err := decode(raw)
	if err != nil {
		return zero, false, fmt.Errorf("store: decode %s %q: %w", kind, key, err)
	}
	return v, true, nil
}

// readOne reads one document in a transaction of its own. When there is
// none (a missing bucket holds none), the error wraps notFound:
// agenda.ErrNotFound or access.ErrNotFound.
func readOne[T any](ctx context.Context, b *Bolt, bucket []byte, kind, id string, decode func([]byte) (T, error), notFound error) (T, error) {
	var v T
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var ok bool
		var err error
		if bk := tx.Bucket(bucket); bk != nil {
			v, ok, err = read(bk, kind, id, decode)
		}
		if err == nil && !ok {
			err = fmt.Errorf("store: %s %q: %w", kind, id, notFound)
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// readAll decodes every document of a bucket, in key order; a missing
// bucket holds none.
func readAll[T any](bk *bolt.Bucket, kind string, decode func([]byte) (T, error)) ([]T, error) {
	if bk == nil {
		return nil, nil
	}
	var out []T
	err := bk.ForEach(func(k, v []byte) error {
		x, err := decode(v)
		if err != nil {
			return fmt.Errorf("store: decode %s %q: %w", kind, k, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

func notFound(kind, id string) error {
	return fmt.Errorf("store: %s %q: %w", kind, id, agenda.ErrNotFound)
}

func conflict(kind, id string, want, have int64) error {
	return fmt.Errorf("store: %s %q is at version %d, not %d: %w", kind, id, have, want, agenda.ErrConflict)
}

// putEvent stores e with the given version and records it for the cache.
// It returns the event as stored (decoded from what was written).
func putEvent(tx *bolt.Tx, w *writes, e agenda.Event, version int64) (agenda.Event, error) {
	raw, err := write(tx.Bucket(bucketEvents), "event", e.ID, storedEvent{Event: e, V: version})
	if err != nil {
		return agenda.Event{}, err
	}
	stored, err := decodeEvent(raw)
	if err != nil {
		return agenda.Event{}, fmt.Errorf("store: decode event %q: %w", e.ID, err)
	}
	w.put = append(w.put, &stored)
	return cloneEvent(stored), nil
}

func putAgenda(tx *bolt.Tx, a agenda.Agenda, version int64) (agenda.Agenda, error) {
	raw, err := write(tx.Bucket(bucketAgendas), "agenda", a.EventID, storedAgenda{Agenda: a, V: version})
	if err != nil {
		return agenda.Agenda{}, err
	}
	return decodeAgenda(raw)
}

// CreateEvent implements agenda.Store.
func (b *Bolt) CreateEvent(ctx context.Context, e agenda.Event, a agenda.Agenda) (agenda.Event, agenda.Agenda, error) {
	var ev agenda.Event
	var ag agenda.Agenda
	err := b.update(ctx, func(tx *bolt.Tx, w *writes) error {
		if tx.Bucket(bucketEvents).Get([]byte(e.ID)) != nil {
			return fmt.Errorf("store: event %q exists: %w", e.ID, agenda.ErrConflict)
		}
		var err error
		if ev, err = putEvent(tx, w, e, 1); err != nil {
			return err
		}
		a.EventID = e.ID
		ag, err = putAgenda(tx, a, 1)
		return err
	})
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, err
	}
	return ev, ag, nil
}

// GetEvent implements agenda.Store.
//
// It reads the decoded events kept in memory (a room join reads its event:
// decoding it from the file was a sixth of a join storm's CPU), as a deep
// copy.
func (b *Bolt) GetEvent(ctx context.Context, id string) (agenda.Event, error) {
	if err := ctx.Err(); err != nil {
		return agenda.Event{}, fmt.Errorf("store: %w", err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return agenda.Event{}, errClosed
	}
	e, ok := b.byID[id]
	if !ok {
		return agenda.Event{}, notFound("event", id)
	}
	return copyMatching([]*agenda.Event{e}, agenda.Filter{})[0], nil
}

// UpdateEvent implements agenda.Store.
func (b *Bolt) UpdateEvent(ctx context.Context, e agenda.Event, ifVersion int64) (agenda.Event, error) {
	var ev agenda.Event
	err := b.update(ctx, func(tx *bolt.Tx, w *writes) error {
		var err error
		ev, err = updateEventTx(tx, w, e, ifVersion)
		return err
	})
	if err != nil {
		return agenda.Event{}, err
	}
	return ev, nil
}

// updateEventTx replaces a stored event if its version is ifVersion (0: any).
func updateEventTx(tx *bolt.Tx, w *writes, e agenda.Event, ifVersion int64) (agenda.Event, error) {
	cur, ok, err := read(tx.Bucket(bucketEvents), "event", e.ID, decodeEvent)
	if err != nil {
		return agenda.Event{}, err
	}
	if !ok {
		return agenda.Event{}, notFound("event", e.ID)
	}
	if ifVersion != 0 && cur.Version != ifVersion {
		return agenda.Event{}, conflict("event", e.ID, ifVersion, cur.Version)
	}
	return putEvent(tx, w, e, cur.Version+1)
}

// DeleteEvent implements agenda.Store.
func (b *Bolt) DeleteEvent(ctx context.Context, id string, ifVersion int64) error {
	return b.update(ctx, func(tx *bolt.Tx, w *writes) error {
		evs := tx.Bucket(bucketEvents)
		cur, ok, err := read(evs, "event", id, decodeEvent)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("event", id)
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return conflict("event", id, ifVersion, cur.Version)
		}
		if err := evs.Delete([]byte(id)); err != nil {
			return fmt.Errorf("store: delete event %q: %w", id, err)
		}
		if err := tx.Bucket(bucketAgendas).Delete([]byte(id)); err != nil {
			return fmt.Errorf("store: delete agenda %q: %w", id, err)
		}
		w.del = append(w.del, id)
		return nil
	})
}

// ListEvents implements agenda.Store. It filters the in-memory index, which
// is sorted by start: the scan stops at the first event starting at or
// after f.To. Only the matches are copied.
func (b *Bolt) ListEvents(ctx context.Context, f agenda.Filter) ([]agenda.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, errClosed
	}
	evs := b.events
	if !f.To.IsZero() {
		n, _ := slices.BinarySearchFunc(evs, f.To, func(e *agenda.Event, to time.Time) int {
			if e.Start.Before(to) {
				return -1
			}
			return 1
		})
		evs = evs[:n]
	}
	return copyMatching(evs, f), nil
}

// GetAgenda implements agenda.Store.
func (b *Bolt) GetAgenda(ctx context.Context, eventID string) (agenda.Agenda, error) {
	return readOne(ctx, b, bucketAgendas, "agenda of event", eventID, decodeAgenda, agenda.ErrNotFound)
}

// PutAgenda implements agenda.Store. When e is given, its Version is the
// precondition on the stored event (0: none), and both writes commit or
// neither does. *e is not modified; GetEvent returns the new version.
func (b *Bolt) PutAgenda(ctx context.Context, a agenda.Agenda, ifVersion int64, e *agenda.Event) (agenda.Agenda, error) {
	var ag agenda.Agenda
	err := b.update(ctx, func(tx *bolt.Tx, w *writes) error {
		cur, ok, err := read(tx.Bucket(bucketAgendas), "agenda", a.EventID, decodeAgenda)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("agenda of event", a.EventID)
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return conflict("agenda of event", a.EventID, ifVersion, cur.Version)
		}
		if e != nil {
			if e.ID != a.EventID {
				return fmt.Errorf("store: agenda of %q written with event %q: %w", a.EventID, e.ID, agenda.ErrInvalid)
			}
			if _, err := updateEventTx(tx, w, *e, e.Version); err != nil {
				return err
			}
		}
		ag, err = putAgenda(tx, a, cur.Version+1)
		return err
	})
	if err != nil {
		return agenda.Agenda{}, err
	}
	return ag, nil
}

// PutSeries implements agenda.Store. A precondition on a series that does
// not exist fails with ErrConflict, as an HTTP If-Match would.
func (b *Bolt) PutSeries(ctx context.Context, s agenda.Series, ifVersion int64) (agenda.Series, error) {
	var out agenda.Series
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketSeries)
		cur, ok, err := read(bk, "series", s.ID, decodeSeries)
		if err != nil {
			return err
		}
		if ifVersion != 0 && (!ok || cur.Version != ifVersion) {
			return conflict("series", s.ID, ifVersion, cur.Version)
		}
		raw, err := write(bk, "series", s.ID, storedSeries{Series: s, V: cur.Version + 1})
		if err != nil {
			return err
		}
		out, err = decodeSeries(raw)
		return err
	})
	if err != nil {
		return agenda.Series{}, err
	}
	return out, nil
}

// GetSeries implements agenda.Store.
func (b *Bolt) GetSeries(ctx context.Context, id string) (agenda.Series, error) {
	return readOne(ctx, b, bucketSeries, "series", id, decodeSeries, agenda.ErrNotFound)
}

// ListSeries implements agenda.Store. bbolt iterates in key order, which is
// the order by ID.
func (b *Bolt) ListSeries(ctx context.Context) ([]agenda.Series, error) {
	var out []agenda.Series
	err := b.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = readAll(tx.Bucket(bucketSeries), "series", decodeSeries)
		return err
	})
	return out, err
}

// CreateOrganizer implements access.Store. A duplicate ID or token hash
// fails with agenda.ErrConflict.
func (b *Bolt) CreateOrganizer(ctx context.Context, o access.Organizer) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		orgs, toks := tx.Bucket(bucketOrganizers), tx.Bucket(bucketTokens)
		if o.TokenHash == "" {
			return fmt.Errorf("store: organizer %q has no token hash: %w", o.ID, agenda.ErrInvalid)
		}
		if o.ID != "" && orgs.Get([]byte(o.ID)) != nil {
			return fmt.Errorf("store: organizer %q exists: %w", o.ID, agenda.ErrConflict)
		}
		if toks.Get([]byte(o.TokenHash)) != nil {
			return fmt.Errorf("store: organizer %q: token hash already in use: %w", o.ID, agenda.ErrConflict)
		}
		if _, err := write(orgs, "organizer", o.ID, storedOrganizer{Organizer: o, Hash: o.TokenHash}); err != nil {
			return err
		}
		if err := toks.Put([]byte(o.TokenHash), []byte(o.ID)); err != nil {
			return fmt.Errorf("store: write token of organizer %q: %w", o.ID, err)
		}
		return nil
	})
}

// OrganizerByTokenHash implements access.Store. Revoked organizers are
// returned too (with Revoked set): refusing them is access's decision.
func (b *Bolt) OrganizerByTokenHash(ctx context.Context, hash string) (access.Organizer, error) {
	var o access.Organizer
	err := b.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketTokens).Get([]byte(hash))
		if id == nil {
			return fmt.Errorf("store: no organizer with that token: %w", access.ErrNotFound)
		}
		var ok bool
		var err error
		o, ok, err = read(tx.Bucket(bucketOrganizers), "organizer", string(id), decodeOrganizer)
		if err == nil && !ok {
			err = fmt.Errorf("store: organizer %q: %w", id, access.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return access.Organizer{}, err
	}
	return o, nil
}

// ListOrganizers implements access.Store: ordered by creation, then ID.
func (b *Bolt) ListOrganizers(ctx context.Context) ([]access.Organizer, error) {
	var out []access.Organizer
	err := b.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = readAll(tx.Bucket(bucketOrganizers), "organizer", decodeOrganizer)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y access.Organizer) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}

// RevokeOrganizer implements access.Store. Revoking twice is not an error.
func (b *Bolt) RevokeOrganizer(ctx context.Context, id string) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		orgs := tx.Bucket(bucketOrganizers)
		o, ok, err := read(orgs, "organizer", id, decodeOrganizer)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: organizer %q: %w", id, access.ErrNotFound)
		}
		o.Revoked = true
		_, err = write(orgs, "organizer", id, storedOrganizer{Organizer: o, Hash: o.TokenHash})
		return err
	})
}
