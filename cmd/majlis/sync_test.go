package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeSyncsSources: `majlis serve` runs the syncer: a source added
// through the API is fetched without anyone asking, its events appear in
// the region's feed labelled with their source, and SIGTERM stops it all.
func TestServeSyncsSources(t *testing.T) {
	data := t.TempDir()
	out, _, err := majlis(t, nil, "organizer", "add", "--name", "ENNHRI secretariat", "--region", "europe", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	start := time.Now().UTC().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		fmt.Fprintf(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ENNHRI//EN\r\nBEGIN:VEVENT\r\nUID:ga@ennhri.example\r\nDTSTAMP:20270101T000000Z\r\n"+
			"DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:ENNHRI general assembly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			start.Format("20060102T150405Z"), start.Add(2*time.Hour).Format("20060102T150405Z"))
	}))
	defer feed.Close()
	addr := freePort(t)
	srv := startServe(t, data, addr, "--sources-allow-private") // the feed is on loopback
	base := "http://" + addr

	body := `{"region":"europe","name":"ENNHRI calendar","kind":"ics","url":"` + feed.URL + `/ennhri.ics"}`
	status := addSource(t, base, token, body, func(s sourceStatus) bool { return s.Status.State == "ok" })
	if status.Status.Added != 1 {
		t.Fatalf("status %+v", status)
	}
	res, err := http.Get(base + "/feeds/regions/europe.ics")
	if err != nil {
		t.Fatal(err)
	}
	ics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	unfolded := strings.ReplaceAll(string(ics), "\r\n ", "")
	for _, want := range []string{"SUMMARY;LANGUAGE=en:ENNHRI general assembly", "Source: ENNHRI calendar", "CATEGORIES:regional,europe"} {
		if !strings.Contains(unfolded, want) {
			t.Fatalf("the region's feed lacks %q:\n%s", want, ics)
		}
	}
	stop(t, srv)
}

// TestServeRefusesPrivateSources: by default a source on a private address
// (here loopback) is not fetched; its status says why, and nothing is
// imported.
func TestServeRefusesPrivateSources(t *testing.T) {
	data := t.TempDir()
	out, _, err := majlis(t, nil, "organizer", "add", "--name", "ENNHRI secretariat", "--region", "europe", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	var asked atomic.Bool
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(true)
		w.Header().Set("Content-Type", "text/calendar")
		fmt.Fprint(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n")
	}))
	defer feed.Close()
	addr := freePort(t)
	startServe(t, data, addr)
	base := "http://" + addr
	body := `{"region":"europe","name":"Internal","kind":"ics","url":"` + feed.URL + `/admin.ics"}`
	status := addSource(t, base, token, body, func(s sourceStatus) bool { return s.Status.LastError != "" })
	if !strings.Contains(status.Status.LastError, "public addresses only") || status.Status.Added != 0 || asked.Load() {
		t.Fatalf("a private source: %+v (reached: %v)", status, asked.Load())
	}
}

// sourceStatus is the part of GET /api/v1/sources/{id} the tests read.
type sourceStatus struct {
	Status struct {
		State     string `json:"state"`
		LastError string `json:"last_error"`
		Added     int    `json:"added"`
	} `json:"status"`
}

// addSource creates a source through the API of the server at base, then
// polls it until done says so (20 s at most) and returns what it read.
func addSource(t *testing.T, base, token, body string, done func(sourceStatus) bool) sourceStatus {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/sources", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create source: %v %v", err, res)
	}
	var in struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&in); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var status sourceStatus
	deadline := time.Now().Add(20 * time.Second)
	for !done(status) {
		if time.Now().After(deadline) {
			t.Fatalf("source %s: still %+v after 20 s", in.ID, status)
		}
		time.Sleep(100 * time.Millisecond)
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/sources/"+in.ID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewDecoder(res.Body).Decode(&status); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	return status
}
