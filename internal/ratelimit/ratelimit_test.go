package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/majlis/majlis/internal/ratelimit"
	"github.com/majlis/majlis/internal/ratelimit/ratelimittest"
	"golang.org/x/time/rate"
)

func TestMemory(t *testing.T) {
	ratelimittest.Run(t, func(*testing.T) ratelimit.Counter { return &ratelimit.Memory{} })
}

// TestTakeIsATokenBucket: the cell rate algorithm allows what
// golang.org/x/time/rate's token bucket allows, action by action, over an
// irregular sequence of arrivals.
func TestTakeIsATokenBucket(t *testing.T) {
	r := ratelimit.Rule{Every: 50 * time.Millisecond, Burst: 5}
	bucket := rate.NewLimiter(rate.Every(r.Every), r.Burst)
	t0 := time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)
	var tat time.Time
	now := t0
	for i := range 2000 {
		now = now.Add(time.Duration((i*7919)%97) * time.Millisecond) // 0–96 ms apart
		ok, next := ratelimit.Take(tat, r, now)
		if ok {
			tat = next
		}
		if want := bucket.AllowN(now, 1); ok != want {
			t.Fatalf("arrival %d at +%v: Take says %v, the token bucket %v", i, now.Sub(t0), ok, want)
		}
	}
}

// TestMemoryStaysBounded: a flood of distinct keys does not grow the map
// past its bound, and a key still limited is not forgotten by a sweep of
// passed ones.
func TestMemoryStaysBounded(t *testing.T) {
	m := &ratelimit.Memory{}
	r := ratelimit.Rule{Every: time.Hour, Burst: 1}
	t0 := time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for i := range 120_000 {
		if ok, _ := m.TakeRate(ctx, fmt.Sprint("flood-", i), r, t0); !ok {
			t.Fatalf("key %d refused on its first take", i)
		}
	}
	if n := m.Len(); n > 50_000 {
		t.Fatalf("%d keys kept after a flood of 120,000: want at most the bound, 50,000", n)
	}
}
