package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/demo"
	"github.com/majlis/majlis/server"
)

// feedFixture serves the demo data, plus one members-only and one
// confidential event of the organizer alice, through the API.
func feedFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	if _, err := demo.Load(context.Background(), f.svc); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{
		`{"id":"members-accreditation","kind":"webinar","title":{"en":"Accreditation briefing (members)"},"start":"2027-03-01T09:00:00Z","end":"2027-03-01T10:00:00Z","timezone":"Europe/Zurich","region":"africa","visibility":"members","status":"published"}`,
		`{"id":"reprisals-case-review","kind":"webinar","title":{"en":"Reprisals case review"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z","timezone":"Europe/Zurich","region":"global","visibility":"confidential","status":"published"}`,
	} {
		f.create(e, f.alice)
	}
	return f
}

type feedResp struct {
	resp
	cal    *ical.Calendar
	byUID  map[string]*ical.Component
	status int
}

func (f *fixture) feed(path string, header ...string) feedResp {
	f.t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	r := f.do(req{method: "GET", path: path, header: h})
	out := feedResp{resp: r, status: r.status, byUID: map[string]*ical.Component{}}
	if r.status != http.StatusOK {
		return out
	}
	if ct := r.header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		f.t.Fatalf("%s: Content-Type %q", path, ct)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(r.body)).Decode()
	if err != nil {
		f.t.Fatalf("%s: decode: %v", path, err)
	}
	out.cal = cal
	for _, c := range cal.Events() {
		uid, _ := c.Props.Text(ical.PropUID)
		out.byUID[strings.TrimSuffix(uid, "@majlis")] = c.Component
	}
	return out
}

func (r feedResp) has(id string) bool { _, ok := r.byUID[id]; return ok }

func TestFeedsEveryKindAndLanguage(t *testing.T) {
	f := feedFixture(t)
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		all := f.feed("/feeds/all.ics?lang=" + lang)
		if all.status != 200 || !all.has(demo.ConsultationID) || !all.has("apf-webinar-climate") {
			t.Fatalf("all.ics in %s: %d, %d events", lang, all.status, len(all.byUID))
		}
		name, _ := all.cal.Props.Text(ical.PropName)
		if name == "" || (lang == "ar" && !strings.Contains(name, "التحالف")) {
			t.Errorf("%s NAME %q", lang, name)
		}
		c := all.byUID[demo.ConsultationID]
		summary, _ := c.Props.Text(ical.PropSummary)
		if want := map[string]string{"ar": "مشاورة", "en": "consultation", "fr": "consultation", "es": "consulta"}[lang]; !strings.Contains(summary, want) {
			t.Errorf("%s SUMMARY %q", lang, summary)
		}
		start, err := c.Props.DateTime(ical.PropDateTimeStart, nil)
		if err != nil || !start.Equal(time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)) {
			t.Errorf("%s consultation starts %v (%v)", lang, start, err)
		}

		africa := f.feed("/feeds/regions/africa.ics?lang=" + lang)
		if !africa.has("nanhri-webinar-civic-space") || !africa.has(demo.AnnualMeetingID) || africa.has("apf-webinar-climate") {
			t.Errorf("africa.ics in %s: %v", lang, keysOf(africa.byUID))
		}
		ev := f.feed("/feeds/events/" + demo.AnnualMeetingID + ".ics?lang=" + lang)
		if !ev.has(demo.AnnualMeetingID) || !ev.has(demo.ConsultationID) || ev.has("apf-webinar-climate") {
			t.Errorf("event feed in %s: %v", lang, keysOf(ev.byUID))
		}
		items := f.feed("/feeds/events/" + demo.ConsultationID + ".ics?items=1&lang=" + lang)
		if len(items.byUID) != 6 || !items.has(demo.ConsultationID+"/item-1") {
			t.Errorf("consultation with items in %s: %v", lang, keysOf(items.byUID))
		}
	}
}

func TestFeedsHideRestrictedEvents(t *testing.T) {
	f := feedFixture(t)
	public := []string{"/feeds/all.ics", "/feeds/regions/africa.ics", "/feeds/regions/europe.ics", "/feeds/events/" + demo.AnnualMeetingID + ".ics"}
	for _, p := range public {
		r := f.feed(p)
		if r.has("members-accreditation") || r.has("reprisals-case-review") {
			t.Errorf("%s shows a restricted event", p)
		}
		if bytes.Contains(r.body, []byte("Reprisals case")) {
			t.Errorf("%s leaks a confidential title", p)
		}
	}
	for _, p := range []string{"/feeds/events/members-accreditation.ics", "/feeds/events/reprisals-case-review.ics"} {
		if r := f.feed(p); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	// Alice's private feed has both; Bob's has the members-only one only.
	privateURL := func(token string) string {
		r := f.do(req{method: "GET", path: "/api/v1/feeds/private?lang=fr", token: token})
		var out struct{ URL, Webcal string }
		if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 {
			t.Fatalf("private feed URL: %d %s", r.status, r.body)
		}
		if !strings.HasPrefix(out.Webcal, "webcal://majlis.example.org/feeds/private/mjf_") || strings.Contains(out.URL, token) {
			t.Fatalf("private URL %+v", out)
		}
		u, _ := url.Parse(out.URL)
		return u.RequestURI()
	}
	alice, bob := privateURL(f.alice), privateURL(f.bob)
	if r := f.feed(alice); !r.has("members-accreditation") || !r.has("reprisals-case-review") || !r.has(demo.ConsultationID) {
		t.Errorf("alice's private feed: %v", keysOf(r.byUID))
	} else if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("private feed Cache-Control %q", cc)
	}
	if r := f.feed(bob); !r.has("members-accreditation") || r.has("reprisals-case-review") {
		t.Errorf("bob's private feed: %v", keysOf(r.byUID))
	}
	// Tampered or revoked: the same 404 as any missing feed.
	for _, p := range []string{strings.Replace(alice, "mjf_", "mjf_x", 1), "/feeds/private/mjf_nobody.AAAA.ics", alice[:strings.Index(alice, ".ics")-4] + ".ics"} {
		if r := f.feed(p); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if err := f.st.RevokeOrganizer(context.Background(), f.aliceID); err != nil {
		t.Fatal(err)
	}
	if r := f.feed(alice); r.status != 404 {
		t.Errorf("a revoked organizer's feed: %d", r.status)
	}
}

func TestFeedsFollowChanges(t *testing.T) {
	f := feedFixture(t)
	path := "/feeds/events/" + demo.AnnualMeetingID + ".ics?lang=en"
	first := f.feed(path)
	etag, lastMod := first.header.Get("ETag"), first.header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || lastMod == "" {
		t.Fatalf("validators: ETag %q, Last-Modified %q", etag, lastMod)
	}
	// Unchanged: same bytes, and 304 on revalidation either way.
	if again := f.feed(path); !bytes.Equal(again.body, first.body) || again.header.Get("ETag") != etag {
		t.Fatal("an unchanged feed changed")
	}
	if r := f.feed(path, "If-None-Match", etag); r.status != 304 || len(r.body) != 0 {
		t.Fatalf("If-None-Match: %d", r.status)
	}
	if r := f.feed(path, "If-Modified-Since", lastMod); r.status != 304 {
		t.Fatalf("If-Modified-Since: %d", r.status)
	}
	if r := f.feed(path, "If-None-Match", `"other"`, "If-Modified-Since", lastMod); r.status != 200 {
		t.Fatalf("If-None-Match wins over If-Modified-Since: %d", r.status)
	}
	head := f.do(req{method: "HEAD", path: path})
	if head.status != 200 || len(head.body) != 0 || head.header.Get("ETag") != etag {
		t.Fatalf("HEAD: %d %q", head.status, head.header.Get("ETag"))
	}
	seq := func(r feedResp, id string) string { return r.byUID[id].Props.Get(ical.PropSequence).Value }

	// Edit the consultation's time: SEQUENCE goes up, the ETag changes.
	ev := f.do(req{method: "GET", path: "/api/v1/events/" + demo.ConsultationID})
	r := f.do(req{method: "PATCH", path: "/api/v1/events/" + demo.ConsultationID, token: f.alice,
		header: map[string]string{"If-Match": ev.header.Get("ETag")},
		body:   `{"end":"2021-07-01T16:15:00Z"}`})
	if r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	edited := f.feed(path, "If-None-Match", etag)
	if edited.status != 200 || edited.header.Get("ETag") == etag {
		t.Fatalf("after an edit: %d, ETag %q", edited.status, edited.header.Get("ETag"))
	}
	if seq(edited, demo.ConsultationID) <= seq(first, demo.ConsultationID) {
		t.Errorf("SEQUENCE %s after an edit, was %s", seq(edited, demo.ConsultationID), seq(first, demo.ConsultationID))
	}

	// Cancel it: it stays, CANCELLED, with a higher SEQUENCE.
	ev = f.do(req{method: "GET", path: "/api/v1/events/" + demo.ConsultationID})
	if r := f.do(req{method: "DELETE", path: "/api/v1/events/" + demo.ConsultationID, token: f.alice,
		header: map[string]string{"If-Match": ev.header.Get("ETag")}}); r.status >= 300 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	cancelled := f.feed(path)
	c := cancelled.byUID[demo.ConsultationID]
	if c == nil || c.Props.Get(ical.PropStatus).Value != "CANCELLED" || seq(cancelled, demo.ConsultationID) <= seq(edited, demo.ConsultationID) {
		t.Fatalf("after cancelling: %+v", c)
	}
	for _, p := range []string{"/feeds/all.ics", "/feeds/regions/asia-pacific.ics"} {
		if r := f.feed(p); r.byUID[demo.ConsultationID] == nil || r.byUID[demo.ConsultationID].Props.Get(ical.PropStatus).Value != "CANCELLED" {
			t.Errorf("%s lost the cancelled event", p)
		}
	}
}

// TestFeedsHideHiddenParents: a public side event of a confidential
// meeting is in the public feeds, without its meeting's ID; only a feed
// whose reader may see the meeting names it (RELATED-TO).
func TestFeedsHideHiddenParents(t *testing.T) {
	f := feedFixture(t)
	ctx := context.Background()
	at := time.Date(2027, 5, 4, 9, 0, 0, 0, time.UTC)
	for _, e := range []agenda.Event{
		{ID: "hidden-retreat-2027", Kind: agenda.KindAnnualMeeting, Region: agenda.RegionGlobal, Visibility: agenda.VisibilityConfidential,
			Status: agenda.StatusPublished, TimeZone: "Europe/Zurich", Start: at, End: at.Add(8 * time.Hour), Owner: f.aliceID,
			Title: agenda.Text{"en": "Retreat"}},
		{ID: "open-panel-2027", Kind: agenda.KindSideEvent, Parent: "hidden-retreat-2027", Region: agenda.RegionEurope,
			Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: "Europe/Zurich",
			Start: at.Add(time.Hour), End: at.Add(2 * time.Hour), Owner: f.aliceID, Title: agenda.Text{"en": "Open panel"}},
	} {
		if _, _, err := f.st.CreateEvent(ctx, e, agenda.Agenda{}); err != nil {
			t.Fatal(err)
		}
	}
	privateURL := func(token string) string {
		r := f.do(req{method: "GET", path: "/api/v1/feeds/private", token: token})
		var out struct{ URL string }
		if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 {
			t.Fatalf("private feed URL: %d %s", r.status, r.body)
		}
		u, _ := url.Parse(out.URL)
		return u.RequestURI()
	}
	tests := []struct {
		path   string
		expect bool
	}{
		{"/feeds/all.ics", false},
		{"/feeds/regions/europe.ics", false},
		{"/feeds/events/open-panel-2027.ics", false},
		{privateURL(f.bob), false}, // not invited
		{privateURL(f.alice), true},
	}
	for _, tt := range tests {
		t.Run(strings.SplitN(tt.path, "/", 4)[2], func(t *testing.T) {
			r := f.feed(tt.path)
			panel := r.byUID["open-panel-2027"]
			if panel == nil {
				t.Fatalf("%s: the public side event is missing: %v", tt.path, keysOf(r.byUID))
			}
			rel, _ := panel.Props.Text(ical.PropRelatedTo)
			if tt.expect && rel != "hidden-retreat-2027@majlis" {
				t.Fatalf("%s: RELATED-TO %q, want the meeting", tt.path, rel)
			}
			if !tt.expect && bytes.Contains(r.body, []byte("hidden-retreat")) {
				t.Fatalf("%s names the hidden meeting (RELATED-TO %q)", tt.path, rel)
			}
		})
	}
}

// TestFeedPreconditions: feeds answer conditional requests by the one
// precondition check (RFC 9110 §13).
func TestFeedPreconditions(t *testing.T) {
	f := feedFixture(t)
	path := "/feeds/all.ics"
	first := f.feed(path)
	tag, lastMod := first.header.Get("ETag"), first.header.Get("Last-Modified")
	tests := []struct {
		name   string
		header []string
		expect int
	}{
		{"own tag", []string{"If-None-Match", tag}, http.StatusNotModified},
		{"weak, in a list", []string{"If-None-Match", `"old", W/` + tag}, http.StatusNotModified},
		{"star", []string{"If-None-Match", "*"}, http.StatusNotModified},
		{"other tag", []string{"If-None-Match", `"old"`, "If-Modified-Since", lastMod}, http.StatusOK},
		{"If-Modified-Since", []string{"If-Modified-Since", lastMod}, http.StatusNotModified},
		{"If-Match own tag", []string{"If-Match", tag}, http.StatusOK},
		{"If-Match weak tag", []string{"If-Match", "W/" + tag}, http.StatusPreconditionFailed},
		{"If-Match other tag", []string{"If-Match", `"old"`}, http.StatusPreconditionFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := f.feed(path, tt.header...); r.status != tt.expect {
				t.Fatalf("%v: %d, want %d", tt.header, r.status, tt.expect)
			}
		})
	}
}

// TestFeedLastModifiedNeverGoesBack: when an event leaves a feed (made
// members-only here), the feed's Last-Modified moves forward, so a client
// revalidating with If-Modified-Since gets the new feed, not a 304 that
// keeps the event. A restart may move it forward, never back.
func TestFeedLastModifiedNeverGoesBack(t *testing.T) {
	clock := &testClock{now: time.Now().Add(time.Hour)}
	cfg := server.Config{BaseURL: "https://majlis.example.org", Now: clock.Now}
	f := serveFixture(t, cfg, nil)
	for _, e := range []string{
		`{"id":"europe-older","kind":"webinar","title":{"en":"Older"},"start":"2027-03-01T09:00:00Z","end":"2027-03-01T10:00:00Z","timezone":"Europe/Brussels","region":"europe","visibility":"public","status":"published"}`,
		`{"id":"europe-newer","kind":"webinar","title":{"en":"Newer"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z","timezone":"Europe/Brussels","region":"europe","visibility":"public","status":"published"}`,
	} {
		f.create(e, f.alice)
	}
	path := "/feeds/regions/europe.ics"
	lastModified := func(r feedResp) time.Time {
		t.Helper()
		lm, err := http.ParseTime(r.header.Get("Last-Modified"))
		if err != nil {
			t.Fatalf("Last-Modified %q: %v", r.header.Get("Last-Modified"), err)
		}
		return lm
	}
	first := f.feed(path)
	if !first.has("europe-newer") {
		t.Fatalf("feed: %v", keysOf(first.byUID))
	}
	if r := f.feed(path, "If-Modified-Since", first.header.Get("Last-Modified")); r.status != http.StatusNotModified {
		t.Fatalf("unchanged feed: %d", r.status)
	}

	clock.advance(time.Minute)
	ev := f.do(req{method: "GET", path: "/api/v1/events/europe-newer"})
	if r := f.do(req{method: "PATCH", path: "/api/v1/events/europe-newer", token: f.alice,
		header: map[string]string{"If-Match": ev.header.Get("ETag")}, body: `{"visibility":"members"}`}); r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	after := f.feed(path, "If-Modified-Since", first.header.Get("Last-Modified"))
	if after.status != http.StatusOK || after.has("europe-newer") || !after.has("europe-older") {
		t.Fatalf("after the event left: %d %v, want 200 without it", after.status, keysOf(after.byUID))
	}
	if lm := lastModified(after); !lm.After(lastModified(first)) {
		t.Fatalf("Last-Modified %s, was %s: it must move forward", lm, lastModified(first))
	}
	if r := f.feed(path, "If-Modified-Since", after.header.Get("Last-Modified")); r.status != http.StatusNotModified {
		t.Fatalf("revalidating the new feed: %d", r.status)
	}

	// Another process over the same data (a restart, or a second instance).
	restarted := httptest.NewServer(server.New(cfg, f.st, f.svc).Handler())
	defer restarted.Close()
	res, err := http.Get(restarted.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	again, err := http.ParseTime(res.Header.Get("Last-Modified"))
	if err != nil || again.Before(lastModified(after)) || res.Header.Get("ETag") != after.header.Get("ETag") {
		t.Fatalf("after a restart: Last-Modified %s (%v), ETag %s; before: %s, %s", again, err,
			res.Header.Get("ETag"), lastModified(after), after.header.Get("ETag"))
	}
}

func TestFeedsBadRequests(t *testing.T) {
	f := feedFixture(t)
	tests := []struct {
		path   string
		status int
		field  string
	}{
		{"/feeds/all.ics?lang=de", 400, "lang"},
		{"/feeds/all.ics?format=json", 400, "format"},
		{"/feeds/all.ics?items=yes", 400, "items"},
		{"/feeds/all.ics?items=1", 400, "items"},
		{"/feeds/regions/antarctica.ics", 404, ""},
		{"/feeds/regions/africa", 404, ""},
		{"/feeds/events/no-such-event.ics", 404, ""},
		{"/feeds/private/mjo_not-a-feed-token.ics", 404, ""},
	}
	for _, tt := range tests {
		r := f.do(req{method: "GET", path: tt.path})
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.path, r.status, tt.status)
			continue
		}
		_, fields := errorOf(t, r)
		if tt.field != "" && fields[tt.field] == "" {
			t.Errorf("%s: fields %v do not name %s", tt.path, fields, tt.field)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
