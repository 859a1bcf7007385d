// Package backendtest is the conformance suite of realtime.Backend: every
// implementation (the in-process and the Redis broker) runs Run, so that
// the room code can rely on one behaviour.
package backendtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/realtime"
)

// LogSize is how many messages the backends under test keep per room: a
// Deployment opens them with it.
const LogSize = 5

// Deployment is one implementation's shared storage, fresh for each test:
// the backends it opens are the instances of one deployment and share its
// rooms.
type Deployment interface {
	// Open returns a backend (an instance) keeping LogSize messages per
	// room; the deployment closes it when the test ends.
	Open(t *testing.T) realtime.Backend
	// Lose makes the storage forget room (and maybe others), as a
	// FLUSHALL, an eviction or a deleted room file would. Backends opened before may not be used
	// after it: the test opens new ones.
	Lose(t *testing.T, room string)
}

// Outager is a Deployment whose storage can become unreachable (Redis):
// Outage makes it so (the process killed) until restore is called (the
// process restarted on the same data). The in-process backend has no
// outage, only calls whose context ends (see the suite's context test).
type Outager interface {
	Outage(t *testing.T) (restore func())
}

// Run runs the suite, each test on a fresh Deployment from open.
func Run(t *testing.T, open func(t *testing.T) Deployment) {
	tests := []struct {
		name string
		run  func(t *testing.T, d Deployment)
	}{
		{"publish gives seqs in order", testPublish},
		{"conditional publish and stale", testConditional},
		{"roster and state", testRoster},
		{"joins published together", testJoins},
		{"history catches up", testHistory},
		{"capped log answers a gap", testCapped},
		{"ephemeral and audio", testEphemeral},
		{"lost log gets a new epoch", testLost},
		{"log behind a seen position gets a new epoch", testRegression},
		{"heartbeats", testHeartbeats},
		{"calls fail after their context", testContext},
		{"outage", testOutage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

var ctx = context.Background()

// Collector gathers what a subscription delivers; deliveries may come on
// other goroutines (Redis) or inside the publish (in-process).
type Collector struct {
	mu      sync.Mutex
	got     []realtime.Envelope
	frames  [][]byte
	resyncs int
}

// Subscriber returns the callbacks that fill c.
func (c *Collector) Subscriber() realtime.Subscriber {
	return realtime.Subscriber{
		Deliver: func(e realtime.Envelope) { c.mu.Lock(); c.got = append(c.got, e); c.mu.Unlock() },
		Frame:   func(f []byte) { c.mu.Lock(); c.frames = append(c.frames, slices.Clone(f)); c.mu.Unlock() },
		Resync:  func() { c.mu.Lock(); c.resyncs++; c.mu.Unlock() },
	}
}

// Wait returns the first n logged deliveries (ephemeral ones aside),
// failing if they do not come.
func (c *Collector) Wait(t *testing.T, n int) []realtime.Envelope {
	t.Helper()
	for range 1000 {
		c.mu.Lock()
		logged := slices.DeleteFunc(slices.Clone(c.got), func(e realtime.Envelope) bool { return e.Seq == 0 })
		c.mu.Unlock()
		if len(logged) >= n {
			return logged[:n]
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("%d deliveries, want %d", len(c.got), n)
	return nil
}

// waitFrames returns the first n frames, failing if they do not come.
func (c *Collector) waitFrames(t *testing.T, n int) [][]byte {
	t.Helper()
	for range 1000 {
		c.mu.Lock()
		if len(c.frames) >= n {
			out := slices.Clone(c.frames[:n])
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d frames", n)
	return nil
}

// subscribe subscribes a collector to room on b, and waits until the
// subscription delivers (a probe message, which it returns).
func subscribe(t *testing.T, b realtime.Backend, room string) (*Collector, realtime.Envelope) {
	t.Helper()
	c := &Collector{}
	cancel, err := b.Subscribe(ctx, room, c.Subscriber())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	// A subscription may take a moment to be confirmed (Redis): announce
	// until one arrives.
	for i := 0; ; i++ {
		probe := realtime.Envelope{Type: realtime.MsgReaction, Data: []byte(`{"probe":true}`)}
		if err := b.Announce(ctx, room, &probe); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		c.mu.Lock()
		n := len(c.got)
		c.mu.Unlock()
		if n > 0 {
			c.mu.Lock()
			first := c.got[0]
			c.got = nil
			c.mu.Unlock()
			return c, first
		}
		if i > 200 {
			t.Fatal("the subscription never delivered")
		}
	}
}

func chat(text string) *realtime.Envelope {
	return &realtime.Envelope{Type: realtime.MsgChat, Data: []byte(fmt.Sprintf(`{"text":%q}`, text))}
}

func mustPublish(t *testing.T, b realtime.Backend, room string, env *realtime.Envelope, ch *realtime.Change) {
	t.Helper()
	if err := b.Publish(ctx, room, env, ch); err != nil {
		t.Fatalf("publish %s: %v", env.Type, err)
	}
}

func snapshot(t *testing.T, b realtime.Backend, room string) realtime.Snapshot {
	t.Helper()
	s, err := b.Snapshot(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testPublish(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	if s := snapshot(t, a, "r"); s.Seq != 0 || s.Epoch == "" || len(s.Roster) != 0 {
		t.Fatalf("a new room: %+v, want seq 0 with an epoch and no roster", s)
	}
	ca, _ := subscribe(t, a, "r")
	cb, _ := subscribe(t, b, "r")
	for i := range 4 {
		from := []realtime.Backend{a, b}[i%2]
		env := chat(fmt.Sprint(i))
		mustPublish(t, from, "r", env, nil)
		if env.Seq != uint64(i+1) || env.TS == 0 || env.Epoch == "" || env.Room != "r" {
			t.Fatalf("publish %d: %+v", i, env)
		}
	}
	s := snapshot(t, b, "r")
	if s.Seq != 4 {
		t.Fatalf("snapshot seq %d, want 4", s.Seq)
	}
	for name, c := range map[string]*Collector{"a": ca, "b": cb} {
		for i, env := range c.Wait(t, 4) {
			if env.Seq != uint64(i+1) || env.Epoch != s.Epoch || string(env.Data) != fmt.Sprintf(`{"text":"%d"}`, i) {
				t.Fatalf("instance %s, delivery %d: %+v", name, i, env)
			}
		}
	}
}

func testConditional(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	mustPublish(t, a, "r", chat("one"), nil)
	at := snapshot(t, a, "r").Position
	st := realtime.State{Floor: realtime.Floor{Speaker: "m-1", Queue: []string{}}}
	// Of two instances that both saw the same position, one wins.
	errA := a.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgFloor}, &realtime.Change{Seen: at, Check: true, State: &st})
	errB := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgFloor}, &realtime.Change{Seen: at, Check: true, State: &realtime.State{}})
	if errA != nil || !errors.Is(errB, realtime.ErrStale) {
		t.Fatalf("conditional publishes from one position: %v, %v; want one success, one ErrStale", errA, errB)
	}
	if s := snapshot(t, b, "r"); s.Seq != 2 || s.State.Floor.Speaker != "m-1" {
		t.Fatalf("after the race: %+v", s)
	}
	// Seen without Check guards the epoch only.
	env := chat("two")
	if err := b.Publish(ctx, "r", env, &realtime.Change{Seen: at}); err != nil || env.Seq != 3 {
		t.Fatalf("publish seen at an older seq of the same log: %+v %v", env, err)
	}
}

func testRoster(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	amina := realtime.Member{ID: "m-1", Name: "Amina", Role: realtime.RoleParticipant, Instance: "i-a"}
	kwame := realtime.Member{ID: "m-2", Name: "Kwame", Role: realtime.RoleHost, Instance: "i-b"}
	mustPublish(t, a, "r", &realtime.Envelope{Type: realtime.MsgJoin}, &realtime.Change{Join: &amina})
	mustPublish(t, b, "r", &realtime.Envelope{Type: realtime.MsgJoin}, &realtime.Change{Join: &kwame})
	muted := amina
	muted.Muted = true
	st := realtime.State{Floor: realtime.Floor{Queue: []string{"m-2"}}, Banned: []string{"x"}}
	mustPublish(t, b, "r", &realtime.Envelope{Type: realtime.MsgMember}, &realtime.Change{Update: &muted, State: &st})
	s := snapshot(t, a, "r")
	if len(s.Roster) != 2 || s.Roster[0].ID != "m-1" || !s.Roster[0].Muted || s.Roster[1].Name != "Kwame" {
		t.Fatalf("roster in join order with the update: %+v", s.Roster)
	}
	if s.State.Floor.Queue[0] != "m-2" || s.State.Banned[0] != "x" {
		t.Fatalf("state: %+v", s.State)
	}
	ghost := realtime.Member{ID: "m-9", Name: "never joined"}
	mustPublish(t, a, "r", &realtime.Envelope{Type: realtime.MsgMember}, &realtime.Change{Update: &ghost, Leave: "m-1"})
	s = snapshot(t, b, "r")
	if len(s.Roster) != 1 || s.Roster[0].ID != "m-2" || s.Seq != 4 {
		t.Fatalf("after a leave (and an update of nobody): %+v", s)
	}
}

// testJoins: joins published together (a join storm) get consecutive
// seqs in their order, reach every instance in that order, are in the
// roster and the log; a position in another log publishes none.
func testJoins(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	jp, ok := a.(realtime.JoinPublisher)
	if !ok {
		t.Fatalf("%T does not publish joins together (realtime.JoinPublisher)", a)
	}
	cb, _ := subscribe(t, b, "r")
	mustPublish(t, a, "r", chat("before"), nil)
	seen := snapshot(t, a, "r").Position
	mustPublish(t, b, "r", chat("meanwhile"), nil) // seen is behind now: joins guard the epoch only
	const n = LogSize + 2
	var envs []*realtime.Envelope
	var members []*realtime.Member
	for i := range n {
		m := &realtime.Member{ID: fmt.Sprintf("m-%d", i), Name: fmt.Sprintf("N%d", i), Role: realtime.RoleParticipant, Instance: "i-a"}
		envs = append(envs, &realtime.Envelope{Type: realtime.MsgJoin, From: m.ID, Data: []byte(fmt.Sprintf(`{"id":%q}`, m.ID))})
		members = append(members, m)
	}
	if err := jp.PublishJoins(ctx, "r", realtime.Position{Seq: seen.Seq, Epoch: "another"}, envs, members); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("joins seen in another log: %v, want ErrStale", err)
	}
	if s := snapshot(t, a, "r"); s.Seq != 2 || len(s.Roster) != 0 {
		t.Fatalf("after refused joins: seq %d, roster %+v; want 2 and none", s.Seq, s.Roster)
	}
	if err := jp.PublishJoins(ctx, "r", seen, envs, members); err != nil {
		t.Fatal(err)
	}
	for i, env := range envs {
		if env.Seq != uint64(3+i) || env.Epoch != seen.Epoch || env.TS == 0 || env.Room != "r" {
			t.Fatalf("join %d: %+v", i, env)
		}
	}
	s := snapshot(t, b, "r")
	if s.Seq != 2+n || len(s.Roster) != n {
		t.Fatalf("snapshot: seq %d, %d members; want %d and %d", s.Seq, len(s.Roster), 2+n, n)
	}
	for i, m := range s.Roster {
		if m.ID != members[i].ID || m.Name != members[i].Name {
			t.Fatalf("roster %d: %+v, want %+v (join order)", i, m, *members[i])
		}
	}
	for i, env := range cb.Wait(t, 2+n) {
		if env.Seq != uint64(i+1) || i >= 2 && (env.Type != realtime.MsgJoin || env.From != members[i-2].ID || string(env.Data) != string(envs[i-2].Data)) {
			t.Fatalf("delivery %d: %+v", i, env)
		}
	}
	hist, err := b.History(ctx, "r", realtime.Position{Seq: s.Seq - LogSize, Epoch: s.Epoch})
	if err != nil || len(hist) != LogSize || hist[0].Seq != s.Seq-LogSize+1 || hist[LogSize-1].From != members[n-1].ID {
		t.Fatalf("history of the last %d: %+v %v", LogSize, hist, err)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: s.Seq - LogSize - 1, Epoch: s.Epoch}); !errors.Is(err, realtime.ErrGap) {
		t.Fatalf("history beyond the capped log: %v, want ErrGap", err)
	}
}

func testHistory(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	for i := range 4 {
		mustPublish(t, a, "r", chat(fmt.Sprint(i)), nil)
	}
	s := snapshot(t, b, "r")
	for since := range uint64(5) {
		h, err := b.History(ctx, "r", realtime.Position{Seq: since, Epoch: s.Epoch})
		if err != nil || len(h) != int(4-since) {
			t.Fatalf("history since %d: %d messages, %v", since, len(h), err)
		}
		for i, env := range h {
			if env.Seq != since+uint64(i)+1 || env.Epoch != s.Epoch || env.TS == 0 || string(env.Data) != fmt.Sprintf(`{"text":"%d"}`, since+uint64(i)) {
				t.Fatalf("history since %d, message %d: %+v", since, i, env)
			}
		}
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 5, Epoch: s.Epoch}); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history since a seq beyond the log: %v, want ErrEpoch", err)
	}
}

func testCapped(t *testing.T, d Deployment) {
	a := d.Open(t)
	for i := range LogSize + 3 {
		mustPublish(t, a, "r", chat(fmt.Sprint(i)), nil)
	}
	s := snapshot(t, a, "r")
	h, err := a.History(ctx, "r", realtime.Position{Seq: 3, Epoch: s.Epoch})
	if err != nil || len(h) != LogSize || h[0].Seq != 4 {
		t.Fatalf("history of the last %d: %d messages, %v", LogSize, len(h), err)
	}
	_, err = a.History(ctx, "r", realtime.Position{Seq: 2, Epoch: s.Epoch})
	if !errors.Is(err, realtime.ErrGap) || errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history older than the log: %v, want ErrGap (not ErrEpoch): the answer is a fresh snapshot", err)
	}
	if s.Seq != LogSize+3 {
		t.Fatalf("the snapshot after a trimmed log: seq %d", s.Seq)
	}
}

func testEphemeral(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	cb, probe := subscribe(t, b, "r")
	if probe.Seq != 0 || probe.Epoch != "" || probe.TS == 0 {
		t.Fatalf("an announcement: %+v, want no seq, no epoch, a ts", probe)
	}
	if s := snapshot(t, a, "r"); s.Seq != 0 {
		t.Fatalf("announcements took seqs: %d", s.Seq)
	}
	for i := range 3 {
		if err := a.Frame(ctx, "r", []byte{1, 2, 'f', 'r', byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range cb.waitFrames(t, 3) {
		if string(f) != string([]byte{1, 2, 'f', 'r', byte(i)}) {
			t.Fatalf("frame %d: %x", i, f)
		}
	}
}

func testLost(t *testing.T, d Deployment) {
	a := d.Open(t)
	for range 3 {
		mustPublish(t, a, "r", chat("before"), nil)
	}
	lost := snapshot(t, a, "r").Position
	d.Lose(t, "r")
	a, b := d.Open(t), d.Open(t)
	s := snapshot(t, a, "r")
	if s.Seq != 0 || s.Epoch == "" || s.Epoch == lost.Epoch || len(s.Roster) != 0 {
		t.Fatalf("a lost room: %+v, want seq 0 in a new epoch", s)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 1, Epoch: lost.Epoch}); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history in the lost log: %v, want ErrEpoch", err)
	}
	err := b.Publish(ctx, "r", chat("from the lost log"), &realtime.Change{Seen: lost})
	if !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from a position in the lost log: %v, want ErrStale", err)
	}
	if s2 := snapshot(t, a, "r"); s2.Position != s.Position {
		t.Fatalf("a refused publish changed the room: %+v", s2.Position)
	}
	env := chat("in the new log")
	mustPublish(t, b, "r", env, &realtime.Change{Seen: s.Position})
	if env.Seq != 1 || env.Epoch != s.Epoch {
		t.Fatalf("publish in the new log: %+v", env)
	}
}

func testRegression(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	for range 3 {
		mustPublish(t, a, "r", chat("before"), nil)
	}
	s := snapshot(t, a, "r")
	// Someone saw seq 5 of this log, which holds 3: it went back.
	err := b.Publish(ctx, "r", chat("seen further"), &realtime.Change{Seen: realtime.Position{Seq: 5, Epoch: s.Epoch}})
	if !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from beyond the log: %v, want ErrStale", err)
	}
	after := snapshot(t, a, "r")
	if after.Epoch == s.Epoch || after.Seq != 3 {
		t.Fatalf("after a regression: %+v, want a new epoch at seq 3", after.Position)
	}
	if _, err := a.History(ctx, "r", s.Position); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history in the epoch that went back: %v, want ErrEpoch", err)
	}
	if h, err := a.History(ctx, "r", after.Position); err != nil || len(h) != 0 {
		t.Fatalf("history in the new epoch: %v %v", h, err)
	}
	env := chat("after")
	mustPublish(t, b, "r", env, &realtime.Change{Seen: after.Position})
	if env.Seq != 4 || env.Epoch != after.Epoch {
		t.Fatalf("publish in the new epoch: %+v", env)
	}
}

func testHeartbeats(t *testing.T, d Deployment) {
	a, b := d.Open(t), d.Open(t)
	if err := a.Heartbeat(ctx, "i-a", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := b.Heartbeat(ctx, "i-b", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		dead, err := b.Dead(ctx, []string{"i-a", "i-b", "i-never"})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(dead) == "[i-b i-never]" {
			break
		}
		if i > 200 || slices.Contains(dead, "i-a") || !slices.Contains(dead, "i-never") {
			t.Fatalf("dead: %v, want [i-b i-never] once i-b's heartbeat expired", dead)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if dead, err := a.Dead(ctx, nil); err != nil || len(dead) != 0 {
		t.Fatalf("dead among none: %v %v", dead, err)
	}
}

// testContext: a call whose context is done fails (as during an outage,
// when its timeout expires) and changes nothing.
func testContext(t *testing.T, d Deployment) {
	a := d.Open(t)
	mustPublish(t, a, "r", chat("one"), nil)
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Publish(done, "r", chat("never"), nil); err == nil {
		t.Fatal("a publish with a done context succeeded")
	}
	if _, err := a.Snapshot(done, "r"); err == nil {
		t.Fatal("a snapshot with a done context succeeded")
	}
	if _, err := a.History(done, "r", realtime.Position{}); err == nil {
		t.Fatal("a history with a done context succeeded")
	}
	if s := snapshot(t, a, "r"); s.Seq != 1 {
		t.Fatalf("after the failed publish: seq %d, want 1", s.Seq)
	}
}

// testOutage: during an outage calls fail with an error (never hang, never
// succeed silently); afterwards the same backend works again on its own,
// keeps what it acknowledged, and asks subscribers to resync.
func testOutage(t *testing.T, d Deployment) {
	o, ok := d.(Outager)
	if !ok {
		t.Log("this backend is in-process: it has no outage")
		return
	}
	a := d.Open(t)
	c, _ := subscribe(t, a, "r")
	mustPublish(t, a, "r", chat("before"), nil)
	c.Wait(t, 1)
	restore := o.Outage(t)
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := a.Publish(callCtx, "r", chat("during"), nil)
	cancel()
	if err == nil {
		t.Fatal("a publish during the outage succeeded")
	}
	c.mu.Lock()
	before := c.resyncs
	c.mu.Unlock()
	restore()
	var env *realtime.Envelope
	for i := 0; ; i++ {
		env = chat("after")
		if err = a.Publish(ctx, "r", env, nil); err == nil {
			break
		}
		if i > 100 {
			t.Fatalf("no reconnection: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if env.Seq != 2 {
		t.Fatalf("after the outage: seq %d, want 2 (the acknowledged message kept, the failed one never applied)", env.Seq)
	}
	for i := 0; ; i++ {
		// The publish above may precede the resubscription: the resync
		// is what tells a room to refill from the log.
		c.mu.Lock()
		n := c.resyncs
		c.mu.Unlock()
		if n > before {
			break
		}
		if i > 300 {
			t.Fatalf("after the outage: %d resyncs, had %d", n, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
