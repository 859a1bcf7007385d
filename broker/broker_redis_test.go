package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
)

func newRedis(t *testing.T, s *redistest.Server, prefix string) *Redis {
	t.Helper()
	b, err := NewRedis(context.Background(), s.URL(), RedisConfig{Prefix: prefix, LogSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// collector gathers what a subscription delivers.
type collector struct {
	mu      sync.Mutex
	got     []realtime.Envelope
	frames  []string
	resyncs int
}

func (c *collector) deliver(e realtime.Envelope) {
	c.mu.Lock()
	c.got = append(c.got, e)
	c.mu.Unlock()
}
func (c *collector) resync() { c.mu.Lock(); c.resyncs++; c.mu.Unlock() }

func (c *collector) frame(f []byte) {
	c.mu.Lock()
	c.frames = append(c.frames, string(f))
	c.mu.Unlock()
}

func (c *collector) wait(t *testing.T, n int) []realtime.Envelope {
	t.Helper()
	for i := 0; i < 500; i++ {
		c.mu.Lock()
		if len(c.got) >= n {
			out := append([]realtime.Envelope(nil), c.got...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("got %d deliveries, want %d", len(c.got), n)
	return nil
}

// TestRedisTwoInstances runs two brokers (two instances) on one Redis:
// both see the same messages with the same seqs, conditional publishes
// race safely, history and snapshots agree.
func TestRedisTwoInstances(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	a, b := newRedis(t, srv, "t1:"), newRedis(t, srv, "t1:")
	ctx := context.Background()
	var ca, cb collector
	cancelA, err := a.Subscribe(ctx, "r", realtime.Subscriber{Deliver: ca.deliver, Resync: ca.resync, Frame: ca.frame})
	if err != nil {
		t.Fatal(err)
	}
	defer cancelA()
	if _, err := b.Subscribe(ctx, "r", realtime.Subscriber{Deliver: cb.deliver, Resync: cb.resync, Frame: cb.frame}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let both subscriptions be confirmed

	m := realtime.Member{ID: "m-1", Name: "Amina", Role: realtime.RoleParticipant, Instance: "i-a"}
	join := realtime.Envelope{Type: realtime.MsgJoin, From: m.ID}
	if err := a.Publish(ctx, "r", &join, &realtime.Change{Join: &m}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		from := a
		if i%2 == 1 {
			from = b
		}
		env := realtime.Envelope{Type: realtime.MsgChat, Data: []byte(fmt.Sprintf(`{"text":"%d مرحبا"}`, i))}
		if err := from.Publish(ctx, "r", &env, nil); err != nil {
			t.Fatal(err)
		}
		if env.Seq != uint64(i+2) || env.TS == 0 {
			t.Fatalf("publish %d: seq %d ts %d", i, env.Seq, env.TS)
		}
	}
	ga, gb := ca.wait(t, 7), cb.wait(t, 7)
	for i := range 7 {
		if ga[i].Seq != uint64(i+1) || gb[i].Seq != ga[i].Seq || string(ga[i].Data) != string(gb[i].Data) || ga[i].Room != "r" {
			t.Fatalf("delivery %d: %+v vs %+v", i, ga[i], gb[i])
		}
	}

	// Conditional publishes: of two instances that both read seq 7, one wins.
	st := realtime.State{Floor: realtime.Floor{Speaker: "m-1", Queue: []string{}}}
	errA := a.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgFloor}, &realtime.Change{Check: true, Seen: realtime.Position{Seq: 7}, State: &st})
	errB := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgFloor}, &realtime.Change{Check: true, Seen: realtime.Position{Seq: 7}, State: &realtime.State{}})
	if errA != nil || !errors.Is(errB, realtime.ErrStale) {
		t.Fatalf("conditional publishes: %v, %v", errA, errB)
	}
	snap, err := b.Snapshot(ctx, "r")
	if err != nil || snap.Seq != 8 || snap.State.Floor.Speaker != "m-1" || len(snap.Roster) != 1 || snap.Roster[0].Name != "Amina" {
		t.Fatalf("snapshot: %+v %v", snap, err)
	}

	// History: the log keeps about 5 messages; older asks are gaps.
	h, err := b.History(ctx, "r", realtime.Position{Seq: 6, Epoch: snap.Epoch})
	if err != nil || len(h) != 2 || h[0].Seq != 7 || h[1].Type != realtime.MsgFloor {
		t.Fatalf("history since 6: %+v %v", h, err)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Epoch: snap.Epoch}); !errors.Is(err, realtime.ErrGap) {
		t.Fatalf("history since 0: %v, want ErrGap", err)
	}
	if h, err := b.History(ctx, "r", realtime.Position{Seq: 8, Epoch: snap.Epoch}); err != nil || len(h) != 0 {
		t.Fatalf("history since the last: %v %v", h, err)
	}

	// Leaving empties the roster; reactions are ephemeral.
	if err := a.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgLeave}, &realtime.Change{Leave: "m-1"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Announce(ctx, "r", &realtime.Envelope{Type: realtime.MsgReaction}); err != nil {
		t.Fatal(err)
	}
	ga = ca.wait(t, 10)
	if ga[9].Type != realtime.MsgReaction || ga[9].Seq != 0 {
		t.Fatalf("reaction: %+v", ga[9])
	}
	if snap, _ := a.Snapshot(ctx, "r"); len(snap.Roster) != 0 || snap.Seq != 9 {
		t.Fatalf("after leave: %+v", snap)
	}

	// Audio frames reach the other instance, bytes intact, in order.
	for i := range 3 {
		if err := a.Frame(ctx, "r", []byte{1, 2, 'f', 'r', byte(i), 0xff}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; ; i++ {
		cb.mu.Lock()
		n := len(cb.frames)
		cb.mu.Unlock()
		if n == 3 {
			break
		}
		if i > 200 {
			t.Fatalf("%d frames arrived", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i, f := range cb.frames {
		if f != string([]byte{1, 2, 'f', 'r', byte(i), 0xff}) {
			t.Fatalf("frame %d: %q", i, f)
		}
	}

	// Heartbeats.
	if err := a.Heartbeat(ctx, "i-a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := b.Heartbeat(ctx, "i-b", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if dead, err := a.Dead(ctx, []string{"i-a", "i-b", "i-never"}); err != nil || fmt.Sprint(dead) != "[i-b i-never]" {
		t.Fatalf("dead: %v %v", dead, err)
	}
}

// TestRedisOutage stops Redis under a broker: calls fail with an error
// (never hang, never succeed silently); once Redis is back, the broker
// reconnects on its own, resubscribes and asks rooms to resync.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	b := newRedis(t, srv, "t2:")
	ctx := context.Background()
	var c collector
	if _, err := b.Subscribe(ctx, "r", realtime.Subscriber{Deliver: c.deliver, Resync: c.resync}); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 1)

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := b.Publish(callCtx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil)
	cancel()
	if err == nil {
		t.Fatal("a publish during the outage succeeded")
	}

	if err := srv.Restart(); err != nil { // same port and data folder: the AOF brings the room back
		t.Fatal(err)
	}
	c.mu.Lock()
	before := c.resyncs
	c.mu.Unlock()
	var env realtime.Envelope
	for i := 0; ; i++ {
		env = realtime.Envelope{Type: realtime.MsgChat}
		if err = b.Publish(ctx, "r", &env, nil); err == nil {
			break
		}
		if i > 100 {
			t.Fatalf("no reconnection: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if env.Seq != 2 {
		t.Fatalf("after the restart: seq %d, want 2 (the acknowledged message survived)", env.Seq)
	}
	for i := 0; ; i++ {
		// The publish above may precede the resubscription: the resync
		// is what tells the room to refill from the log.
		c.mu.Lock()
		n := c.resyncs
		c.mu.Unlock()
		if n > before {
			break
		}
		if i > 300 {
			t.Fatalf("after the restart: %d resyncs, had %d", n, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisEpoch deletes a room's keys (as FLUSHALL or an eviction
// would), then moves its seq back (as a restored backup would): each time
// the log gets a new epoch, positions in the old one are refused, and
// deliveries carry the epoch.
func TestRedisEpoch(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	b := newRedis(t, srv, "t3:")
	ctx := context.Background()
	var c collector
	if _, err := b.Subscribe(ctx, "r", realtime.Subscriber{Deliver: c.deliver, Resync: c.resync}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
			t.Fatal(err)
		}
	}
	first, err := b.Snapshot(ctx, "r")
	if err != nil || first.Seq != 3 || first.Epoch == "" {
		t.Fatalf("snapshot: %+v %v", first, err)
	}
	if got := c.wait(t, 3); got[2].Epoch != first.Epoch {
		t.Fatalf("delivery in epoch %q, want %q", got[2].Epoch, first.Epoch)
	}

	keys, err := b.client.Keys(ctx, "t3:room:{r}:*").Result()
	if err != nil || len(keys) < 3 {
		t.Fatalf("keys %v %v", keys, err)
	}
	if err := b.client.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, &realtime.Change{Seen: first.Position}); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from the lost log: %v, want ErrStale", err)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 1, Epoch: first.Epoch}); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history in the lost log: %v, want ErrEpoch", err)
	}
	second, err := b.Snapshot(ctx, "r")
	if err != nil || second.Seq != 0 || second.Epoch == "" || second.Epoch == first.Epoch {
		t.Fatalf("after the loss: %+v %v, want seq 0 in a new epoch", second.Position, err)
	}
	env := realtime.Envelope{Type: realtime.MsgChat}
	if err := b.Publish(ctx, "r", &env, &realtime.Change{Seen: second.Position}); err != nil || env.Seq != 1 || env.Epoch != second.Epoch {
		t.Fatalf("publish in the new log: %+v %v", env, err)
	}
	if got := c.wait(t, 4); got[3].Epoch != second.Epoch || got[3].Seq != 1 {
		t.Fatalf("delivery in the new log: %+v", got[3])
	}
	if h, err := b.History(ctx, "r", second.Position); err != nil || len(h) != 1 || h[0].Epoch != second.Epoch {
		t.Fatalf("history in the new log: %+v %v", h, err)
	}

	if err := b.client.Set(ctx, "t3:room:{r}:seq", "0", 0).Err(); err != nil { // a backup from before
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, &realtime.Change{Seen: realtime.Position{Seq: 1, Epoch: second.Epoch}}); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from a position the log went back from: %v, want ErrStale", err)
	}
	if third, _ := b.Snapshot(ctx, "r"); third.Epoch == second.Epoch || third.Seq != 0 {
		t.Fatalf("after the regression: %+v, want a new epoch", third.Position)
	}
}

// TestRedisRefusesUndurable: the broker, like the store, refuses a Redis
// that could lose the room messages it acknowledged.
func TestRedisRefusesUndurable(t *testing.T) {
	tests := []struct {
		name string
		cfg  redistest.Config
		want string
	}{
		{"appendfsync everysec", redistest.Config{AppendFsync: "everysec"}, "has appendfsync everysec"},
		{"appendfsync no", redistest.Config{AppendFsync: "no"}, "configure appendfsync always"},
		{"AOF off", redistest.Config{Args: []string{"--appendonly", "no"}}, "has appendonly off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t, tt.cfg)
			b, err := NewRedis(context.Background(), srv.URL(), RedisConfig{})
			if err == nil {
				b.Close()
				t.Fatalf("opened, want an error with %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "broker: redis ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want one with %q", err, tt.want)
			}
			b, err = NewRedis(context.Background(), srv.URL(), RedisConfig{SkipDurabilityCheck: true})
			if err != nil {
				t.Fatalf("with the check skipped: %v", err)
			}
			b.Close()
		})
	}
}
