package redisconn_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/internal/redisconn"
	"github.com/majlis/majlis/internal/redistest"
)

// TestErrorsCounted: a failed call to Redis is counted under the package
// that opened the client (majlis_redis_errors_total); a missing key is an
// answer, not an error.
func TestErrorsCounted(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	client, err := redisconn.Open(ctx, "errorstest", srv.URL(), redisconn.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.Get(ctx, "no-such-key").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("get: %v", err)
	}
	if n := redisconn.Errors()["errorstest"]; n != 0 {
		t.Fatalf("%d errors after a missing key, want 0", n)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, "k", "v", 0).Err(); err == nil {
		t.Fatal("set with Redis killed: no error")
	}
	if n := redisconn.Errors()["errorstest"]; n == 0 {
		t.Fatal("a failed call was not counted")
	}
}
