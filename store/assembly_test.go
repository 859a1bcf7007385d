package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/ballot/ballottest"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/institution/institutiontest"
	"github.com/majlis/majlis/store"
)

func openBoltStore(t *testing.T) *store.Bolt {
	t.Helper()
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// redisDump returns every key under prefix (the prefix cut) with its
// DUMP: the bytes Redis itself serialises, encoding and order included.
func redisDump(t *testing.T, url, prefix string) ballottest.Dump {
	c := rawClient(t, url)
	return func() map[string][]byte {
		ctx := context.Background()
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, k := range keys {
			raw, err := c.Dump(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimPrefix(k, prefix)] = []byte(raw)
		}
		return out
	}
}

func TestBoltInstitutions(t *testing.T) {
	institutiontest.Run(t, func(t *testing.T) institution.Store { return openBoltStore(t) })
}

func TestRedisInstitutions(t *testing.T) {
	url := redisServer.Get(t).URL()
	institutiontest.Run(t, func(t *testing.T) institution.Store {
		return openRedis(t, url, store.RedisConfig{Prefix: newPrefix()})
	})
}

func TestBoltBallots(t *testing.T) {
	ballottest.Run(t, func(t *testing.T) (ballot.Store, ballottest.Dump) {
		s := openBoltStore(t)
		return s, s.Dump
	})
}

func TestRedisBallots(t *testing.T) {
	url := redisServer.Get(t).URL()
	ballottest.Run(t, func(t *testing.T) (ballot.Store, ballottest.Dump) {
		p := newPrefix()
		return openRedis(t, url, store.RedisConfig{Prefix: p}), redisDump(t, url, p)
	})
}
