package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/internal/syncbuf"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
	"github.com/redis/go-redis/v9"
)

// TestRateLimitsSpanInstances: two instances behind a load balancer over
// one Redis store allow one client address what one instance would (30
// sign-in attempts at once, then one per 3 s), not twice as much; the
// answer over the limit is a 429 with Retry-After; and Redis holds no
// client address.
func TestRateLimitsSpanInstances(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	st, err := store.OpenRedis(ctx, rs.URL(), store.RedisConfig{Prefix: "limits-test:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var urls []string
	for range 2 {
		svc := agenda.New(agenda.Config{}, st)
		srv := server.New(server.Config{BaseURL: "https://majlis.example.org"}, st, svc)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		urls = append(urls, ts.URL)
	}
	began := time.Now()
	allowed := 0
	var over *http.Response
	for i := range 45 {
		form := url.Values{"link": {fmt.Sprintf("mjl_not-a-link-%d", i)}}
		res, err := http.PostForm(urls[i%2]+"/organizer/sign-in", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests {
			allowed++
		} else if over == nil {
			over = res
		}
	}
	// The limit refills one attempt every 3 s while the test runs: count
	// those, so that a slow machine does not fail it. One instance's
	// limit each would have let all 45 through (22 or 23 each).
	most := 30 + int(time.Since(began)/(3*time.Second)) + 1
	if allowed < 30 || allowed > most || over == nil {
		t.Fatalf("45 sign-in attempts from one address through two instances: %d allowed, want 30 to %d (the burst once)", allowed, most)
	}
	if got := over.Header.Get("Retry-After"); got != "3" {
		t.Fatalf("Retry-After %q, want 3 (one attempt per 3 s)", got)
	}
	rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	t.Cleanup(func() { rc.Close() })
	keys, err := rc.Keys(ctx, "limits-test:rate:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("rate keys in Redis: %v, %v; want the sign-in limit's", keys, err)
	}
	for _, k := range keys {
		v, _ := rc.Get(ctx, k).Result()
		if strings.Contains(k+v, "127.0.0.1") || strings.Contains(k, "sign-in") {
			t.Fatalf("Redis key %q = %q names the client address or the limit", k, v)
		}
	}
}

// TestRateLimitOutageLogsOnce: while the store that counts the limits is
// unreachable, requests go on (a limit makes no outage of its own), and
// the failure is logged once, not once per request.
func TestRateLimitOutageLogsOnce(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	st, err := store.OpenRedis(ctx, rs.URL(), store.RedisConfig{Prefix: "limits-outage:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var logs syncbuf.Buffer
	srv := server.New(server.Config{BaseURL: "https://majlis.example.org",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}, st, agenda.New(agenda.Config{}, st))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	if err := rs.Stop(); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		res, err := http.Get(ts.URL + "/api/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("a request refused while the limits cannot be counted: %d", res.StatusCode)
		}
	}
	if n := strings.Count(logs.String(), "rate limit unavailable"); n != 1 {
		t.Errorf("%d warnings for 20 requests while Redis is down, want 1:\n%s", n, logs.String())
	}
}
