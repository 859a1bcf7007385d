package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/majlis/majlis/server"
)

// TestJoinLimitKeysOnTheRealClient: the per-address join limit (bursts
// of 20) cannot be dodged by a client that invents a new X-Forwarded-For
// for every join; behind a trusted proxy it applies to the address the
// proxy reports, so that one client is limited and others are not.
func TestJoinLimitKeysOnTheRealClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		trusted []string
		// xff gives the X-Forwarded-For header of join i.
		xff    func(i int) string
		expect int // joins accepted out of 30
	}{
		{"no proxy: forged headers change nothing", nil, func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }, 20},
		{"no proxy, no header", nil, func(int) string { return "" }, 20},
		{"trusted proxy: each client its own limit", []string{"127.0.0.1"}, func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }, 30},
		{"trusted proxy: one client is limited", []string{"127.0.0.0/8"}, func(int) string { return "203.0.113.7" }, 20},
		{"trusted proxy: a forged hop before the client's", []string{"127.0.0.1"}, func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.7", i) }, 20},
		{"another proxy is not trusted", []string{"192.0.2.1"}, func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One join an hour after the burst of 20: the count cannot
			// depend on how fast this machine dials.
			f := newRoomFixtureWith(t, server.Config{TrustedProxies: tt.trusted, JoinRate: rate.Every(time.Hour)}, nil)
			u := "ws" + strings.TrimPrefix(f.ts.URL, "http") + "/ws/rooms/" + roomEvent + "?name=Guest"
			accepted := 0
			for i := range 30 {
				h := http.Header{}
				if x := tt.xff(i); x != "" {
					h.Set("X-Forwarded-For", x)
				}
				conn, res, err := websocket.DefaultDialer.Dial(u, h)
				switch {
				case err == nil:
					accepted++
					conn.Close()
				case res != nil && res.StatusCode == http.StatusTooManyRequests:
				default:
					t.Fatalf("join %d: %v", i, err)
				}
			}
			if accepted != tt.expect {
				t.Errorf("%d of 30 joins accepted, want %d", accepted, tt.expect)
			}
		})
	}
}

func TestParseProxy(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"10.0.0.0/8", "192.0.2.10", " 2001:db8::1 ", "2001:db8::/32"} {
		if _, err := server.ParseProxy(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "proxy.example.org", "10.0.0.0/33", "300.1.1.1"} {
		if _, err := server.ParseProxy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
