package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
)

// joinCounter is the in-process backend, counting joins published
// together.
type joinCounter struct {
	*broker.Memory
	batches, batched atomic.Int64
}

func (b *joinCounter) PublishJoins(ctx context.Context, room string, seen realtime.Position, envs []*realtime.Envelope, members []*realtime.Member) error {
	b.batches.Add(1)
	b.batched.Add(int64(len(envs)))
	return b.Memory.PublishJoins(ctx, room, seen, envs, members)
}

// TestJoinStorm: clients joining at once, whose joins the room publishes
// together when they queue up, are each welcomed once, at their own seq,
// and all of them are in the room.
func TestJoinStorm(t *testing.T) {
	backend := &joinCounter{Memory: broker.NewMemory(broker.MemoryConfig{})}
	url := serve(t, backend)
	const n = 120
	type result struct {
		id  string
		seq uint64
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, _, err := websocket.DefaultDialer.Dial(url+"/?name=storm"+strconv.Itoa(i), nil)
			if err != nil {
				results[i].err = err
				return
			}
			t.Cleanup(func() { conn.Close() })
			var env realtime.Envelope
			if err := conn.ReadJSON(&env); err != nil || env.Type != realtime.MsgWelcome {
				results[i].err = fmt.Errorf("first message %s: %v", env.Type, err)
				return
			}
			var w welcome
			if err := json.Unmarshal(env.Data, &w); err != nil {
				results[i].err = err
				return
			}
			results[i] = result{id: w.You.ID, seq: w.Seq}
		}()
	}
	wg.Wait()
	ids, seqs := map[string]bool{}, map[uint64]bool{}
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("client %d: %v", i, r.err)
		}
		if ids[r.id] || seqs[r.seq] || r.seq == 0 || r.seq > n {
			t.Fatalf("client %d: id %s seq %d (a duplicate, or out of 1–%d)", i, r.id, r.seq, n)
		}
		ids[r.id], seqs[r.seq] = true, true
	}
	last, _, w := dial(t, url, "name=last")
	defer last.conn.Close()
	if w.Seq != n+1 {
		t.Errorf("the next join has seq %d, want %d", w.Seq, n+1)
	}
	t.Logf("%d joins published in %d batch calls (the rest one by one)", backend.batched.Load(), backend.batches.Load())
}
