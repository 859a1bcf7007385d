package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "majlis-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "majlis")
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func majlis(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// lastLine is the last line of a command's output (organizer add prints
// the token there).
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndex(s, "\n")+1:])
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs `majlis serve` and waits until /readyz answers.
func startServe(t *testing.T, data, addr string, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--data", data, "--listen", addr}, extra...)...)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve did not become ready; logs:\n%s", logs.String())
	return nil
}

func stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// TestServeRefusesAnAddressInUse: an address already taken fails the
// start with the reason, and nothing says the server listens (it said so
// before binding, and a client that trusted the line was refused).
func TestServeRefusesAnAddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, args := range [][]string{
		{"--listen", taken.Addr().String()},
		{"--listen", freePort(t), "--debug-listen", taken.Addr().String()},
	} {
		_, errOut, err := majlis(t, nil, append([]string{"serve", "--data", t.TempDir()}, args...)...)
		if err == nil || !strings.Contains(errOut, "address already in use") || strings.Contains(errOut, "majlis listening") {
			t.Errorf("serve %v: %v\n%s", args, err, errOut)
		}
	}
}

func TestOrganizerCommands(t *testing.T) {
	data := t.TempDir()
	out, errOut, err := majlis(t, nil, "organizer", "add", "--name", "ENNHRI secretariat", "--region", "europe", "--data", data)
	if err != nil {
		t.Fatalf("add: %v %s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "mjo_") || len(token) < 40 {
		t.Fatalf("last line of stdout is not a token: %q", token)
	}
	raw, err := os.ReadFile(filepath.Join(data, "majlis.db"))
	if err != nil || bytes.Contains(raw, []byte(token)) {
		t.Fatalf("the token itself must never be stored (err %v)", err)
	}
	out, _, err = majlis(t, []string{"MAJLIS_DATA=" + data}, "organizer", "list")
	if err != nil || !strings.Contains(out, "ENNHRI secretariat") || !strings.Contains(out, "europe") || !strings.Contains(out, "active") {
		t.Fatalf("list: %v %s", err, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if _, errOut, err := majlis(t, nil, "organizer", "revoke", id, "--data", data); err != nil {
		t.Fatalf("revoke: %v %s", err, errOut)
	}
	out, _, _ = majlis(t, nil, "organizer", "list", "--data", data)
	if !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke: %s", out)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no name", []string{"organizer", "add", "--data", data}, "--name is required"},
		{"name with a bidi override", []string{"organizer", "add", "--name", "Head \u202eoffice", "--data", data}, "--name: contains U+202E"},
		{"bad region", []string{"organizer", "add", "--name", "x", "--region", "mars", "--data", data}, "--region"},
		{"redis unreachable", []string{"organizer", "add", "--name", "x", "--redis", "redis://127.0.0.1:1"}, "cannot reach 127.0.0.1:1"},
		{"redis URL", []string{"organizer", "add", "--name", "x", "--redis", "http://secret@example.org"}, "want redis://"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"bad trusted proxy", []string{"serve", "--data", data, "--trusted-proxies", "10.0.0.0/8,lb.example.org"}, "--trusted-proxies"},
		{"write delay not a duration", []string{"serve", "--data", data, "--write-delay", "20"}, "--write-delay"},
		{"write delay over a second", []string{"serve", "--data", data, "--write-delay", "2s"}, "--write-delay"},
		{"revoke unknown", []string{"organizer", "revoke", "org_nope", "--data", data}, "not found"},
	}
	for _, tc := range tests {
		_, errOut, err := majlis(t, nil, tc.args...)
		if err == nil || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: err %v, stderr %q; want failure mentioning %q", tc.name, err, errOut, tc.want)
		}
	}
	out, _, err = majlis(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "majlis ") {
		t.Fatalf("version: %v %q", err, out)
	}
}

// TestEventSurvivesRestart: an event created with an organizer token is
// there after the server restarts; the demo data is loaded once.
func TestEventSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	out, _, err := majlis(t, nil, "organizer", "add", "--name", "Head office", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	addr := freePort(t)
	srv := startServe(t, data, addr, "--demo")
	body := `{"kind":"webinar","title":{"en":"Reprisals: regional briefing"},"start":"2027-03-01T09:00:00Z",
	  "end":"2027-03-01T10:00:00Z","timezone":"Europe/Brussels","region":"europe","status":"published"}`
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create: %v %v", err, res.Status)
	}
	var created struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&created); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	stop(t, srv)

	startServe(t, data, addr, "--demo")
	res, err = http.Get("http://" + addr + "/api/v1/events?region=europe")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Events []struct{ ID, Start string } `json:"events"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range list.Events {
		got[e.ID] = e.Start
	}
	if got[created.ID] != "2027-03-01T09:00:00Z" || got["ennhri-webinar-rule-of-law"] != "2027-01-27T13:00:00Z" || len(list.Events) != 2 {
		t.Fatalf("europe events after restart: %v", got)
	}
	res2, err := http.Get("http://" + addr + "/api/v1/events/am-2021-hrd-consultation")
	if err != nil {
		t.Fatal(err)
	}
	defer res2.Body.Close()
	var ev struct{ Start, End, Timezone string }
	_ = json.NewDecoder(res2.Body).Decode(&ev)
	if ev.Start != "2021-07-01T14:30:00Z" || ev.End != "2021-07-01T16:00:00Z" || ev.Timezone != "Europe/Zurich" {
		t.Fatalf("demo consultation: %+v", ev)
	}
}

// TestSessionSurvivesRestart: a private feed URL keeps working across a
// restart (the secret is kept in the data folder), and a room's chat is
// still there for a client resuming after the restart.
func TestSessionSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	out, _, err := majlis(t, nil, "organizer", "add", "--name", "Head office", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	addr := freePort(t)
	srv := startServe(t, data, addr, "--demo")

	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/feeds/private", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("private feed URL: %v %v", err, res)
	}
	var feed struct{ URL string }
	_ = json.NewDecoder(res.Body).Decode(&feed)
	res.Body.Close()
	u, _ := url.Parse(feed.URL)
	feedPath := u.RequestURI()

	room := "ws://" + addr + "/ws/rooms/apf-webinar-climate"
	conn, _, err := websocket.DefaultDialer.Dial(room+"?name=Amina", nil)
	if err != nil {
		t.Fatal(err)
	}
	var welcome struct {
		Seq  uint64
		Data struct{ Epoch string }
	}
	if err := conn.ReadJSON(&welcome); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"type": "chat", "data": map[string]string{"text": "Kia ora, bonjour, مرحبا"}}); err != nil {
		t.Fatal(err)
	}
	for {
		var env struct {
			Type string
			Seq  uint64
		}
		if err := conn.ReadJSON(&env); err != nil {
			t.Fatal(err)
		}
		if env.Type == "chat" {
			break
		}
	}
	conn.Close()
	stop(t, srv)

	startServe(t, data, addr)
	res, err = http.Get("http://" + addr + feedPath)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("private feed after restart: %v %v", err, res)
	}
	res.Body.Close()
	conn, _, err = websocket.DefaultDialer.Dial(fmt.Sprintf("%s?name=Amina&since=%d&epoch=%s", room, welcome.Seq, url.QueryEscape(welcome.Data.Epoch)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var env struct {
			Type string
			Data json.RawMessage
		}
		if err := conn.ReadJSON(&env); err != nil {
			t.Fatalf("the chat did not survive the restart: %v", err)
		}
		if env.Type == "chat" {
			if !strings.Contains(string(env.Data), "مرحبا") {
				t.Fatalf("chat after restart: %s", env.Data)
			}
			return
		}
	}
}

// TestDebugListener: /debug is never on the public listener (a loopback
// client read pprof there); --debug-listen serves it on its own address.
func TestDebugListener(t *testing.T) {
	status := func(u string) int {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	addr, debug := freePort(t), freePort(t)
	startServe(t, t.TempDir(), addr, "--debug-listen", debug)
	for _, p := range []string{"/metrics", "/debug/metrics", "/debug/pprof/heap"} {
		if got := status("http://" + addr + p); got != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", p, got)
		}
		if got := status("http://" + debug + p); got != http.StatusOK {
			t.Errorf("debug listener %s: %d, want 200", p, got)
		}
	}
	if got := status("http://" + debug + "/api/v1/events"); got != http.StatusNotFound {
		t.Errorf("the debug listener serves the API: %d", got)
	}
	plain := freePort(t)
	startServe(t, t.TempDir(), plain)
	if got := status("http://" + plain + "/debug/metrics"); got != http.StatusNotFound {
		t.Errorf("without --debug-listen: /debug/metrics %d, want 404", got)
	}
}
