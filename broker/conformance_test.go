package broker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/realtime/backendtest"
)

// localDeployment is one room file, opened by one process: every Open
// returns the same backend; Lose deletes the file and opens it again.
type localDeployment struct {
	path string
	b    *Memory
}

func (d *localDeployment) Open(t *testing.T) realtime.Backend { return d.b }

func (d *localDeployment) Lose(t *testing.T, _ string) {
	if err := d.b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(d.path); err != nil {
		t.Fatal(err)
	}
	b, err := OpenLocal(d.path, MemoryConfig{LogSize: backendtest.LogSize})
	if err != nil {
		t.Fatal(err)
	}
	d.b = b
}

func TestLocalConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backendtest.Deployment {
		path := filepath.Join(t.TempDir(), "rooms.db")
		b, err := OpenLocal(path, MemoryConfig{LogSize: backendtest.LogSize})
		if err != nil {
			t.Fatal(err)
		}
		d := &localDeployment{path: path, b: b}
		t.Cleanup(func() { d.b.Close() })
		return d
	})
}

// redisDeployment is one key prefix on a shared redis-server.
type redisDeployment struct {
	srv    *redistest.Server
	prefix string
}

func (d *redisDeployment) Open(t *testing.T) realtime.Backend {
	b, err := NewRedis(context.Background(), d.srv.URL(), RedisConfig{Prefix: d.prefix, LogSize: backendtest.LogSize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func (d *redisDeployment) Lose(t *testing.T, room string) {
	b := d.Open(t).(*Redis)
	ctx := context.Background()
	keys, err := b.client.Keys(ctx, d.prefix+"room:{"+room+"}*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("the room's keys: %v %v", keys, err)
	}
	if err := b.client.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
}

// Outage kills the deployment's redis-server; restore restarts it on the
// same port and data.
func (d *redisDeployment) Outage(t *testing.T) func() {
	if err := d.srv.Kill(); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := d.srv.Restart(); err != nil {
			t.Fatal(err)
		}
	}
}

var deployments atomic.Int64

func TestRedisConformance(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	backendtest.Run(t, func(t *testing.T) backendtest.Deployment {
		return &redisDeployment{srv: srv, prefix: fmt.Sprintf("conf%d:", deployments.Add(1))}
	})
}
