// Package ratelimittest is the conformance suite of ratelimit.Counter: the
// one instance's Memory and the stores (store/storetest runs it on bbolt's
// and Redis's) count the same rules the same way.
package ratelimittest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/internal/ratelimit"
)

// Opener returns an empty counter for one test.
type Opener func(t *testing.T) ratelimit.Counter

var t0 = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

// Run runs the suite.
func Run(t *testing.T, o Opener) {
	t.Run("burst, then one per interval; a refusal counts nothing", func(t *testing.T) {
		c := o(t)
		r := ratelimit.Rule{Every: 200 * time.Millisecond, Burst: 3}
		takes(t, c, "a", r, t0, "yyyn")
		takes(t, c, "a", r, t0.Add(100*time.Millisecond), "n")
		// Refusals took nothing: one interval after the burst, exactly one more.
		takes(t, c, "a", r, t0.Add(200*time.Millisecond), "yn")
		takes(t, c, "a", r, t0.Add(600*time.Millisecond), "yyn")
	})
	t.Run("a long pause refills the burst, no more", func(t *testing.T) {
		c := o(t)
		r := ratelimit.Rule{Every: time.Second, Burst: 2}
		takes(t, c, "a", r, t0, "yyn")
		takes(t, c, "a", r, t0.Add(time.Hour), "yyn")
	})
	t.Run("keys count apart", func(t *testing.T) {
		c := o(t)
		r := ratelimit.Rule{Every: time.Minute, Burst: 1}
		takes(t, c, "a", r, t0, "yn")
		takes(t, c, "b", r, t0, "yn")
		l1 := ratelimit.Limiter{Name: "api", Rule: r, Counter: c, Now: func() time.Time { return t0 }}
		l2 := ratelimit.Limiter{Name: "joins", Rule: r, Counter: c, Now: func() time.Time { return t0 }}
		for _, l := range []ratelimit.Limiter{l1, l2} {
			if ok, err := l.Allow(context.Background(), "192.0.2.1"); err != nil || !ok {
				t.Fatalf("limiter %s: first take = %v, %v; want allowed (limits of other names count apart)", l.Name, ok, err)
			}
		}
		if ok, _ := l1.Allow(context.Background(), "192.0.2.1"); ok {
			t.Fatal("limiter api: second take within its rule allowed")
		}
	})
	t.Run("sub-millisecond intervals", func(t *testing.T) {
		c := o(t)
		r := ratelimit.PerSecond(4000, 1) // one per 250 µs
		takes(t, c, "a", r, t0, "yn")
		takes(t, c, "a", r, t0.Add(250*time.Microsecond), "yn")
	})
	t.Run("concurrent takes: exactly the burst", func(t *testing.T) {
		c := o(t)
		r := ratelimit.Rule{Every: time.Minute, Burst: 10}
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := c.TakeRate(context.Background(), "shared", r, t0)
				if err != nil {
					t.Error(err)
				}
				if got {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 10 {
			t.Fatalf("40 concurrent takes under a burst of 10: %d allowed", ok.Load())
		}
	})
}

// takes takes len(want) actions for key at now, and fails t unless each
// was allowed ('y') or refused ('n') as want says.
func takes(t *testing.T, c ratelimit.Counter, key string, r ratelimit.Rule, now time.Time, want string) {
	t.Helper()
	got := ""
	for range want {
		ok, err := c.TakeRate(context.Background(), key, r, now)
		if err != nil {
			t.Fatalf("TakeRate(%s, %v): %v", key, now.Sub(t0), err)
		}
		got += map[bool]string{true: "y", false: "n"}[ok]
	}
	if got != want {
		t.Fatalf("takes of %s at +%v under %+v: %s, want %s", key, now.Sub(t0), r, got, want)
	}
}
