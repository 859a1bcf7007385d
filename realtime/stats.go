package realtime

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Stats are a Node's figures: what it holds now and what it has done
// since it started. They count, never name: no room, event or member
// appears in them.
type Stats struct {
	// Rooms and Clients are the rooms this instance serves and the
	// connections in them, now.
	Rooms   int `json:"rooms"`
	Clients int `json:"clients"`
	// Delivered counts the messages queued for a connection (JSON text
	// messages and audio frames): one per recipient, so a fan-out to N
	// clients counts N.
	Delivered Delivered `json:"delivered"`
	// Writes counts the write calls that sent connections their queued
	// messages: one carries several when messages wait for the write
	// delay (Config.WriteDelay) or queue behind a slow socket, so
	// Delivered/Writes is how many messages a write call carried.
	Writes uint64 `json:"writes"`
	// Dropped counts the messages a connection did not get.
	Dropped Dropped `json:"dropped"`
	// Closes counts the connections the server closed, by close code
	// (4000 CloseSlowConsumer: a full queue).
	Closes map[int]uint64 `json:"closes"`
	// Publish is how long the backend took to publish a room's messages
	// (Backend.Publish and JoinPublisher.PublishJoins, one observation a
	// call, failed calls included).
	Publish Histogram `json:"publish_seconds"`
	// BackendErrors counts the backend calls that failed, other than a
	// conditional publish finding the room moved (ErrStale) or a
	// position no longer in the log (ErrGap): the backend was unreachable
	// or broken.
	BackendErrors uint64 `json:"backend_errors"`
}

// Delivered counts the messages queued for connections, by kind.
type Delivered struct {
	Text  uint64 `json:"text"`
	Audio uint64 `json:"audio"`
}

// Dropped counts the messages connections did not get, by why.
type Dropped struct {
	// QueueFull: the connection's queue was full (it is closed with
	// CloseSlowConsumer and resumes with since).
	QueueFull uint64 `json:"queue_full"`
	// Discarded: for a connection being closed, still queued when it
	// was closed for being slow, or queued after its close.
	Discarded uint64 `json:"discarded"`
	// AudioRate: audio frames over a publisher's frame rate.
	AudioRate uint64 `json:"audio_rate"`
}

// Histogram is a cumulative histogram of durations in seconds, as
// Prometheus keeps them.
type Histogram struct {
	// Bounds are the upper bounds of the buckets, increasing; Counts[i]
	// counts the observations ≤ Bounds[i] (cumulative), Count all of
	// them (the +Inf bucket) and Sum their total.
	Bounds []float64 `json:"bounds"`
	Counts []uint64  `json:"counts"`
	Count  uint64    `json:"count"`
	Sum    float64   `json:"sum"`
}

// publishBounds are the buckets of Stats.Publish, in seconds: an fsynced
// bbolt write takes about a millisecond, a Redis round trip less.
var publishBounds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// counters are a Node's running totals: each is counted in one place
// (named beside it) and read by Stats. Goroutine-safe.
type counters struct {
	text, audio atomic.Uint64 // Client.enqueue
	writes      atomic.Uint64 // Client.writeReady, Client.send
	queueFull   atomic.Uint64 // Client.enqueue
	discarded   atomic.Uint64 // Client.discardQueued
	audioRate   atomic.Uint64 // Client.readPump
	// closes counts Client.closeSend by code: index code-4000 for the
	// 4000–4099 codes, the last slot for any other code.
	closes        [closeSlots]atomic.Uint64
	publish       latency       // timedBackend
	backendErrors atomic.Uint64 // timedBackend
}

// closeSlots: the codes 4000–4098 one by one (protocol.go's close codes),
// and one slot (closeOther) for the rest (1001 going away, …).
const (
	closeSlots = 100
	closeOther = closeSlots - 1
)

func (k *counters) closed(code int) {
	i := code - 4000
	if i < 0 || i >= closeOther {
		i = closeOther
	}
	k.closes[i].Add(1)
}

// closeCodes maps the closes slots back to codes; closeOther reads as
// 1001 (going away), the one other code the server sends.
func (k *counters) closeCodes() map[int]uint64 {
	m := map[int]uint64{}
	for i := range k.closes {
		if n := k.closes[i].Load(); n > 0 {
			code := 4000 + i
			if i == closeOther {
				code = 1001
			}
			m[code] += n
		}
	}
	return m
}

// latency is a histogram over publishBounds.
type latency struct {
	buckets [15]atomic.Uint64 // len(publishBounds) + the +Inf bucket; not cumulative
	sumNs   atomic.Int64
}

func (l *latency) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(publishBounds) && s > publishBounds[i] {
		i++
	}
	l.buckets[i].Add(1)
	l.sumNs.Add(int64(d))
}

func (l *latency) read() Histogram {
	h := Histogram{Bounds: publishBounds, Counts: make([]uint64, len(publishBounds))}
	for i := range l.buckets {
		h.Count += l.buckets[i].Load()
		if i < len(publishBounds) {
			h.Counts[i] = h.Count
		}
	}
	h.Sum = time.Duration(l.sumNs.Load()).Seconds()
	return h
}

// Stats returns this instance's figures.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	s := Stats{Rooms: len(n.rooms)}
	for _, r := range n.rooms {
		s.Clients += r.refs
	}
	n.mu.Unlock()
	k := &n.counters
	s.Delivered = Delivered{Text: k.text.Load(), Audio: k.audio.Load()}
	s.Writes = k.writes.Load()
	s.Dropped = Dropped{QueueFull: k.queueFull.Load(), Discarded: k.discarded.Load(), AudioRate: k.audioRate.Load()}
	s.Closes = k.closeCodes()
	s.Publish = k.publish.read()
	s.BackendErrors = k.backendErrors.Load()
	return s
}

// timedBackend is the Node's backend: it times publishes and counts
// failed calls (counters), and passes everything else through.
type timedBackend struct {
	Backend
	k *counters
}

// timedJoins is a timedBackend over a JoinPublisher.
type timedJoins struct {
	timedBackend
	jp JoinPublisher
}

// instrument wraps b, keeping it a JoinPublisher when it is one.
func instrument(b Backend, k *counters) Backend {
	t := timedBackend{Backend: b, k: k}
	if jp, ok := b.(JoinPublisher); ok {
		return timedJoins{timedBackend: t, jp: jp}
	}
	return t
}

// failed counts err unless it is an answer rather than a failure.
func (t timedBackend) failed(err error) error {
	if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrGap) {
		t.k.backendErrors.Add(1)
	}
	return err
}

func (t timedBackend) Publish(ctx context.Context, room string, env *Envelope, change *Change) error {
	start := time.Now()
	err := t.Backend.Publish(ctx, room, env, change)
	t.k.publish.observe(time.Since(start))
	return t.failed(err)
}

func (t timedJoins) PublishJoins(ctx context.Context, room string, seen Position, envs []*Envelope, members []*Member) error {
	start := time.Now()
	err := t.jp.PublishJoins(ctx, room, seen, envs, members)
	t.k.publish.observe(time.Since(start))
	return t.failed(err)
}

func (t timedBackend) Announce(ctx context.Context, room string, env *Envelope) error {
	return t.failed(t.Backend.Announce(ctx, room, env))
}

func (t timedBackend) Snapshot(ctx context.Context, room string) (Snapshot, error) {
	s, err := t.Backend.Snapshot(ctx, room)
	return s, t.failed(err)
}

func (t timedBackend) History(ctx context.Context, room string, since Position) ([]Envelope, error) {
	h, err := t.Backend.History(ctx, room, since)
	return h, t.failed(err)
}

func (t timedBackend) Frame(ctx context.Context, room string, frame []byte) error {
	return t.failed(t.Backend.Frame(ctx, room, frame))
}

func (t timedBackend) Heartbeat(ctx context.Context, instance string, ttl time.Duration) error {
	return t.failed(t.Backend.Heartbeat(ctx, instance, ttl))
}

func (t timedBackend) Dead(ctx context.Context, instances []string) ([]string, error) {
	d, err := t.Backend.Dead(ctx, instances)
	return d, t.failed(err)
}

func (t timedBackend) Subscribe(ctx context.Context, room string, s Subscriber) (func(), error) {
	cancel, err := t.Backend.Subscribe(ctx, room, s)
	return cancel, t.failed(err)
}
