package redistest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/internal/redistest"
)

var shared redistest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Close()
	os.Exit(code)
}

func client(t *testing.T, s *redistest.Server) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestMissingBinaryFailsWithInstallHint(t *testing.T) {
	t.Setenv("MAJLIS_REDIS_SERVER", "/nonexistent/redis-server")
	_, err := redistest.New(redistest.Config{})
	if err == nil || !strings.Contains(err.Error(), redistest.NotFound) {
		t.Fatalf("got %v, want an error with %q", err, redistest.NotFound)
	}
}

func TestKillAndRestartKeepAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := redistest.Start(t, redistest.Config{})
	c := client(t, s)
	if err := c.Set(ctx, "k", "before kill", 0).Err(); err != nil {
		t.Fatal(err)
	}
	port := s.Port()
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if s.Running() {
		t.Fatal("running after Kill")
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered by a killed server")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if !s.Running() || s.Port() != port {
		t.Fatalf("after restart: running %v, port %d (was %d)", s.Running(), s.Port(), port)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "before kill" {
		t.Fatalf("after kill -9 and restart: %q, %v", got, err)
	}
}

func TestStopAndRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := redistest.Start(t, redistest.Config{AppendFsync: "everysec"})
	c := client(t, s)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered by a stopped server")
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err == nil {
		t.Fatal("Restart of a running server succeeded")
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after a clean stop: %q, %v", got, err)
	}
	fsync, err := c.ConfigGet(ctx, "appendfsync").Result()
	if err != nil || fsync["appendfsync"] != "everysec" {
		t.Fatalf("appendfsync %v, %v", fsync, err)
	}
}

func TestArgsAndDefaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := redistest.Start(t, redistest.Config{Args: []string{"--maxmemory", "64mb"}})
	c := client(t, s)
	got, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"appendonly": "yes", "appendfsync": "always", "save": "", "maxmemory-policy": "noeviction",
		"maxmemory": "67108864", "dir": s.Dir(), "bind": "127.0.0.1",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

func TestShared(t *testing.T) {
	t.Parallel()
	a, b := shared.Get(t), shared.Get(t)
	if a != b {
		t.Fatal("Shared started two servers")
	}
	if err := client(t, a).Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := redistest.Start(t, redistest.Config{})
	opts, _ := redis.ParseURL(s.URL())
	opts.MaxRetries, opts.ReadTimeout = -1, 200*time.Millisecond
	c := redis.NewClient(opts)
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered by a paused server")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("after resume: %v", err)
	}
	// A paused server can still be stopped.
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(); err == nil {
		t.Fatal("Pause of a stopped server succeeded")
	}
}
