package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/interpretation"
	"github.com/majlis/majlis/realtime"
)

// faulty is the in-process backend with two faults a real one has: while
// refuse is above zero it refuses to publish leaves and booth changes (a
// Redis failover; a leave that loses its five races to other instances in
// a mass departure), and while mute is set it sends no heartbeat (the
// instance died, as far as the others can tell).
type faulty struct {
	realtime.Backend
	refuse atomic.Int32
	mute   atomic.Bool
}

func (f *faulty) Publish(ctx context.Context, room string, env *realtime.Envelope, ch *realtime.Change) error {
	if (env.Type == realtime.MsgLeave || env.Type == realtime.MsgInterp) && f.refuse.Add(-1) >= 0 {
		return errors.New("backend unavailable")
	}
	return f.Backend.Publish(ctx, room, env, ch)
}

func (f *faulty) Heartbeat(ctx context.Context, instance string, ttl time.Duration) error {
	if f.mute.Load() {
		return nil
	}
	return f.Backend.Heartbeat(ctx, instance, ttl)
}

// untilGone reads c's messages until the roster has lost id and no booth
// holds them, and returns the leave's reason.
func untilGone(t *testing.T, c *client, id string) string {
	t.Helper()
	reason, inBooth := "", true
	for deadline := time.Now().Add(20 * time.Second); reason == "" || inBooth; {
		if time.Now().After(deadline) {
			t.Fatalf("%s: after 20 s, left %q, still in a booth %v", id, reason, inBooth)
		}
		env := c.next()
		switch env.Type {
		case realtime.MsgLeave:
			var d struct{ ID, Reason string }
			_ = json.Unmarshal(env.Data, &d)
			if d.ID == id {
				reason = d.Reason
			}
		case realtime.MsgInterp:
			var v struct{ Booths []interpretation.Booth }
			_ = json.Unmarshal(env.Data, &v)
			inBooth = false
			for _, b := range v.Booths {
				inBooth = inBooth || b.Has(id)
			}
		}
	}
	return reason
}

// TestLeaveAnnouncedAfterItFailed: an interpreter's leave and booth change
// that the backend refused are announced by the room's next ticks, until
// the backend takes them. Before, the room logged the failure and the
// roster kept the interpreter, live in the booth, for the room's life.
func TestLeaveAnnouncedAfterItFailed(t *testing.T) {
	b := &faulty{Backend: broker.NewMemory(broker.MemoryConfig{})}
	url := serve(t, b)
	host, _, _ := dial(t, url, "name=Hana&role=host")
	ines, _, _ := dial(t, url, "name=Ines&role=interpreter&booth=fr&languages=en")
	host.until(realtime.MsgInterp) // Ines entered the booth
	b.refuse.Store(4)              // the leave and the booth change, twice each
	ines.conn.Close()
	if reason := untilGone(t, host, ines.id); reason != "left" {
		t.Fatalf("the leave's reason: %q", reason)
	}
	if n := b.refuse.Load(); n >= 0 {
		t.Fatalf("%d refusals were not met", n+1)
	}
	// Someone who joins now sees the host only.
	_, first, _ := dial(t, url, "name=Omar&role=host")
	var w struct {
		Roster  []realtime.Member
		Members int
	}
	if err := json.Unmarshal(first.Data, &w); err != nil {
		t.Fatal(err)
	}
	if w.Members != 2 || len(w.Roster) != 2 {
		t.Fatalf("the welcome counts %d members: %+v", w.Members, w.Roster)
	}
}

// TestDeadInstanceLeavesTheBooth: when an instance stops beating, another
// one announces its members' leaves (reason "timeout") and takes its
// interpreters out of their booths; before, the dead instance's
// interpreter stayed live in the booth, and listeners heard nothing.
func TestDeadInstanceLeavesTheBooth(t *testing.T) {
	mem := broker.NewMemory(broker.MemoryConfig{})
	cfg := realtime.Config{HeartbeatTTL: 600 * time.Millisecond}
	urlA, _ := serveConfig(t, cfg, mem)
	b := &faulty{Backend: mem}
	urlB, _ := serveConfig(t, cfg, b)
	host, _, _ := dial(t, urlA, "name=Hana&role=host")
	ines, _, _ := dial(t, urlB, "name=Ines&role=interpreter&booth=fr&languages=en")
	host.until(realtime.MsgInterp) // Ines entered the booth
	ines.send(realtime.CmdBoothTake, "take", nil)
	host.until(realtime.MsgInterp) // and is live
	b.mute.Store(true)
	if reason := untilGone(t, host, ines.id); reason != "timeout" {
		t.Fatalf("the leave's reason: %q", reason)
	}
}
