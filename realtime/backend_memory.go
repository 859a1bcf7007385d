package realtime

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryConfig tunes a MemoryBackend.
type MemoryConfig struct {
	// LogSize is how many messages each room's log keeps. Default 1000.
	LogSize int
	// Now is the clock for message timestamps. Default time.Now.
	Now func() time.Time
}

// MemoryBackend is the Backend of a single majlis instance: rooms live in
// this process's memory. Subscribers are called in seq order, under the
// backend's lock, so they must not block.
type MemoryBackend struct {
	cfg   MemoryConfig
	mu    sync.Mutex
	rooms map[string]*memRoom
}

type memRoom struct {
	seq    uint64
	log    []Envelope // the last cfg.LogSize messages, in seq order
	state  State
	roster map[string]Member
	order  []string // roster IDs in join order
	subs   map[int]func(Envelope)
	nextID int
}

var _ Backend = (*MemoryBackend)(nil)

// NewMemoryBackend returns an empty in-process backend.
func NewMemoryBackend(cfg MemoryConfig) *MemoryBackend {
	if cfg.LogSize <= 0 {
		cfg.LogSize = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryBackend{cfg: cfg, rooms: map[string]*memRoom{}}
}

func (b *MemoryBackend) room(id string) *memRoom {
	r, ok := b.rooms[id]
	if !ok {
		r = &memRoom{roster: map[string]Member{}, subs: map[int]func(Envelope){}}
		b.rooms[id] = r
	}
	return r
}

// Publish implements Backend.
func (b *MemoryBackend) Publish(ctx context.Context, room string, env *Envelope, ch *Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("realtime: publish: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if ch != nil && ch.Check && ch.IfSeq != r.seq {
		return fmt.Errorf("%w (at %d, expected %d)", ErrStale, r.seq, ch.IfSeq)
	}
	r.seq++
	env.Seq, env.TS, env.Room = r.seq, b.cfg.Now().UnixMilli(), room
	r.log = append(r.log, *env)
	if over := len(r.log) - b.cfg.LogSize; over > 0 {
		r.log = slices.Delete(r.log, 0, over)
	}
	if ch != nil {
		if ch.State != nil {
			r.state = ch.State.clone()
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

// Announce implements Backend.
func (b *MemoryBackend) Announce(ctx context.Context, room string, env *Envelope) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("realtime: announce: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	env.Seq, env.TS, env.Room = 0, b.cfg.Now().UnixMilli(), room
	for _, fn := range b.room(room).subs {
		fn(*env)
	}
	return nil
}

// Snapshot implements Backend.
func (b *MemoryBackend) Snapshot(ctx context.Context, room string) (Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return Snapshot{}, fmt.Errorf("realtime: snapshot: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	s := Snapshot{Seq: r.seq, State: r.state.clone(), Roster: make([]Member, 0, len(r.order))}
	for _, id := range r.order {
		s.Roster = append(s.Roster, r.roster[id])
	}
	return s, nil
}

// History implements Backend.
func (b *MemoryBackend) History(ctx context.Context, room string, since uint64) ([]Envelope, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("realtime: history: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.room(room)
	if since >= r.seq {
		return nil, nil
	}
	if len(r.log) == 0 || r.log[0].Seq > since+1 {
		return nil, ErrGap
	}
	i := int(since + 1 - r.log[0].Seq)
	return slices.Clone(r.log[i:]), nil
}

// Subscribe implements Backend.
func (b *MemoryBackend) Subscribe(ctx context.Context, room string, fn func(Envelope)) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("realtime: subscribe: %w", err)
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
