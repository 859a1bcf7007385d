package broker

import (
	"context"
	"errors"
	"testing"

	"github.com/majlis/majlis/realtime"
)

func TestMemoryLog(t *testing.T) {
	ctx := context.Background()
	b := NewMemory(MemoryConfig{LogSize: 3})
	var got []uint64
	cancel, err := b.Subscribe(ctx, "r", func(e realtime.Envelope) { got = append(got, e.Seq) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 5 || got[0] != 1 || got[4] != 5 {
		t.Fatalf("delivered %v", got)
	}
	if h, err := b.History(ctx, "r", 2); err != nil || len(h) != 3 || h[0].Seq != 3 {
		t.Fatalf("history since 2: %v %v", h, err)
	}
	if _, err := b.History(ctx, "r", 1); !errors.Is(err, realtime.ErrGap) {
		t.Fatalf("history since 1 with a 3-message log: %v, want realtime.ErrGap", err)
	}
	if h, err := b.History(ctx, "r", 5); err != nil || len(h) != 0 {
		t.Fatalf("history since the last seq: %v %v", h, err)
	}
	// A conditional publish against a stale seq changes nothing.
	st := realtime.State{Floor: realtime.Floor{Speaker: "m-1"}}
	err = b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgFloor}, &realtime.Change{Check: true, IfSeq: 4, State: &st})
	if !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("stale publish: %v", err)
	}
	if s, _ := b.Snapshot(ctx, "r"); s.Seq != 5 || s.State.Floor.Speaker != "" {
		t.Fatalf("a refused publish changed the room: %+v", s)
	}
	m := realtime.Member{ID: "m-1", Name: "A"}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgJoin}, &realtime.Change{Check: true, IfSeq: 5, State: &st, Join: &m}); err != nil {
		t.Fatal(err)
	}
	s, _ := b.Snapshot(ctx, "r")
	if s.Seq != 6 || s.State.Floor.Speaker != "m-1" || len(s.Roster) != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	cancel()
	_ = b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil)
	if len(got) != 6 {
		t.Fatalf("delivered after cancel: %v", got)
	}
}
