package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/majlis/majlis/server"
)

// TestMetricsCountsWithoutNames: a local client reads the process's
// figures and the room counts, and nothing that names a room or a member.
func TestMetricsCountsWithoutNames(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	f.anon("Amina Diallo")
	f.anon("Kwame Mensah")
	r := f.do(req{method: "GET", path: "/debug/metrics"}) // from 127.0.0.1
	if r.status != http.StatusOK {
		t.Fatalf("metrics: %d %s", r.status, r.body)
	}
	var m server.Metrics
	mustUnmarshal(t, r.body, &m)
	if m.Rooms.Rooms != 1 || m.Rooms.Clients != 2 {
		t.Errorf("rooms %+v, want 1 room with 2 clients", m.Rooms)
	}
	if m.Process.RSS <= 0 || m.Process.OpenFiles <= 0 || m.Process.MaxOpenFiles == 0 || m.Process.CPUSeconds <= 0 {
		t.Errorf("process %+v: want RSS, open files and their limit, CPU time (this is Linux)", m.Process)
	}
	if m.Go.Goroutines <= 0 || m.Go.HeapInuse == 0 || m.Go.Sys == 0 || m.Go.GOMAXPROCS <= 0 {
		t.Errorf("go %+v", m.Go)
	}
	for _, secret := range []string{roomEvent, "Amina", "Kwame", "m-"} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Errorf("metrics reveal %q: %s", secret, r.body)
		}
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

// TestDebugAccess: the debug endpoints answer clients on loopback that
// came directly, and organizers from anywhere; proxied requests count as
// remote whatever address the proxy has.
func TestDebugAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name   string
		remote string
		header map[string]string
		expect int
	}{
		{name: "loopback IPv4", remote: "127.0.0.1:40000", expect: 200},
		{name: "loopback IPv6", remote: "[::1]:40000", expect: 200},
		{name: "other loopback address", remote: "127.3.2.1:40000", expect: 200},
		{name: "remote", remote: "203.0.113.7:40000", expect: 403},
		{name: "remote IPv6", remote: "[2001:db8::7]:40000", expect: 403},
		{name: "remote organizer", remote: "203.0.113.7:40000", header: map[string]string{"Authorization": "Bearer " + f.alice}, expect: 200},
		{name: "remote bad token", remote: "203.0.113.7:40000", header: map[string]string{"Authorization": "Bearer mjo_nope"}, expect: 401},
		{name: "remote claiming loopback", remote: "203.0.113.7:40000", header: map[string]string{"X-Forwarded-For": "127.0.0.1"}, expect: 403},
		{name: "remote claiming loopback (X-Real-IP)", remote: "203.0.113.7:40000", header: map[string]string{"X-Real-IP": "127.0.0.1"}, expect: 403},
		{name: "through a local proxy", remote: "127.0.0.1:40000", header: map[string]string{"X-Forwarded-For": "203.0.113.7"}, expect: 403},
		{name: "through a local proxy (X-Real-IP)", remote: "127.0.0.1:40000", header: map[string]string{"X-Real-IP": "203.0.113.7"}, expect: 403},
		{name: "through a local proxy (Forwarded)", remote: "127.0.0.1:40000", header: map[string]string{"Forwarded": "for=203.0.113.7"}, expect: 403},
		{name: "organizer through a proxy", remote: "127.0.0.1:40000", header: map[string]string{"X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer " + f.alice}, expect: 200},
	}
	for _, path := range []string{"/debug/metrics", "/debug/pprof/goroutine", "/debug/pprof/nothing-here"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				// The handler sees the request as net/http would give it
				// from that peer: only RemoteAddr and the headers matter.
				hr := httptest.NewRequest("GET", path, nil)
				hr.RemoteAddr = tt.remote
				for k, v := range tt.header {
					hr.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				f.srv.Handler().ServeHTTP(rec, hr)
				expect := tt.expect
				if expect == 200 && strings.HasSuffix(path, "nothing-here") {
					expect = 404
				}
				got := resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
				if got.status != expect {
					t.Fatalf("%d, want %d: %s", got.status, expect, got.body)
				}
				if expect != 200 {
					code, _ := errorOf(t, got)
					if want := map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}[expect]; code != want {
						t.Fatalf("code %q, want %q", code, want)
					}
				}
			})
		}
	}
}

// TestDebugProfiles: go tool pprof can read what the endpoints serve.
func TestDebugProfiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name   string
		path   string
		expect int
		body   string // a prefix of the body; "" for any non-empty body
	}{
		{name: "heap", path: "/debug/pprof/heap", expect: 200, body: "\x1f\x8b"}, // gzipped protobuf
		{name: "goroutines as text", path: "/debug/pprof/goroutine?debug=1", expect: 200, body: "goroutine profile:"},
		{name: "CPU for a second", path: "/debug/pprof/profile?seconds=1", expect: 200, body: "\x1f\x8b"},
		{name: "CPU for no time", path: "/debug/pprof/profile?seconds=0", expect: 400},
		{name: "CPU for too long", path: "/debug/pprof/profile?seconds=3600", expect: 400},
		{name: "bad debug level", path: "/debug/pprof/heap?debug=7", expect: 400},
		{name: "unknown profile", path: "/debug/pprof/secrets", expect: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := f.do(req{method: "GET", path: tt.path})
			if r.status != tt.expect {
				t.Fatalf("%d, want %d: %.200s", r.status, tt.expect, r.body)
			}
			if tt.expect != 200 {
				errorOf(t, r)
				return
			}
			if len(r.body) == 0 || !bytes.HasPrefix(r.body, []byte(tt.body)) {
				t.Fatalf("body %.40q, want it to start with %q", r.body, tt.body)
			}
		})
	}
}
