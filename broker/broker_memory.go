package broker

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/majlis/majlis/realtime"
)

// MemoryConfig tunes a Memory.
type MemoryConfig struct {
	// LogSize is how many messages each room's log keeps. Default 1000.
	LogSize int
	// Now is the clock for message timestamps. Default time.Now.
	Now func() time.Time
}

// Memory is the realtime.Backend of a single majlis instance: rooms live in
// this process's memory and, when opened with OpenLocal, in a bbolt file
// written through on every publish, so that room logs (chat history),
// state and rosters survive a restart. Subscribers are called in seq
// order, under the backend's lock, so they must not block.
type Memory struct {
	cfg   MemoryConfig
	db    *bolt.DB // nil: memory only
	mu    sync.Mutex
	rooms map[string]*memRoom
	alive map[string]time.Time // instance → heartbeat expiry
}

type memRoom struct {
	seq    uint64
	epoch  string              // names the log (realtime.Position)
	log    []realtime.Envelope // the last cfg.LogSize messages, in seq order
	state  realtime.State
	roster map[string]rosterEntry
	order  []string // roster IDs in join order
	subs   map[int]realtime.Subscriber
	nextID int
}

// rosterEntry is a member in a room's roster, with the seq of its join
// (its key in the room file).
type rosterEntry struct {
	realtime.Member
	seq uint64
}

var _ realtime.Backend = (*Memory)(nil)

// NewMemory returns an empty in-process backend.
func NewMemory(cfg MemoryConfig) *Memory {
	if cfg.LogSize <= 0 {
		cfg.LogSize = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Memory{cfg: cfg, rooms: map[string]*memRoom{}, alive: map[string]time.Time{}}
}

// bucketRooms holds one sub-bucket per room: "seq" (8 bytes), "epoch"
// (the log's name), "state" (JSON), and sub-buckets "log" (8-byte seq →
// envelope JSON) and "members" (the 8-byte seq of a member's join → member
// JSON). Both are keyed by seq, so a join storm appends at the end of each
// tree: a batch of joins rewrites a few pages, not one page per member.
// A file written before "members" has "roster" (member ID → "<join
// seq>|<member JSON>"), which OpenLocal moves to "members".
var bucketRooms = []byte("rooms")

// OpenLocal opens (creating if needed) the room file at path and loads
// its rooms. Every publish is fsynced before it is acknowledged.
func OpenLocal(path string, cfg MemoryConfig) (*Memory, error) {
	b := NewMemory(cfg)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("broker: create data folder: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("broker: %s is locked by another process (is another majlis running with the same data folder?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("broker: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		rooms, err := tx.CreateBucketIfNotExists(bucketRooms)
		if err != nil {
			return err
		}
		return rooms.ForEachBucket(func(name []byte) error {
			r, err := loadRoom(rooms.Bucket(name))
			if err != nil {
				return fmt.Errorf("room %q: %w", name, err)
			}
			b.rooms[string(name)] = r
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("broker: load %s: %w", path, err)
	}
	b.db = db
	return b, nil
}

// Close closes the room file, if any.
func (b *Memory) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.db == nil {
		return nil
	}
	err := b.db.Close()
	b.db = nil
	return err
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func loadRoom(bk *bolt.Bucket) (*memRoom, error) {
	r := &memRoom{roster: map[string]rosterEntry{}, subs: map[int]realtime.Subscriber{}}
	if v := bk.Get([]byte("seq")); len(v) == 8 {
		r.seq = binary.BigEndian.Uint64(v)
	}
	r.epoch = string(bk.Get([]byte("epoch")))
	if r.epoch == "" { // a file written before epochs: its log starts again
		r.epoch = newEpoch()
		if err := bk.Put([]byte("epoch"), []byte(r.epoch)); err != nil {
			return nil, err
		}
		if bk.Bucket([]byte("log")) != nil {
			if err := bk.DeleteBucket([]byte("log")); err != nil {
				return nil, err
			}
		}
	}
	if v := bk.Get([]byte("state")); v != nil {
		if err := json.Unmarshal(v, &r.state); err != nil {
			return nil, err
		}
	}
	if lb := bk.Bucket([]byte("log")); lb != nil {
		err := lb.ForEach(func(_, v []byte) error {
			var env realtime.Envelope
			if err := json.Unmarshal(v, &env); err != nil {
				return err
			}
			env.Epoch = r.epoch
			r.log = append(r.log, env)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := migrateRoster(bk); err != nil {
		return nil, err
	}
	if mb := bk.Bucket([]byte("members")); mb != nil {
		err := mb.ForEach(func(k, v []byte) error {
			e := rosterEntry{seq: binary.BigEndian.Uint64(k)}
			if err := json.Unmarshal(v, &e.Member); err != nil {
				return err
			}
			r.roster[e.ID] = e
			r.order = append(r.order, e.ID) // keys are in join order
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// migrateRoster moves a room's roster from the "roster" bucket of older
// files (keyed by member ID) to "members" (keyed by join seq).
func migrateRoster(bk *bolt.Bucket) error {
	rb := bk.Bucket([]byte("roster"))
	if rb == nil {
		return nil
	}
	mb, err := bk.CreateBucketIfNotExists([]byte("members"))
	if err != nil {
		return err
	}
	err = rb.ForEach(func(_, v []byte) error {
		seqText, body, _ := strings.Cut(string(v), "|")
		seq, err := strconv.ParseUint(seqText, 10, 64)
		if err != nil {
			return fmt.Errorf("roster entry %q: %w", seqText, err)
		}
		return mb.Put(seqKey(seq), []byte(body))
	})
	if err != nil {
		return err
	}
	return bk.DeleteBucket([]byte("roster"))
}

// persist writes one publish to the room file.
func (b *Memory) persist(room string, env realtime.Envelope, ch *realtime.Change) error {
	if b.db == nil {
		return nil
	}
	return b.db.Update(func(tx *bolt.Tx) error { return b.persistTx(tx, room, env, ch) })
}

// persistTx writes one publish in tx.
func (b *Memory) persistTx(tx *bolt.Tx, room string, env realtime.Envelope, ch *realtime.Change) error {
	bk, err := tx.Bucket(bucketRooms).CreateBucketIfNotExists([]byte(room))
	if err != nil {
		return err
	}
	lb, err := bk.CreateBucketIfNotExists([]byte("log"))
	if err != nil {
		return err
	}
	mb, err := bk.CreateBucketIfNotExists([]byte("members"))
	if err != nil {
		return err
	}
	lb.FillPercent, mb.FillPercent = appendFill, appendFill
	if err := bk.Put([]byte("seq"), seqKey(env.Seq)); err != nil {
		return err
	}
	if err := bk.Put([]byte("epoch"), []byte(env.Epoch)); err != nil {
		return err
	}
	body, err := json.Marshal(env)
	if err != nil {
		return err
	}
	if err := lb.Put(seqKey(env.Seq), body); err != nil {
		return err
	}
	if env.Seq > uint64(b.cfg.LogSize) {
		if err := lb.Delete(seqKey(env.Seq - uint64(b.cfg.LogSize))); err != nil {
			return err
		}
	}
	if ch == nil {
		return nil
	}
	if ch.State != nil {
		st, err := json.Marshal(ch.State)
		if err != nil {
			return err
		}
		if err := bk.Put([]byte("state"), st); err != nil {
			return err
		}
	}
	if ch.Join != nil {
		m, err := json.Marshal(ch.Join)
		if err != nil {
			return err
		}
		if err := mb.Put(seqKey(env.Seq), m); err != nil {
			return err
		}
	}
	r := b.rooms[room]
	if ch.Join != nil {
		if e, ok := r.roster[ch.Join.ID]; ok { // joined again: one entry, the newest
			if err := mb.Delete(seqKey(e.seq)); err != nil {
				return err
			}
		}
	}
	if ch.Update != nil {
		if e, ok := r.roster[ch.Update.ID]; ok {
			m, err := json.Marshal(ch.Update)
			if err != nil {
				return err
			}
			if err := mb.Put(seqKey(e.seq), m); err != nil {
				return err
			}
		}
	}
	if ch.Leave != "" {
		if e, ok := r.roster[ch.Leave]; ok {
			return mb.Delete(seqKey(e.seq))
		}
	}
	return nil
}

// appendFill is how full bbolt fills the pages of the buckets that grow at
// their end (the log, the members): its default (half) suits random
// inserts, and would leave every page of an appended tree half empty.
const appendFill = 0.9

// room returns the room id, creating it (with a new epoch) if it has no
// log yet, or lost it with the room file.
func (b *Memory) room(id string) *memRoom {
	r, ok := b.rooms[id]
	if !ok {
		r = &memRoom{epoch: newEpoch(), roster: map[string]rosterEntry{}, subs: map[int]realtime.Subscriber{}}
		b.rooms[id] = r
	}
	return r
}

// restart starts a new epoch for a room whose log went back: its log
// starts again empty, its seq, state and roster stay.
func (b *Memory) restart(room string, r *memRoom) error {
	epoch := newEpoch()
	if b.db != nil {
		err := b.db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.Bucket(bucketRooms).CreateBucketIfNotExists([]byte(room))
			if err != nil {
				return err
			}
			if bk.Bucket([]byte("log")) != nil {
				if err := bk.DeleteBucket([]byte("log")); err != nil {
					return err
				}
			}
			return bk.Put([]byte("epoch"), []byte(epoch))
		})
		if err != nil {
			return fmt.Errorf("broker: store room %s: %w", room, err)
		}
	}
	r.epoch, r.log = epoch, nil
	return nil
}

// Publish implements realtime.Backend.
func (b *Memory) Publish(ctx context.Context, room string, env *realtime.Envelope, ch *realtime.Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: publish: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if ch != nil && ch.Seen.Epoch != "" {
		if ch.Seen.Epoch != r.epoch {
			return fmt.Errorf("%w (log %s, seen %s)", realtime.ErrStale, r.epoch, ch.Seen.Epoch)
		}
		if r.seq < ch.Seen.Seq {
			if err := b.restart(room, r); err != nil {
				return err
			}
			return fmt.Errorf("%w (log went back to %d after %d: new epoch)", realtime.ErrStale, r.seq, ch.Seen.Seq)
		}
	}
	if ch != nil && ch.Check && ch.Seen.Seq != r.seq {
		return fmt.Errorf("%w (at %d, expected %d)", realtime.ErrStale, r.seq, ch.Seen.Seq)
	}
	env.Seq, env.TS, env.Room, env.Epoch = r.seq+1, b.cfg.Now().UnixMilli(), room, r.epoch
	if err := b.persist(room, *env, ch); err != nil {
		env.Seq, env.TS, env.Epoch = 0, 0, ""
		return fmt.Errorf("broker: store room %s: %w", room, err)
	}
	b.applyLocked(r, env, ch)
	return nil
}

// PublishJoins publishes joins in order, in one durable write (one bbolt
// transaction: a join storm costs one fsync per batch, not one per join),
// all of them or none; see realtime.JoinPublisher.
func (b *Memory) PublishJoins(ctx context.Context, room string, seen realtime.Position, envs []*realtime.Envelope, members []*realtime.Member) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: publish: %w", err)
	}
	if len(envs) != len(members) {
		return fmt.Errorf("broker: publish joins: %d messages for %d members", len(envs), len(members))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if seen.Epoch != "" {
		if seen.Epoch != r.epoch {
			return fmt.Errorf("%w (log %s, seen %s)", realtime.ErrStale, r.epoch, seen.Epoch)
		}
		if r.seq < seen.Seq {
			if err := b.restart(room, r); err != nil {
				return err
			}
			return fmt.Errorf("%w (log went back to %d after %d: new epoch)", realtime.ErrStale, r.seq, seen.Seq)
		}
	}
	now := b.cfg.Now().UnixMilli()
	chs := make([]*realtime.Change, len(envs))
	for i, env := range envs {
		env.Seq, env.TS, env.Room, env.Epoch = r.seq+uint64(i)+1, now, room, r.epoch
		chs[i] = &realtime.Change{Seen: seen, Join: members[i]}
	}
	if b.db != nil {
		err := b.db.Update(func(tx *bolt.Tx) error {
			for i, env := range envs {
				if err := b.persistTx(tx, room, *env, chs[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for _, env := range envs {
				env.Seq, env.TS, env.Epoch = 0, 0, ""
			}
			return fmt.Errorf("broker: store room %s: %w", room, err)
		}
	}
	for i, env := range envs {
		b.applyLocked(r, env, chs[i])
	}
	return nil
}

// applyLocked makes a stored publish the room's latest and delivers it.
// Called with b.mu held.
func (b *Memory) applyLocked(r *memRoom, env *realtime.Envelope, ch *realtime.Change) {
	r.seq++
	r.log = append(r.log, *env)
	if over := len(r.log) - b.cfg.LogSize; over > 0 {
		// Resliced, not moved: append copies the last LogSize into a new
		// array when this one is full (a copy per LogSize messages, where
		// slices.Delete moved the whole log at every publish).
		clear(r.log[:over])
		r.log = r.log[over:]
	}
	if ch != nil {
		if ch.State != nil {
			r.state = ch.State.Clone()
		}
		if ch.Join != nil {
			if _, ok := r.roster[ch.Join.ID]; !ok {
				r.order = append(r.order, ch.Join.ID)
			}
			r.roster[ch.Join.ID] = rosterEntry{Member: *ch.Join, seq: env.Seq}
		}
		if ch.Update != nil {
			if e, ok := r.roster[ch.Update.ID]; ok {
				e.Member = *ch.Update
				r.roster[ch.Update.ID] = e
			}
		}
		if ch.Leave != "" {
			if _, ok := r.roster[ch.Leave]; ok {
				delete(r.roster, ch.Leave)
				r.order = slices.DeleteFunc(r.order, func(id string) bool { return id == ch.Leave })
			}
		}
	}
	for _, sub := range r.subs {
		sub.Deliver(*env)
	}
}

// Announce implements realtime.Backend.
func (b *Memory) Announce(ctx context.Context, room string, env *realtime.Envelope) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: announce: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	env.Seq, env.TS, env.Room, env.Epoch = 0, b.cfg.Now().UnixMilli(), room, ""
	for _, sub := range b.room(room).subs {
		sub.Deliver(*env)
	}
	return nil
}

// Snapshot implements realtime.Backend.
func (b *Memory) Snapshot(ctx context.Context, room string) (realtime.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return realtime.Snapshot{}, fmt.Errorf("broker: snapshot: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	s := realtime.Snapshot{Position: realtime.Position{Seq: r.seq, Epoch: r.epoch}, State: r.state.Clone(),
		Roster: make([]realtime.Member, 0, len(r.order))}
	for _, id := range r.order {
		s.Roster = append(s.Roster, r.roster[id].Member)
	}
	return s, nil
}

// History implements realtime.Backend.
func (b *Memory) History(ctx context.Context, room string, since realtime.Position) ([]realtime.Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("broker: history: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if since.Epoch != r.epoch || since.Seq > r.seq {
		return nil, realtime.ErrEpoch
	}
	if since.Seq == r.seq {
		return nil, nil
	}
	if len(r.log) == 0 || r.log[0].Seq > since.Seq+1 {
		return nil, realtime.ErrGap
	}
	i := int(since.Seq + 1 - r.log[0].Seq)
	return slices.Clone(r.log[i:]), nil
}

// Subscribe implements realtime.Backend. An in-process backend never misses
// a delivery, so Resync is never called.
func (b *Memory) Subscribe(ctx context.Context, room string, fn realtime.Subscriber) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("broker: subscribe: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	id := r.nextID
	r.nextID++
	r.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(r.subs, id)
	}, nil
}

// Frame implements realtime.Backend.
func (b *Memory) Frame(ctx context.Context, room string, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: frame: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sub := range b.room(room).subs {
		if sub.Frame != nil {
			sub.Frame(frame)
		}
	}
	return nil
}

// Heartbeat implements realtime.Backend.
func (b *Memory) Heartbeat(_ context.Context, instance string, ttl time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.alive[instance] = b.cfg.Now().Add(ttl)
	return nil
}

// Dead implements realtime.Backend. After a restart, the instance that ran
// before has no heartbeat here: its members, read back from the room file,
// are dead and leave.
func (b *Memory) Dead(_ context.Context, instances []string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.cfg.Now()
	var dead []string
	for _, id := range instances {
		if exp, ok := b.alive[id]; !ok || !now.Before(exp) {
			dead = append(dead, id)
		}
	}
	return dead, nil
}
