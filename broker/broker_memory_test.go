package broker

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/majlis/majlis/realtime"
)

func TestMemoryLog(t *testing.T) {
	ctx := context.Background()
	b := NewMemory(MemoryConfig{LogSize: 3})
	var got []uint64
	cancel, err := b.Subscribe(ctx, "r", realtime.Subscriber{Deliver: func(e realtime.Envelope) { got = append(got, e.Seq) }})
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

// TestLocalSurvivesRestart: a room's log, state and roster come back from
// the room file; an instance that does not beat any more is dead.
func TestLocalSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rooms.db")
	b, err := OpenLocal(path, MemoryConfig{LogSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	m := realtime.Member{ID: "m-1", Name: "Amina", Instance: "i-old"}
	st := realtime.State{Floor: realtime.Floor{Speaker: "m-1", Queue: []string{}}}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgJoin}, &realtime.Change{Join: &m, State: &st}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat, Data: []byte(`{"text":"` + strconv.Itoa(i) + `"}`)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Heartbeat(ctx, "i-old", time.Hour)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b, err = OpenLocal(path, MemoryConfig{LogSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.Snapshot(ctx, "r")
	if err != nil || s.Seq != 5 || s.State.Floor.Speaker != "m-1" || len(s.Roster) != 1 || s.Roster[0].Name != "Amina" {
		t.Fatalf("after restart: %+v %v", s, err)
	}
	h, err := b.History(ctx, "r", 2)
	if err != nil || len(h) != 3 || h[2].Seq != 5 || string(h[2].Data) != `{"text":"3"}` {
		t.Fatalf("history after restart: %+v %v", h, err)
	}
	if _, err := b.History(ctx, "r", 1); !errors.Is(err, realtime.ErrGap) {
		t.Fatalf("trimmed log after restart: %v", err)
	}
	if dead, _ := b.Dead(ctx, []string{"i-old"}); len(dead) != 1 {
		t.Fatal("the instance of the previous process is not dead")
	}
	env := realtime.Envelope{Type: realtime.MsgChat}
	if err := b.Publish(ctx, "r", &env, nil); err != nil || env.Seq != 6 {
		t.Fatalf("publish after restart: seq %d %v", env.Seq, err)
	}
}
