package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/registration/registrationtest"
	"github.com/majlis/majlis/store"
)

// benchRegistration registers, per iteration, the 2,000 attendees of one
// webinar (capacity 1,500: the last 500 go on the waitlist) through
// registration.Service on st, from 32 goroutines at once (a mailing going
// out to a region). It reports registrations per second and the p99 from
// the call to its acknowledgement (the registration is durable then), and
// checks that the capacity held.
func benchRegistration(b *testing.B, st registration.Store) {
	ctx := context.Background()
	const attendees, capacity, workers = 2000, 1500, 32
	svc := registration.New(registration.Config{}, st)
	var lat []time.Duration
	var spent time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for it := 0; b.Loop(); it++ {
		ev := registrationtest.Webinar
		ev.ID = fmt.Sprintf("bench-webinar-%d", it)
		ev.Start, ev.End = time.Now().Add(24*time.Hour), time.Now().Add(25*time.Hour)
		if _, _, err := svc.PutForm(ctx, ev, registrationtest.Form(capacity, registration.ApprovalAutomatic), 0); err != nil {
			b.Fatal(err)
		}
		var next, placed atomic.Int64
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := time.Now()
		for range workers {
			wg.Go(func() {
				var mine []time.Duration
				for {
					i := int(next.Add(1))
					if i > attendees {
						break
					}
					t0 := time.Now()
					r, _, err := svc.Register(ctx, ev.ID, registrationtest.Request(i))
					mine = append(mine, time.Since(t0))
					if err != nil {
						b.Error(err)
						return
					}
					if r.Status == registration.StatusApproved {
						placed.Add(1)
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		spent += time.Since(start)
		if placed.Load() != capacity {
			b.Fatalf("%d placed, want %d", placed.Load(), capacity)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(attendees*b.N)/spent.Seconds(), "regs/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRegistrationBolt: a 2,000-attendee webinar's registrations on
// the embedded store (every registration one fsynced transaction).
func BenchmarkRegistrationBolt(b *testing.B) {
	s, err := store.OpenBolt(b.TempDir() + "/majlis.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	benchRegistration(b, s)
}

// BenchmarkRegistrationRedis: the same on Redis (AOF, appendfsync always;
// one Lua script per registration).
func BenchmarkRegistrationRedis(b *testing.B) {
	benchRegistration(b, openRedis(b, redisServer.Get(b).URL(), store.RedisConfig{Prefix: newPrefix()}))
}
