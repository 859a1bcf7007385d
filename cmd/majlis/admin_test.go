package main

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOrganizerCommandsWhileServing: every organizer command works while
// serve holds the embedded store, through the owner-only socket in the
// data folder, and takes effect in the running service at once.
func TestOrganizerCommandsWhileServing(t *testing.T) {
	data := t.TempDir()
	addr := freePort(t)
	base := "http://localhost:" + strings.Split(addr, ":")[1]
	srv := startServe(t, data, addr, "--base-url", base)
	st, err := os.Stat(filepath.Join(data, "admin.sock"))
	if err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v %v, want a socket with mode 0600", st, err)
	}
	out, errOut, err := majlis(t, nil, "organizer", "add", "--name", "APF secretariat", "--region", "asia-pacific", "--data", data)
	if err != nil {
		t.Fatalf("add while serving: %v %s", err, errOut)
	}
	token := lastLine(out)
	if !strings.HasPrefix(token, "mjo_") || !strings.Contains(out, base+"/organizer/sign-in?link=mjl_") {
		t.Fatalf("add: want a sign-in link with the service's base URL and the token last:\n%s", out)
	}
	get := func(path, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get("/api/v1/tokens", token); code != http.StatusOK {
		t.Fatalf("the new organizer's token in the running service: %d", code)
	}
	out, _, err = majlis(t, nil, "organizer", "list", "--data", data)
	if err != nil || !strings.Contains(out, "APF secretariat") || !strings.Contains(out, "asia-pacific") {
		t.Fatalf("list while serving: %v %s", err, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, errOut, err = majlis(t, nil, "organizer", "link", "APF secretariat", "--data", data)
	if err != nil || !strings.Contains(out, base+"/organizer/sign-in?link=mjl_") {
		t.Fatalf("link by name while serving: %v %s %s", err, out, errOut)
	}
	link := lastLine(out)
	res, err := http.Get(link)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the link's page: %v %v", res, err)
	}
	res.Body.Close()
	if _, errOut, err := majlis(t, nil, "organizer", "link", "nobody", "--data", data); err == nil || !strings.Contains(errOut, "not found") {
		t.Fatalf("link for nobody: %v %s", err, errOut)
	}
	// Sign in with the link (no passkey): a session cookie.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = client.PostForm("http://"+addr+"/organizer/sign-in", url.Values{"link": {strings.TrimPrefix(link, base+"/organizer/sign-in?link=")}})
	if err != nil || res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("sign in with the link: %v %v", res, err)
	}
	res.Body.Close()
	session := res.Cookies()[0]
	withCookie := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/sessions", nil)
		req.AddCookie(session)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := withCookie(); code != http.StatusOK {
		t.Fatalf("the session cookie: %d", code)
	}
	if _, errOut, err := majlis(t, nil, "organizer", "revoke", id, "--data", data); err != nil {
		t.Fatalf("revoke while serving: %v %s", err, errOut)
	}
	if code := get("/api/v1/tokens", token); code != http.StatusUnauthorized {
		t.Fatalf("a revoked organizer's token still works: %d", code)
	}
	if code := withCookie(); code != http.StatusUnauthorized {
		t.Fatalf("a revoked organizer's session still works: %d", code)
	}
	if _, errOut, err := majlis(t, nil, "organizer", "revoke", "org_nope", "--data", data); err == nil || !strings.Contains(errOut, "not found") {
		t.Fatalf("revoke unknown while serving: %v %s", err, errOut)
	}
	// Stopped, the commands open the store themselves; a socket left
	// behind by a crash is not an obstacle.
	stop(t, srv)
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(data, "admin.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Stat(filepath.Join(data, "admin.sock")); err != nil {
		t.Fatalf("no stale socket: %v", err)
	}
	out, errOut, err = majlis(t, nil, "organizer", "add", "--name", "ENNHRI secretariat", "--data", data)
	if err != nil || !strings.HasPrefix(lastLine(out), "mjo_") {
		t.Fatalf("add while stopped, beside a stale socket: %v %s %s", err, out, errOut)
	}
	out, _, err = majlis(t, nil, "organizer", "list", "--data", data)
	if err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("list while stopped: %v %s", err, out)
	}
}
