package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/registration/registrationtest"
	"github.com/majlis/majlis/store"
)

func TestBoltRegistrations(t *testing.T) {
	registrationtest.Run(t, func(t *testing.T) (registration.Store, registrationtest.Dump) {
		b, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b, func() map[string][]byte { return store.BoltDump(b) }
	})
}

func TestRedisRegistrations(t *testing.T) {
	url := redisServer.Get(t).URL()
	raw := rawClient(t, url)
	registrationtest.Run(t, func(t *testing.T) (registration.Store, registrationtest.Dump) {
		prefix := newPrefix()
		s := openRedis(t, url, store.RedisConfig{Prefix: prefix})
		return s, func() map[string][]byte { return redisValues(t, raw, prefix) }
	})
}

// redisValues returns every value under prefix: strings by key, hash
// fields as "key/field", set and sorted-set members as "key/member".
func redisValues(t *testing.T, c *redis.Client, prefix string) map[string][]byte {
	ctx := context.Background()
	out := map[string][]byte{}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		switch c.Type(ctx, k).Val() {
		case "string":
			out[k] = []byte(c.Get(ctx, k).Val())
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				out[k+"/"+f] = []byte(v)
			}
		case "zset":
			for _, m := range c.ZRange(ctx, k, 0, -1).Val() {
				out[k+"/"+m] = nil
			}
		default:
			t.Fatalf("dump: key %s of type %s", k, c.Type(ctx, k).Val())
		}
	}
	return out
}

// TestRegistrationCapacityAcrossInstances: two instances (two Redis
// stores on one Redis, each with its own Service) register 160 people
// concurrently for 40 places; exactly 40 get one, the rest wait in
// arrival order.
func TestRegistrationCapacityAcrossInstances(t *testing.T) {
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	ctx := context.Background()
	a := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	b := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	clock := func() time.Time { return registrationtest.Webinar.Start.Add(-48 * time.Hour) }
	sa := registration.New(registration.Config{Now: clock}, a)
	sb := registration.New(registration.Config{Now: clock}, b)
	const capacity, n = 40, 160
	f := registrationtest.Form(capacity, registration.ApprovalAutomatic)
	if _, _, err := sa.PutForm(ctx, registrationtest.Webinar, f, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		s := sa
		if i%2 == 1 {
			s = sb
		}
		wg.Go(func() {
			if _, _, err := s.Register(ctx, registrationtest.Webinar.ID, registrationtest.Request(i)); err != nil {
				t.Errorf("register %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	list, err := sb.List(ctx, registrationtest.Webinar.ID, registration.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	placed := 0
	for i, r := range list {
		if r.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d", r.Seq, i)
		}
		want := registration.StatusWaitlisted
		if i < capacity {
			want = registration.StatusApproved
			placed++
		}
		if r.Status != want {
			t.Fatalf("arrival %d is %s, want %s", r.Seq, r.Status, want)
		}
	}
	if len(list) != n || placed != capacity {
		t.Fatalf("%d registrations, %d placed; want %d and %d", len(list), placed, n, capacity)
	}
}
