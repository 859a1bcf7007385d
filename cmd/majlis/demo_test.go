package main

import (
	"encoding/json"
	"github.com/majlis/majlis/internal/syncbuf"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// demoServe runs `majlis serve --demo` and returns what it printed once
// it printed the participant's link.
func demoServe(t *testing.T, data, addr string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--demo", "--data", data, "--listen", addr)
	var logs syncbuf.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if out := logs.String(); strings.Contains(out, "participant: ") && strings.Contains(out, "majlis listening") {
			return cmd, out
		}
	}
	t.Fatalf("serve --demo printed no links:\n%s", logs.String())
	return nil, ""
}

// TestDemoLinksEveryRole: `majlis serve --demo` makes a webinar running
// now with its agenda and prints real links, at the base URL, for a demo
// organizer's sign-in, a host, two interpreters and a participant; each
// opens its page. Started again later, the webinar runs now again.
func TestDemoLinksEveryRole(t *testing.T) {
	data, addr := t.TempDir(), freePort(t)
	srv, out := demoServe(t, data, addr)
	base := "http://" + addr
	link := func(label string) string {
		t.Helper()
		m := regexp.MustCompile(regexp.QuoteMeta(label) + `\s*(http://\S+)`).FindStringSubmatch(out)
		if m == nil || !strings.HasPrefix(m[1], base+"/") {
			t.Fatalf("no %s link at %s in:\n%s", label, base, out)
		}
		return m[1]
	}
	get := func(u string) (int, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct{ label, path, want string }{
		{"sign-in link, once, 15 minutes):", "/organizer/sign-in?link=", "Welcome, Demo organizer."},
		{"host:", "/events/demo-live-webinar/session?token=mjj_", `id="session"`},
		{"interpreter (ar booth):", "/events/demo-live-webinar/booth?token=mjj_", `id="session"`},
		{"interpreter (fr booth):", "/events/demo-live-webinar/booth?token=mjj_", `id="session"`},
		{"participant:", "/events/demo-live-webinar/session?token=mjj_", `id="session"`},
	}
	for _, tc := range tests {
		u := link(tc.label)
		if !strings.Contains(u, tc.path) {
			t.Errorf("%s %s, want %s", tc.label, u, tc.path)
		}
		if status, body := get(u + "&lang=en"); status != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d, want %q", tc.label, u, status, tc.want)
		}
	}
	live := func() {
		t.Helper()
		_, body := get("http://" + addr + "/api/v1/events/demo-live-webinar")
		var e struct{ Start, End, Status string }
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		start, _ := time.Parse(time.RFC3339, e.Start)
		end, _ := time.Parse(time.RFC3339, e.End)
		if now := time.Now(); e.Status != "published" || now.Before(start) || !now.Before(end) {
			t.Fatalf("the demo webinar %+v is not running now", e)
		}
		_, body = get("http://" + addr + "/api/v1/events/demo-live-webinar/agenda")
		var a struct{ Items []struct{ Start string } }
		if err := json.Unmarshal([]byte(body), &a); err != nil || len(a.Items) != 5 || a.Items[0].Start != e.Start {
			t.Fatalf("agenda %s", body)
		}
	}
	live()
	stop(t, srv)
	_, again := demoServe(t, data, addr)
	if strings.Count(again, "participant: ") != 1 || strings.Contains(again, link("participant:")[len("http://"+addr):]) {
		t.Fatal("a second start printed no fresh invitation")
	}
	live()
}
