package calendar_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/store"
)

var ctx = context.Background()

// clock is a settable time for the syncer and the agenda service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// t0 is "now" in these tests: a Monday in January 2027.
var t0 = time.Date(2027, 1, 11, 8, 0, 0, 0, time.UTC)

// icsSource is a regional network's ICS feed over HTTP: it answers with
// body, an ETag and a Last-Modified, 304 to matching conditional
// requests, and can be made to fail.
type icsSource struct {
	mu          sync.Mutex
	body        string
	version     int
	status      int           // answer with this status instead (0: normal)
	delay       time.Duration // wait this long before answering
	requests    int
	conditional int // requests that sent If-None-Match or If-Modified-Since
	srv         *httptest.Server
}

func newICSSource(t testing.TB, body string) *icsSource {
	s := &icsSource{body: body, version: 1}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *icsSource) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	body, status, delay, tag := s.body, s.status, s.delay, fmt.Sprintf(`"v%d"`, s.version)
	modified := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.version) * time.Hour).Format(http.TimeFormat)
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		s.conditional++
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		http.Error(w, "broken", status)
		return
	}
	if r.Header.Get("If-None-Match") == tag || (r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == modified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", tag)
	w.Header().Set("Last-Modified", modified)
	w.Header().Set("Content-Type", "text/calendar")
	fmt.Fprint(w, body)
}

func (s *icsSource) set(f func(s *icsSource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *icsSource) counts() (requests, conditional int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.conditional
}

// harness is a store, an agenda service and a syncer on one clock.
type harness struct {
	clock  *clock
	store  *store.Bolt
	agenda *agenda.Service
	sync   *calendar.Syncer
}

func newHarness(t testing.TB, cfg calendar.SyncConfig) *harness {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: t0}
	svc := agenda.New(agenda.Config{Now: c.Now}, st)
	cfg.Now = c.Now
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 2 * time.Second}
	}
	return &harness{clock: c, store: st, agenda: svc, sync: calendar.NewSyncer(cfg, st, svc)}
}

func (h *harness) addSource(t *testing.T, src calendar.Source) {
	t.Helper()
	if err := src.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.PutSource(ctx, src, 0); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) syncOK(t *testing.T, id string) calendar.Status {
	t.Helper()
	st, err := h.sync.Sync(ctx, id)
	if err != nil {
		t.Fatalf("sync %s: %v", id, err)
	}
	return st
}

// imported returns the source's events by UID (recurrence instances as
// UID#recurrence-id).
func (h *harness) imported(t *testing.T, source string) map[string]agenda.Event {
	t.Helper()
	evs, err := h.store.ListEvents(ctx, agenda.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]agenda.Event{}
	for _, e := range evs {
		if e.Origin != nil && e.Origin.Source == source {
			k := e.Origin.UID
			if e.Origin.RecurrenceID != "" {
				k += "#" + e.Origin.RecurrenceID
			}
			out[k] = e
		}
	}
	return out
}

// vevent is one VEVENT of a test calendar.
func vevent(uid, summary string, start time.Time, extra ...string) string {
	lines := []string{"BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20270101T000000Z",
		"DTSTART:" + start.UTC().Format("20060102T150405Z"), "DTEND:" + start.Add(time.Hour).UTC().Format("20060102T150405Z"),
		"SUMMARY:" + summary}
	lines = append(lines, extra...)
	return strings.Join(append(lines, "END:VEVENT"), "\r\n") + "\r\n"
}

func vcalendar(props string, events ...string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ENNHRI//test//EN\r\n" + props + strings.Join(events, "") + "END:VCALENDAR\r\n"
}

// network returns a calendar of n weekly webinars from t0.
func network(n int, props string) string {
	var evs []string
	for i := range n {
		evs = append(evs, vevent(fmt.Sprintf("w%d@ennhri.example", i), fmt.Sprintf("Webinar %d", i), t0.Add(time.Duration(i)*7*24*time.Hour)))
	}
	return vcalendar(props, evs...)
}

func icsSourceOf(srv *icsSource) calendar.Source {
	return calendar.Source{ID: "ennhri", Region: agenda.RegionEurope, Name: "ENNHRI calendar", Kind: calendar.SourceICS, URL: srv.srv.URL + "/calendar.ics"}
}

func TestICSPollingConditionalGETAndRefresh(t *testing.T) {
	t.Parallel()
	src := newICSSource(t, network(3, "REFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n"))
	h := newHarness(t, calendar.SyncConfig{})
	h.addSource(t, icsSourceOf(src))

	h.sync.SyncDue(ctx) // a new source is due at once
	st, _ := h.store.GetStatus(ctx, "ennhri")
	if st.State != calendar.StateOK || st.Result != calendar.ResultChanged || st.Added != 3 || !st.NextFetch.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("first fetch: %+v", st)
	}
	evs := h.imported(t, "ennhri")
	if e := evs["w1@ennhri.example"]; len(evs) != 3 || e.Region != agenda.RegionEurope || e.Kind != agenda.KindRegional ||
		e.Title["en"] != "Webinar 1" || e.Origin.Name != "ENNHRI calendar" || !e.Start.Equal(t0.Add(7*24*time.Hour)) {
		t.Fatalf("imported: %+v", evs)
	}

	h.clock.Add(time.Hour) // REFRESH-INTERVAL not yet over: nothing fetched
	h.sync.SyncDue(ctx)
	if n, _ := src.counts(); n != 1 {
		t.Fatalf("%d requests before the refresh interval was over, want 1", n)
	}
	h.clock.Add(time.Hour + time.Second)
	h.sync.SyncDue(ctx)
	st, _ = h.store.GetStatus(ctx, "ennhri")
	if n, cond := src.counts(); n != 2 || cond != 1 || st.Result != calendar.ResultNotModified || st.Added+st.Updated+st.Cancelled != 0 {
		t.Fatalf("second fetch: %d requests (%d conditional), status %+v", n, cond, st)
	}

	// The network moves one webinar and drops another.
	src.set(func(s *icsSource) {
		s.version++
		s.body = vcalendar("REFRESH-INTERVAL;VALUE=DURATION:PT1M\r\n", vevent("w0@ennhri.example", "Webinar 0", t0),
			vevent("w1@ennhri.example", "Webinar 1 (moved)", t0.Add(8*24*time.Hour)))
	})
	st = h.syncOK(t, "ennhri")
	evs = h.imported(t, "ennhri")
	if st.Added != 0 || st.Updated != 1 || st.Cancelled != 1 || evs["w2@ennhri.example"].Status != agenda.StatusCancelled ||
		evs["w1@ennhri.example"].Sequence != 1 || evs["w1@ennhri.example"].Title["en"] != "Webinar 1 (moved)" {
		t.Fatalf("after the change: status %+v, events %+v", st, evs)
	}
	if want := h.clock.Now().Add(15 * time.Minute); !st.NextFetch.Equal(want) {
		t.Fatalf("a 1-minute REFRESH-INTERVAL gives next fetch %v, want the 15-minute floor %v", st.NextFetch, want)
	}
}

func TestRefreshIntervalCeiling(t *testing.T) {
	t.Parallel()
	src := newICSSource(t, network(1, "X-PUBLISHED-TTL:P7D\r\n"))
	h := newHarness(t, calendar.SyncConfig{MaxRefresh: 12 * time.Hour})
	h.addSource(t, icsSourceOf(src))
	if st := h.syncOK(t, "ennhri"); !st.NextFetch.Equal(t0.Add(12 * time.Hour)) {
		t.Fatalf("a 7-day interval gives next fetch %v, want the 12 h ceiling", st.NextFetch)
	}
}

// A fetch that fails keeps the last good copy: no event changes, the
// error is on the source, and the next try backs off.
func TestICSFailuresKeepTheLastGoodCopy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		when   func(s *icsSource)
		expect string // in the status's last error
	}{
		{"server error", func(s *icsSource) { s.status = http.StatusInternalServerError }, "HTTP 500"},
		{"timeout", func(s *icsSource) { s.delay = 5 * time.Second }, "Timeout"},
		{"malformed", func(s *icsSource) {
			s.version++
			s.body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
		}, "malformed"},
		{"not a calendar", func(s *icsSource) { s.version++; s.body = "<html>maintenance</html>" }, "malformed"},
		{"oversized", func(s *icsSource) { s.version++; s.body = network(300, "") }, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := newICSSource(t, network(12, ""))
			h := newHarness(t, calendar.SyncConfig{MaxBytes: 16 << 10, BaseBackoff: 10 * time.Minute,
				Client: &http.Client{Timeout: 300 * time.Millisecond}})
			source := icsSourceOf(src)
			source.URL += "?token=private-feed-secret" // a private feed's URL
			h.addSource(t, source)
			if st := h.syncOK(t, "ennhri"); st.Added != 12 {
				t.Fatalf("first fetch: %+v", st)
			}
			before := h.imported(t, "ennhri")
			src.set(tc.when)
			st := h.syncOK(t, "ennhri")
			if st.State != calendar.StateError || st.Result != calendar.ResultError || st.Failures != 1 ||
				!strings.Contains(st.LastError, tc.expect) || st.ETag != `"v1"` {
				t.Fatalf("status after the failure: %+v (want an error with %q, the last good ETag kept)", st, tc.expect)
			}
			if strings.Contains(st.LastError, "private-feed-secret") {
				t.Fatalf("the error shows the feed's secret: %s", st.LastError)
			}
			if lo, hi := t0.Add(8*time.Minute), t0.Add(12*time.Minute); st.NextFetch.Before(lo) || st.NextFetch.After(hi) {
				t.Fatalf("next fetch %v, want the 10-minute back-off ±20%%", st.NextFetch)
			}
			after := h.imported(t, "ennhri")
			for uid, e := range before {
				if a := after[uid]; a.Status != agenda.StatusPublished || a.Version != e.Version {
					t.Fatalf("event %s changed after a failed fetch: %+v", uid, a)
				}
			}
			st = h.syncOK(t, "ennhri") // a second failure in a row backs off twice as long
			if lo, hi := t0.Add(16*time.Minute), t0.Add(24*time.Minute); st.Failures != 2 || st.NextFetch.Before(lo) || st.NextFetch.After(hi) {
				t.Fatalf("second failure: %+v", st)
			}
		})
	}
}

// An empty calendar from a source that had many events is held for an
// organizer's confirmation instead of cancelling them all.
func TestEmptyFeedNeedsConfirmation(t *testing.T) {
	t.Parallel()
	src := newICSSource(t, network(12, ""))
	h := newHarness(t, calendar.SyncConfig{})
	h.addSource(t, icsSourceOf(src))
	h.syncOK(t, "ennhri")
	src.set(func(s *icsSource) { s.version++; s.body = vcalendar("") })
	st := h.syncOK(t, "ennhri")
	if st.State != calendar.StateNeedsConfirmation || len(st.PendingCancel) != 12 || st.Cancelled != 0 {
		t.Fatalf("status: %+v", st)
	}
	for uid, e := range h.imported(t, "ennhri") {
		if e.Status != agenda.StatusPublished {
			t.Fatalf("%s was cancelled without confirmation", uid)
		}
	}
	st, err := h.sync.Confirm(ctx, "ennhri")
	if err != nil || st.State != calendar.StateOK || st.Cancelled != 12 {
		t.Fatalf("confirm: %+v, %v", st, err)
	}
	for uid, e := range h.imported(t, "ennhri") {
		if e.Status != agenda.StatusCancelled {
			t.Fatalf("%s not cancelled after confirmation", uid)
		}
	}
	if _, err := h.sync.Confirm(ctx, "ennhri"); err == nil {
		t.Fatal("a second confirmation succeeded with nothing pending")
	}
}

// A feed that cancels a few events (under the threshold) is applied at
// once, and a STATUS:CANCELLED event is imported as cancelled.
func TestFewCancellationsApplyAtOnce(t *testing.T) {
	t.Parallel()
	src := newICSSource(t, network(12, ""))
	h := newHarness(t, calendar.SyncConfig{})
	h.addSource(t, icsSourceOf(src))
	h.syncOK(t, "ennhri")
	src.set(func(s *icsSource) {
		s.version++
		s.body = strings.Replace(network(11, ""), "SUMMARY:Webinar 3", "STATUS:CANCELLED\r\nSUMMARY:Webinar 3", 1)
	})
	st := h.syncOK(t, "ennhri")
	evs := h.imported(t, "ennhri")
	if st.State != calendar.StateOK || st.Cancelled != 1 || st.Updated != 1 ||
		evs["w11@ennhri.example"].Status != agenda.StatusCancelled || evs["w3@ennhri.example"].Status != agenda.StatusCancelled {
		t.Fatalf("status %+v", st)
	}
}

// progressStore records the progress a sync writes on its way.
type progressStore struct {
	*store.Bolt
	mu   sync.Mutex
	seen []calendar.Status
}

func (p *progressStore) PutStatus(ctx context.Context, id string, st calendar.Status) error {
	if st.Progress != nil {
		p.mu.Lock()
		p.seen = append(p.seen, st)
		p.mu.Unlock()
	}
	return p.Bolt.PutStatus(ctx, id, st)
}

// A long first import shows its progress on the source while it runs.
func TestLongImportShowsProgress(t *testing.T) {
	t.Parallel()
	src := newICSSource(t, network(120, ""))
	h := newHarness(t, calendar.SyncConfig{})
	rec := &progressStore{Bolt: h.store}
	syncer := calendar.NewSyncer(calendar.SyncConfig{Now: h.clock.Now, Future: 1000 * 24 * time.Hour}, rec, h.agenda)
	h.addSource(t, icsSourceOf(src))
	st, err := syncer.Sync(ctx, "ennhri")
	if err != nil || st.Added != 120 || st.Progress != nil || st.State != calendar.StateOK {
		t.Fatalf("final status %+v, %v", st, err)
	}
	var done []int
	for _, s := range rec.seen {
		if s.State != calendar.StateSyncing || s.Progress.Total != 120 {
			t.Fatalf("progress status %+v", s)
		}
		done = append(done, s.Progress.Done)
	}
	if fmt.Sprint(done) != "[0 50 100]" {
		t.Fatalf("progress written at %v, want [0 50 100]", done)
	}
}

// A paused source is left alone by the schedule; "sync now" still runs.
func TestPausedSourceIsNotFetched(t *testing.T) {
	t.Parallel()
	src := newICSSource(t, network(2, ""))
	h := newHarness(t, calendar.SyncConfig{})
	s := icsSourceOf(src)
	s.Paused = true
	h.addSource(t, s)
	h.sync.SyncDue(ctx)
	if n, _ := src.counts(); n != 0 {
		t.Fatalf("%d fetches of a paused source", n)
	}
	if st := h.syncOK(t, "ennhri"); st.Added != 2 {
		t.Fatalf("sync now of a paused source: %+v", st)
	}
}
