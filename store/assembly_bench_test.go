package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/store"
)

// benchAssembly runs, per iteration, one secret ballot of 120 A-status
// institutions on st: open, 120 casts at once (one goroutine each), close
// and tally. It reports the p99 from cast to acknowledgement and the time
// to close and tally.
func benchAssembly(b *testing.B, st interface {
	ballot.Store
	ballot.Registry
}) {
	ctx := context.Background()
	const n = 120
	var ins []institution.Institution
	for i := range n {
		id := fmt.Sprintf("i%03d", i)
		ins = append(ins, institution.Institution{ID: id, Status: institution.StatusA, Delegates: []institution.Delegate{{Ref: "d-" + id}}})
	}
	s := ballot.New(ballot.Config{}, st)
	var lat []time.Duration
	var closing time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for it := 0; b.Loop(); it++ {
		event := fmt.Sprintf("ga-%d", it)
		r := ballot.NewRoll(event, ins)
		for _, m := range r.Members {
			r.Present = append(r.Present, m.Institution)
		}
		if _, err := s.PutRoll(ctx, r, 0); err != nil {
			b.Fatal(err)
		}
		bl, err := s.Prepare(ctx, ballot.Ballot{ID: fmt.Sprintf("b-%d", it), Event: event, Kind: ballot.KindMotion, Secret: true,
			Title: agenda.Text{"en": "Budget"}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Open(ctx, bl.ID); err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, in := range ins {
			wg.Go(func() {
				start := time.Now()
				_, err := s.Cast(ctx, bl.ID, "d-"+in.ID, in.ID, ballot.Choice{Option: ballot.OptionYes})
				d := time.Since(start)
				if err != nil {
					b.Error(err)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
		}
		wg.Wait()
		start := time.Now()
		closed, err := s.Close(ctx, bl.ID)
		closing += time.Since(start)
		if err != nil || closed.Verdict.Tally.Yes != n {
			b.Fatalf("close: %v %+v", err, closed.Verdict)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-cast-ms")
	b.ReportMetric(float64(closing.Microseconds())/1000/float64(b.N), "close-ms")
}

// BenchmarkAssemblyBolt: 120 casts and the close on the embedded store.
func BenchmarkAssemblyBolt(b *testing.B) {
	s, err := store.OpenBolt(b.TempDir() + "/majlis.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	benchAssembly(b, s)
}

// BenchmarkAssemblyRedis: the same on Redis (AOF, appendfsync always).
func BenchmarkAssemblyRedis(b *testing.B) {
	s := openRedis(b, redisServer.Get(b).URL(), store.RedisConfig{Prefix: newPrefix()})
	benchAssembly(b, s)
}
