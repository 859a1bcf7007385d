package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/majlis/majlis/server"
)

// debugGet fetches path from f's debug handler (its own listener in
// cmd/majlis).
func debugGet(t *testing.T, f *fixture, path string) resp {
	t.Helper()
	ts := httptest.NewServer(f.srv.DebugHandler())
	t.Cleanup(ts.Close)
	res, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// TestMetricsCountsWithoutNames: the debug listener gives the process's
// figures and the room counts, and nothing that names a room or a member.
func TestMetricsCountsWithoutNames(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	f.anon("Amina Diallo")
	f.anon("Kwame Mensah")
	r := debugGet(t, f.fixture, "/debug/metrics")
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

// TestNoDebugOnThePublicListener: the public handler has no debug
// endpoints for anyone, a loopback client or an organizer included (they
// answered any loopback client, so a proxy or another user on the same
// host reached pprof); only the debug handler serves them.
func TestNoDebugOnThePublicListener(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name   string
		remote string
		header map[string]string
	}{
		{name: "loopback IPv4", remote: "127.0.0.1:40000"},
		{name: "loopback IPv6", remote: "[::1]:40000"},
		{name: "remote", remote: "203.0.113.7:40000"},
		{name: "organizer", remote: "203.0.113.7:40000", header: map[string]string{"Authorization": "Bearer " + f.alice}},
		{name: "loopback organizer", remote: "127.0.0.1:40000", header: map[string]string{"Authorization": "Bearer " + f.alice}},
	}
	for _, path := range []string{"/debug/metrics", "/debug/pprof/goroutine", "/debug/pprof/profile?seconds=1", "/debug/pprof/heap"} {
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
				got := resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
				if got.status != http.StatusNotFound {
					t.Fatalf("%d, want 404: %.200s", got.status, got.body)
				}
				if code, _ := errorOf(t, got); code != "not_found" {
					t.Fatalf("code %q", code)
				}
			})
		}
	}
	if r := debugGet(t, f, "/debug/pprof/goroutine?debug=1"); r.status != http.StatusOK || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("the debug handler: %d, nosniff %q", r.status, r.header.Get("X-Content-Type-Options"))
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
			r := debugGet(t, f, tt.path)
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
