package calendar_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/calendar"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr   string
		expect bool
	}{
		{"1.1.1.1", true},
		{"2a00:1450:4007:80e::200e", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fd00::1", false},
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false}, // mapped loopback
		{"::ffff:8.8.8.8", true},
		{"198.51.100.7", false},
		{"64:ff9b::7f00:1", false},                      // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false},                   // NAT64 of the cloud metadata address
		{"64:ff9b:1::1", false},                         // local-use NAT64
		{"2002:7f00:1::1", false},                       // 6to4 of 127.0.0.1
		{"2002:a00:1::1", false},                        // 6to4 of 10.0.0.1
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo
		{"2001:2::1", false},                            // benchmarking
		{"192.88.99.1", false},                          // 6to4 relay anycast
		{"240.0.0.1", false},                            // reserved
		{"::7f00:1", false},                             // IPv4-compatible 127.0.0.1
		{"100::1", false},                               // discard-only
		{"3fff::1", false},                              // documentation
		{"5f00::1", false},                              // SRv6
		{"fec0::1", false},                              // site-local
		{"4000::1", false},                              // unallocated, outside 2000::/3
		{"2620:4f:8000::1", true},                       // AS112, a real global address
		{"8.8.8.8", true},
	}
	for _, tt := range tests {
		if got := calendar.Public(netip.MustParseAddr(tt.addr)); got != tt.expect {
			t.Errorf("Public(%s) = %v, want %v", tt.addr, got, tt.expect)
		}
	}
}

// TestPublicClientRefusesPrivate: a source on loopback (here a real
// server that would answer) is refused before any byte is sent, whether
// the URL names the address or a name that resolves to it.
func TestPublicClientRefusesPrivate(t *testing.T) {
	t.Parallel()
	var asked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(true)
		w.Write([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := calendar.PublicClient(5 * time.Second)
	for _, u := range []string{srv.URL + "/cal.ics", "http://localhost:" + port + "/cal.ics"} {
		res, err := c.Get(u)
		if err == nil {
			res.Body.Close()
			t.Fatalf("GET %s through PublicClient succeeded", u)
		}
		if !errors.Is(err, calendar.ErrPrivateAddress) {
			t.Errorf("GET %s: %v, want ErrPrivateAddress", u, err)
		}
	}
	if asked.Load() {
		t.Error("the private server was reached")
	}
}
