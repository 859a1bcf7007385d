package broker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/realtime/backendtest"
)

func newRedis(t *testing.T, s *redistest.Server, prefix string) *Redis {
	t.Helper()
	b, err := NewRedis(context.Background(), s.URL(), RedisConfig{Prefix: prefix, LogSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestRedisEpoch deletes a room's keys (as FLUSHALL or an eviction
// would), then moves its seq back (as a restored backup would): each time
// the log gets a new epoch, positions in the old one are refused, and
// deliveries carry the epoch.
func TestRedisEpoch(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	b := newRedis(t, srv, "t3:")
	ctx := context.Background()
	var c backendtest.Collector
	if _, err := b.Subscribe(ctx, "r", c.Subscriber()); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, nil); err != nil {
			t.Fatal(err)
		}
	}
	first, err := b.Snapshot(ctx, "r")
	if err != nil || first.Seq != 3 || first.Epoch == "" {
		t.Fatalf("snapshot: %+v %v", first, err)
	}
	if got := c.Wait(t, 3); got[2].Epoch != first.Epoch {
		t.Fatalf("delivery in epoch %q, want %q", got[2].Epoch, first.Epoch)
	}

	keys, err := b.client.Keys(ctx, "t3:room:{r}:*").Result()
	if err != nil || len(keys) < 3 {
		t.Fatalf("keys %v %v", keys, err)
	}
	if err := b.client.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, &realtime.Change{Seen: first.Position}); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from the lost log: %v, want ErrStale", err)
	}
	if _, err := b.History(ctx, "r", realtime.Position{Seq: 1, Epoch: first.Epoch}); !errors.Is(err, realtime.ErrEpoch) {
		t.Fatalf("history in the lost log: %v, want ErrEpoch", err)
	}
	second, err := b.Snapshot(ctx, "r")
	if err != nil || second.Seq != 0 || second.Epoch == "" || second.Epoch == first.Epoch {
		t.Fatalf("after the loss: %+v %v, want seq 0 in a new epoch", second.Position, err)
	}
	env := realtime.Envelope{Type: realtime.MsgChat}
	if err := b.Publish(ctx, "r", &env, &realtime.Change{Seen: second.Position}); err != nil || env.Seq != 1 || env.Epoch != second.Epoch {
		t.Fatalf("publish in the new log: %+v %v", env, err)
	}
	if got := c.Wait(t, 4); got[3].Epoch != second.Epoch || got[3].Seq != 1 {
		t.Fatalf("delivery in the new log: %+v", got[3])
	}
	if h, err := b.History(ctx, "r", second.Position); err != nil || len(h) != 1 || h[0].Epoch != second.Epoch {
		t.Fatalf("history in the new log: %+v %v", h, err)
	}

	if err := b.client.Set(ctx, "t3:room:{r}:seq", "0", 0).Err(); err != nil { // a backup from before
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "r", &realtime.Envelope{Type: realtime.MsgChat}, &realtime.Change{Seen: realtime.Position{Seq: 1, Epoch: second.Epoch}}); !errors.Is(err, realtime.ErrStale) {
		t.Fatalf("publish from a position the log went back from: %v, want ErrStale", err)
	}
	if third, _ := b.Snapshot(ctx, "r"); third.Epoch == second.Epoch || third.Seq != 0 {
		t.Fatalf("after the regression: %+v, want a new epoch", third.Position)
	}
}

// TestRedisRefusesUndurable: the broker, like the store, refuses a Redis
// that could lose the room messages it acknowledged.
func TestRedisRefusesUndurable(t *testing.T) {
	tests := []struct {
		name string
		cfg  redistest.Config
		want string
	}{
		{"appendfsync everysec", redistest.Config{AppendFsync: "everysec"}, "has appendfsync everysec"},
		{"appendfsync no", redistest.Config{AppendFsync: "no"}, "configure appendfsync always"},
		{"AOF off", redistest.Config{Args: []string{"--appendonly", "no"}}, "has appendonly off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t, tt.cfg)
			b, err := NewRedis(context.Background(), srv.URL(), RedisConfig{})
			if err == nil {
				b.Close()
				t.Fatalf("opened, want an error with %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "broker: redis ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want one with %q", err, tt.want)
			}
			b, err = NewRedis(context.Background(), srv.URL(), RedisConfig{SkipDurabilityCheck: true})
			if err != nil {
				t.Fatalf("with the check skipped: %v", err)
			}
			b.Close()
		})
	}
}
