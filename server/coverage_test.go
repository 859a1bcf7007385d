package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type coverageJSON struct {
	Event    string `json:"event"`
	Language string `json:"language"`
	Items    []struct {
		Item, Title, Start, End string
		Seconds                 float64
		Channels                []struct {
			Channel          string  `json:"channel"`
			LiveSeconds      float64 `json:"live_seconds"`
			ListenerSeconds  float64 `json:"listener_seconds"`
			AverageListeners float64 `json:"average_listeners"`
			PeakListeners    int     `json:"peak_listeners"`
		}
	}
}

// TestCoverageReport runs a session through two agenda items with a booth
// going live and off air and a listener switching channel, on a clock the
// test moves, and checks the report's figures in JSON and CSV.
func TestCoverageReport(t *testing.T) {
	clock := &testClock{now: time.Now().UTC().Truncate(time.Second)}
	mem := broker.NewMemory(broker.MemoryConfig{Now: clock.Now})
	f := newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		return realtime.New(realtime.Config{Now: clock.Now}, mem, st)
	})
	path := "/api/v1/events/" + roomEvent + "/coverage"
	if r := f.do(req{method: "GET", path: path, token: f.alice}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"items":[]`) {
		t.Fatalf("before anyone joined: %d %s", r.status, r.body)
	}
	t0 := clock.Now()

	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	anne := f.interpreter("Anne", "fr", "en")
	l1, l2 := f.anon("Listener 1"), f.anon("Listener 2")
	l1.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	l1.expectSkipping(realtime.MsgMember)
	l2.send(realtime.CmdChannel, "", map[string]string{"channel": "es"})
	l2.expectSkipping(realtime.MsgMember)
	host.send(realtime.CmdAgendaStart, "", map[string]string{"item": "it-open"})
	host.expectSkipping(realtime.MsgAgenda)

	clock.advance(60 * time.Second) // t0+60: Anne goes live
	anne.send(realtime.CmdBoothTake, "", nil)
	host.interpUntil(func(v interpViewT) bool { return v.live("fr") == anne.id })

	clock.advance(120 * time.Second) // t0+180: listener 2 moves to French
	l2.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	l2.expectSkipping(realtime.MsgMember)

	clock.advance(30 * time.Second) // t0+210: the talk starts
	host.send(realtime.CmdAgendaStart, "", map[string]string{"item": "it-talk"})
	host.expectSkipping(realtime.MsgAgenda)

	clock.advance(40 * time.Second) // t0+250: the host takes the booth off air
	host.send(realtime.CmdBoothForce, "", map[string]string{"booth": "fr", "id": ""})
	host.interpUntil(func(v interpViewT) bool { return v.live("fr") == "" })

	clock.advance(10 * time.Second)                                      // t0+260: the report
	r := f.do(req{method: "GET", path: path + "?lang=fr", token: f.bob}) // another organizer who may see the event
	if r.status != http.StatusOK {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	var rep coverageJSON
	mustUnmarshal(t, r.body, &rep)
	type figures struct {
		seconds, live, listenerSeconds float64
		peak                           int
	}
	got := map[string]figures{}
	for _, it := range rep.Items {
		for _, ch := range it.Channels {
			got[it.Item+"/"+ch.Channel] = figures{it.Seconds, ch.LiveSeconds, ch.ListenerSeconds, ch.PeakListeners}
		}
		if it.Item == "it-open" && (it.Title != "Opening" || it.Start != t0.Format(time.RFC3339) || it.End != t0.Add(210*time.Second).Format(time.RFC3339)) {
			t.Errorf("it-open: title %q (English fallback), %s – %s", it.Title, it.Start, it.End)
		}
	}
	want := map[string]figures{
		// Listener 1 on French for 210 s, listener 2 for the last 30 s.
		"it-open/fr": {210, 150, 240, 2},
		"it-open/es": {210, 0, 180, 1},
		// The host hears the floor; nobody had the floor.
		"it-open/floor": {210, 0, 210, 1},
		"it-talk/fr":    {50, 40, 100, 2},
		"it-talk/es":    {50, 0, 0, 0},
		"it-qa/fr":      {},
	}
	for key, w := range want {
		if g := got[key]; g != w {
			t.Errorf("%s: got %+v, want %+v", key, g, w)
		}
	}

	// The same figures as CSV, asked for with Accept.
	r = f.do(req{method: "GET", path: path, token: f.alice, header: map[string]string{"Accept": "text/csv"}})
	if ct := r.header.Get("Content-Type"); r.status != http.StatusOK || !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("csv: %d %s %s", r.status, ct, r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, r.body)
	}
	header := []string{"item", "title", "start", "end", "seconds", "channel", "live_seconds", "listener_seconds", "average_listeners", "peak_listeners"}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		t.Fatalf("csv header: %v", rows)
	}
	wantRow := []string{"it-open", "Opening", t0.Format(time.RFC3339), t0.Add(210 * time.Second).Format(time.RFC3339), "210", "fr", "150", "240", "1.14", "2"}
	if !slices.ContainsFunc(rows, func(row []string) bool { return slices.Equal(row, wantRow) }) {
		t.Errorf("csv has no row %v:\n%s", wantRow, r.body)
	}

	// More listeners join (joins store no state) and one leaves. An
	// instance that never ran the room rebuilds the coverage from the
	// stored state and the log; it must match, to the millisecond, the
	// room's own.
	f.anon("Listener 3").send(realtime.CmdChannel, "", map[string]string{"channel": "es"})
	clock.advance(5 * time.Second)
	f.anon("Listener 4")
	clock.advance(5 * time.Second)
	l1.conn.Close()
	for env := host.expectSkipping(realtime.MsgLeave); env.From != l1.id; env = host.expectSkipping(realtime.MsgLeave) {
	}
	clock.advance(3 * time.Second)
	f.anon("Listener 5")
	clock.advance(4 * time.Second)
	f.anon("Listener 6")
	clock.advance(7 * time.Second)
	other := server.New(server.Config{BaseURL: "https://majlis.example.org", Rooms: realtime.New(realtime.Config{Now: clock.Now}, mem, f.st)}, f.st, f.svc)
	ts := httptest.NewServer(other.Handler())
	defer ts.Close()
	defer shutdown(other)
	fromRoom := f.do(req{method: "GET", path: path, token: f.alice})
	g := *f.fixture
	g.ts = ts
	fromLog := g.do(req{method: "GET", path: path, token: f.alice})
	if fromRoom.status != http.StatusOK || string(fromRoom.body) != string(fromLog.body) {
		t.Errorf("the room says\n%s\nthe log says\n%s", fromRoom.body, fromLog.body)
	}
}

// TestCoverageReportRefusals checks who may read the report and that bad
// parameters are named.
func TestCoverageReportRefusals(t *testing.T) {
	f := newRoomFixture(t, nil)
	path := "/api/v1/events/" + roomEvent + "/coverage"
	tests := []struct {
		name       string
		path       string
		token      string
		wantStatus int
		wantField  string
	}{
		{name: "anonymous", path: path, wantStatus: http.StatusUnauthorized},
		{name: "unknown event", path: "/api/v1/events/nope/coverage", token: f.alice, wantStatus: http.StatusNotFound},
		{name: "bad format", path: path + "?format=xml", token: f.alice, wantStatus: http.StatusBadRequest, wantField: "format"},
		{name: "bad language", path: path + "?lang=de", token: f.alice, wantStatus: http.StatusBadRequest, wantField: "lang"},
		{name: "unknown parameter", path: path + "?since=1", token: f.alice, wantStatus: http.StatusBadRequest, wantField: "since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := f.do(req{method: "GET", path: tt.path, token: tt.token})
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			_, fields := errorOf(t, r)
			if tt.wantField != "" && fields[tt.wantField] == "" {
				t.Errorf("field %q not named: %s", tt.wantField, r.body)
			}
		})
	}
}

// TestCoverageAcrossInstances runs a session on two instances sharing a
// real redis-server: the interpreter and host on one, the listener on the
// other. Once the session is over, both instances and a third started
// afterwards (as after a restart) report exactly the same figures, and the
// listener on the other instance is counted.
func TestCoverageAcrossInstances(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	node := func(st *store.Bolt, instance string) *realtime.Node { return redisNode(t, rs, "cov:", instance, st) }
	a := newRoomFixture(t, func(st *store.Bolt) *realtime.Node { return node(st, "a") })
	instance := func(name string) *roomFixture { return a.instance(node(a.st, name)) }
	b := instance("b")

	host, _ := a.join("alice", "token="+url.QueryEscape(a.alice))
	omar := a.interpreter("Omar", "ar", "en") // stays to the end, neither live nor listening
	anne := a.interpreter("Anne", "fr", "en")
	host.send(realtime.CmdAgendaStart, "", map[string]string{"item": "it-open"})
	host.expectSkipping(realtime.MsgAgenda)
	anne.send(realtime.CmdBoothTake, "", nil)
	host.interpUntil(func(v interpViewT) bool { return v.live("fr") == anne.id })
	listener := b.anon("Listener on b")
	listener.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	listener.expectSkipping(realtime.MsgMember)
	host.send(realtime.CmdAgendaEnd, "", map[string]string{"item": "it-open"})
	host.expectSkipping(realtime.MsgAgenda)
	for _, m := range []*member{listener, anne, host} {
		m.conn.Close()
		for {
			env := omar.expectSkipping(realtime.MsgLeave)
			if env.From == m.id {
				break
			}
		}
	}

	report := func(f *roomFixture) string {
		r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/coverage", token: f.alice})
		if r.status != http.StatusOK {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		var rep coverageJSON
		mustUnmarshal(t, r.body, &rep)
		out, _ := json.Marshal(rep.Items)
		return string(out)
	}
	fromA, fromB, fromC := report(a), report(b), report(instance("c"))
	if fromA != fromB || fromA != fromC {
		t.Errorf("the instances disagree:\na %s\nb %s\nc %s", fromA, fromB, fromC)
	}
	var items []struct {
		Item     string
		Channels []struct {
			Channel       string  `json:"channel"`
			LiveSeconds   float64 `json:"live_seconds"`
			PeakListeners int     `json:"peak_listeners"`
		}
	}
	mustUnmarshal(t, []byte(fromA), &items)
	peaks := map[string]int{}
	for _, it := range items {
		for _, ch := range it.Channels {
			peaks[it.Item+"/"+ch.Channel] = ch.PeakListeners
			if it.Item == "it-open" && ch.Channel == "fr" && ch.LiveSeconds < 0 {
				t.Errorf("negative live time: %s", fromA)
			}
		}
	}
	// The listener arrives on the floor (no language of theirs) beside the
	// host, then moves to French; after the item, until they leave, the
	// time counts outside items.
	for key, want := range map[string]int{"it-open/fr": 1, "it-open/floor": 2, "it-open/es": 0, "it-open/ar": 0, "/fr": 1} {
		if peaks[key] != want {
			t.Errorf("%s: peak %d, want %d (%s)", key, peaks[key], want, fromA)
		}
	}
}
