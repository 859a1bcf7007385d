package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/majlis/majlis/store"
)

// Of two instances on one Redis, one holds a source's lease until it
// expires.
func TestRedisLeaseIsExclusive(t *testing.T) {
	t.Parallel()
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	a := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	b := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	ctx := context.Background()
	tests := []struct {
		name   string
		s      *store.Redis
		holder string
		ttl    time.Duration
		expect bool
	}{
		{"a takes it", a, "instance-a", 200 * time.Millisecond, true},
		{"b is refused", b, "instance-b", time.Minute, false},
		{"a renews it", a, "instance-a", 50 * time.Millisecond, true},
	}
	for _, tc := range tests { // in order: each step depends on the last
		ok, err := tc.s.Lease(ctx, "ennhri", tc.holder, tc.ttl)
		if err != nil || ok != tc.expect {
			t.Fatalf("%s: %v, %v; want %v", tc.name, ok, err, tc.expect)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for { // a's lease expires; b gets it
		ok, err := b.Lease(ctx, "ennhri", "instance-b", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("b never got the expired lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok, _ := a.Lease(ctx, "ennhri", "instance-a", time.Minute); ok {
		t.Fatal("a took back b's lease")
	}
}
