package broker

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

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
// this process's memory. Subscribers are called in seq order, under the
// backend's lock, so they must not block.
type Memory struct {
	cfg   MemoryConfig
	mu    sync.Mutex
	rooms map[string]*memRoom
}

type memRoom struct {
	seq    uint64
	log    []realtime.Envelope // the last cfg.LogSize messages, in seq order
	state  realtime.State
	roster map[string]realtime.Member
	order  []string // roster IDs in join order
	subs   map[int]func(realtime.Envelope)
	nextID int
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
	return &Memory{cfg: cfg, rooms: map[string]*memRoom{}}
}

func (b *Memory) room(id string) *memRoom {
	r, ok := b.rooms[id]
	if !ok {
		r = &memRoom{roster: map[string]realtime.Member{}, subs: map[int]func(realtime.Envelope){}}
		b.rooms[id] = r
	}
	return r
}

// Publish implements realtime.Backend.
func (b *Memory) Publish(ctx context.Context, room string, env *realtime.Envelope, ch *realtime.Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: publish: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if ch != nil && ch.Check && ch.IfSeq != r.seq {
		return fmt.Errorf("%w (at %d, expected %d)", realtime.ErrStale, r.seq, ch.IfSeq)
	}
	r.seq++
	env.Seq, env.TS, env.Room = r.seq, b.cfg.Now().UnixMilli(), room
	r.log = append(r.log, *env)
	if over := len(r.log) - b.cfg.LogSize; over > 0 {
		r.log = slices.Delete(r.log, 0, over)
	}
	if ch != nil {
		if ch.State != nil {
			r.state = ch.State.Clone()
		}
		if ch.Join != nil {
			if _, ok := r.roster[ch.Join.ID]; !ok {
				r.order = append(r.order, ch.Join.ID)
			}
			r.roster[ch.Join.ID] = *ch.Join
		}
		if ch.Update != nil {
			if _, ok := r.roster[ch.Update.ID]; ok {
				r.roster[ch.Update.ID] = *ch.Update
			}
		}
		if ch.Leave != "" {
			if _, ok := r.roster[ch.Leave]; ok {
				delete(r.roster, ch.Leave)
				r.order = slices.DeleteFunc(r.order, func(id string) bool { return id == ch.Leave })
			}
		}
	}
	for _, fn := range r.subs {
		fn(*env)
	}
	return nil
}

// Announce implements realtime.Backend.
func (b *Memory) Announce(ctx context.Context, room string, env *realtime.Envelope) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: announce: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	env.Seq, env.TS, env.Room = 0, b.cfg.Now().UnixMilli(), room
	for _, fn := range b.room(room).subs {
		fn(*env)
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
	s := realtime.Snapshot{Seq: r.seq, State: r.state.Clone(), Roster: make([]realtime.Member, 0, len(r.order))}
	for _, id := range r.order {
		s.Roster = append(s.Roster, r.roster[id])
	}
	return s, nil
}

// History implements realtime.Backend.
func (b *Memory) History(ctx context.Context, room string, since uint64) ([]realtime.Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("broker: history: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if since >= r.seq {
		return nil, nil
	}
	if len(r.log) == 0 || r.log[0].Seq > since+1 {
		return nil, realtime.ErrGap
	}
	i := int(since + 1 - r.log[0].Seq)
	return slices.Clone(r.log[i:]), nil
}

// Subscribe implements realtime.Backend. An in-process backend never misses
// a delivery, so resync is never called.
func (b *Memory) Subscribe(ctx context.Context, room string, fn func(realtime.Envelope), resync func()) (func(), error) {
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

// Heartbeat implements realtime.Backend: one process has no other
// instances to outlive.
func (b *Memory) Heartbeat(context.Context, string, time.Duration) error { return nil }

// Dead implements realtime.Backend: in one process, no instance is dead.
func (b *Memory) Dead(context.Context, []string) ([]string, error) { return nil, nil }
