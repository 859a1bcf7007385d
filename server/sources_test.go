package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// regionalFeed serves an ICS calendar of n events of a regional network,
// the first starting in a week.
func regionalFeed(t *testing.T, n int) *httptest.Server {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Hour).Add(7 * 24 * time.Hour)
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ENNHRI//EN\r\n")
	for i := range n {
		s := start.Add(time.Duration(i) * 24 * time.Hour)
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:e%d@ennhri.example\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:ENNHRI meeting %d\r\nEND:VEVENT\r\n",
			i, s.Format("20060102T150405Z"), s.Add(time.Hour).Format("20060102T150405Z"), i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	body := b.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (f *fixture) regionalOrganizer(name string, r agenda.Region) string {
	token, hash := access.NewToken()
	o := access.Organizer{ID: access.NewID("org_"), Name: name, Region: r, TokenHash: hash, Created: time.Now().UTC()}
	if err := f.st.CreateOrganizer(context.Background(), o); err != nil {
		f.t.Fatal(err)
	}
	return token
}

// addSource posts a source as token does. The API assigns IDs; tests name
// their sources, so an "id" in body is taken out of what is posted and the
// created source is then renamed to it in the store.
func (f *fixture) addSource(token, body string) resp {
	f.t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		f.t.Fatalf("source body %s: %v", body, err)
	}
	var named string
	if raw, ok := fields["id"]; ok {
		_ = json.Unmarshal(raw, &named)
		delete(fields, "id")
	}
	posted, _ := json.Marshal(fields)
	r := f.do(req{method: "POST", path: "/api/v1/sources", body: string(posted), token: token})
	if r.status != http.StatusCreated || named == "" {
		return r
	}
	ctx := context.Background()
	src, err := f.st.GetSource(ctx, decodeSource(f.t, r).ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.DeleteSource(ctx, src.ID, src.Version); err != nil {
		f.t.Fatal(err)
	}
	src.ID = named
	if _, err := f.st.PutSource(ctx, src, 0); err != nil {
		f.t.Fatal(err)
	}
	return r
}

type sourceOut struct {
	ID          string `json:"id"`
	HasPassword bool   `json:"has_password"`
	Status      struct {
		State     string  `json:"state"`
		Added     int     `json:"added"`
		Cancelled int     `json:"cancelled"`
		LastFetch *string `json:"last_fetch"`
		NextFetch *string `json:"next_fetch"`
	} `json:"status"`
	Conflicts []any `json:"conflicts"`
}

func decodeSource(t *testing.T, r resp) sourceOut {
	t.Helper()
	var s sourceOut
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("source body: %v: %s", err, r.body)
	}
	return s
}

func TestSourcesImportAndReadOnlyEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	feed := regionalFeed(t, 2)
	body := `{"id":"ennhri","region":"europe","name":"ENNHRI calendar","kind":"ics","url":"` + feed.URL + `/cal.ics"}`
	if r := f.do(req{method: "POST", path: "/api/v1/sources", body: strings.Replace(body, `"id":"ennhri",`, "", 1)}); r.status != http.StatusUnauthorized {
		t.Fatalf("anonymous create: %d", r.status)
	}
	r := f.addSource(f.alice, body)
	if r.status != http.StatusCreated || r.header.Get("ETag") != `"s1"` || decodeSource(t, r).Status.State != "new" {
		t.Fatalf("create: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	r = f.do(req{method: "POST", path: "/api/v1/sources/ennhri/sync", token: f.alice})
	s := decodeSource(t, r)
	if r.status != http.StatusOK || s.Status.State != "ok" || s.Status.Added != 2 || s.Status.LastFetch == nil || s.Status.NextFetch == nil {
		t.Fatalf("sync now: %d %s", r.status, r.body)
	}

	// The imported events are public, labelled, and read-only.
	r = f.do(req{method: "GET", path: "/api/v1/events?region=europe"})
	var list struct {
		Events []struct {
			ID     string         `json:"id"`
			Kind   string         `json:"kind"`
			Origin *agenda.Origin `json:"origin"`
		} `json:"events"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Events) != 2 || list.Events[0].Origin == nil ||
		list.Events[0].Origin.Name != "ENNHRI calendar" || list.Events[0].Kind != "regional" {
		t.Fatalf("events: %v %s", err, r.body)
	}
	id := list.Events[0].ID
	got := f.do(req{method: "GET", path: "/api/v1/events/" + id})
	r = f.do(req{method: "PATCH", path: "/api/v1/events/" + id, body: `{"title":{"en":"Changed here"}}`, token: f.alice,
		header: map[string]string{"If-Match": got.header.Get("ETag")}})
	if code, fields := errorOf(t, r); r.status != http.StatusUnprocessableEntity || code != "invalid" ||
		!strings.Contains(fields["origin"], "imported from ENNHRI calendar: change it at its source") {
		t.Fatalf("editing an imported event: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "DELETE", path: "/api/v1/events/" + id, token: f.alice, header: map[string]string{"If-Match": "*"}})
	if _, fields := errorOf(t, r); r.status != http.StatusUnprocessableEntity || fields["origin"] == "" {
		t.Fatalf("deleting an imported event: %d %s", r.status, r.body)
	}

	// Deleting the source cancels its events.
	if r := f.do(req{method: "DELETE", path: "/api/v1/sources/ennhri", token: f.alice}); r.status != http.StatusPreconditionRequired {
		t.Fatalf("delete without If-Match: %d", r.status)
	}
	if r := f.do(req{method: "DELETE", path: "/api/v1/sources/ennhri", token: f.alice, header: map[string]string{"If-Match": `"s1"`}}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/" + id})
	if !strings.Contains(string(r.body), `"status":"cancelled"`) {
		t.Fatalf("event of a deleted source: %s", r.body)
	}
}

func TestSourcesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	europe := f.regionalOrganizer("ENNHRI secretariat", agenda.RegionEurope)
	ok := `"region":"europe","name":"X","kind":"ics","url":"https://ennhri.example/cal.ics"`
	tests := []struct {
		name   string
		token  string
		body   string
		status int
		field  string
	}{
		{"bad url", f.alice, `{"region":"europe","name":"X","kind":"ics","url":"ftp://x/y"}`, 422, "url"},
		{"url with credentials", f.alice, `{"region":"europe","name":"X","kind":"caldav","url":"https://u:p@dav.example/c/"}`, 422, "url"},
		{"unknown kind", f.alice, `{"region":"europe","name":"X","kind":"webcal","url":"https://x.example/"}`, 422, "kind"},
		{"unknown region", f.alice, `{"region":"mars","name":"X","kind":"ics","url":"https://x.example/"}`, 422, "region"},
		{"no name", f.alice, `{"region":"europe","name":" ","kind":"ics","url":"https://x.example/"}`, 422, "name"},
		{"password on an ICS source", f.alice, `{` + ok + `,"password":"p"}`, 422, "username"},
		{"an id", f.alice, `{"id":"src-x","region":"europe","name":"X","kind":"ics","url":"https://x.example/"}`, 422, "id"},
		{"unknown field", f.alice, `{` + ok + `,"interval":5}`, 400, "interval"},
		{"another region's secretariat", europe, `{"region":"africa","name":"X","kind":"ics","url":"https://x.example/"}`, 422, "region"},
		{"long name", f.alice, `{"region":"europe","name":"` + strings.Repeat("n", 201) + `","kind":"ics","url":"https://x.example/"}`, 422, "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := f.do(req{method: "POST", path: "/api/v1/sources", body: tc.body, token: tc.token})
			if _, fields := errorOf(t, r); r.status != tc.status || fields[tc.field] == "" {
				t.Fatalf("%d %s; want %d naming %s", r.status, r.body, tc.status, tc.field)
			}
		})
	}
}

func TestSourcesPasswordIsWriteOnlyAndRegionsApart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	europe := f.regionalOrganizer("ENNHRI secretariat", agenda.RegionEurope)
	apf := f.regionalOrganizer("APF secretariat", agenda.RegionAsiaPacific)
	r := f.addSource(europe, `{"id":"ennhri-dav","region":"europe","name":"ENNHRI","kind":"caldav","url":"https://dav.example/ennhri/","username":"majlis","password":"hunter2-secret"}`)
	if r.status != http.StatusCreated || !decodeSource(t, r).HasPassword || strings.Contains(string(r.body), "hunter2") {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/api/v1/sources", "/api/v1/sources/ennhri-dav"} {
		if r := f.do(req{method: "GET", path: path, token: f.alice}); r.status != http.StatusOK || strings.Contains(string(r.body), "hunter2") {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if r := f.do(req{method: "GET", path: "/api/v1/sources/ennhri-dav", token: apf}); r.status != http.StatusNotFound {
		t.Fatalf("another region's organizer sees the source: %d", r.status)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/sources", token: apf}); !strings.Contains(string(r.body), `"sources":[]`) {
		t.Fatalf("another region's organizer lists: %s", r.body)
	}
	// PATCH: If-Match required, stale refused; the password stays unless sent.
	if r := f.do(req{method: "PATCH", path: "/api/v1/sources/ennhri-dav", token: europe, body: `{"name":"ENNHRI 2"}`}); r.status != http.StatusPreconditionRequired {
		t.Fatalf("patch without If-Match: %d", r.status)
	}
	if r := f.do(req{method: "PATCH", path: "/api/v1/sources/ennhri-dav", token: europe, body: `{"name":"ENNHRI 2"}`, header: map[string]string{"If-Match": `"s7"`}}); r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale patch: %d", r.status)
	}
	r = f.do(req{method: "PATCH", path: "/api/v1/sources/ennhri-dav", token: europe, body: `{"name":"ENNHRI 2","paused":true}`, header: map[string]string{"If-Match": `"s1"`}})
	if r.status != http.StatusOK || !decodeSource(t, r).HasPassword || r.header.Get("ETag") != `"s2"` {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/sources/ennhri-dav/confirm", token: europe}); r.status != http.StatusConflict {
		t.Fatalf("confirm with nothing pending: %d %s", r.status, r.body)
	}
}

// Pages label an imported event with its source, in the viewer's language.
func TestImportedEventPageNamesItsSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	feed := regionalFeed(t, 1)
	if r := f.addSource(f.alice, `{"id":"ennhri","region":"europe","name":"ENNHRI calendar","kind":"ics","url":"`+feed.URL+`/cal.ics"}`); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/sources/ennhri/sync", token: f.alice}); r.status != http.StatusOK {
		t.Fatalf("sync: %d %s", r.status, r.body)
	}
	id := agenda.ImportedID("ennhri", "e0@ennhri.example", "")
	tests := []struct{ path, want string }{
		{"/events/" + id + "?lang=fr", `Source : <bdi>ENNHRI calendar</bdi>`},
		{"/events/" + id + "?lang=ar", `المصدر: <bdi>ENNHRI calendar</bdi>`},
		{"/?lang=es&region=europe", `Fuente: <bdi>ENNHRI calendar</bdi>`},
	}
	for _, tc := range tests {
		r := f.do(req{method: "GET", path: tc.path})
		if r.status != http.StatusOK || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("GET %s: %d, want %q in the page", tc.path, r.status, tc.want)
		}
	}
}

// TestImportedEventsShowTheSourceAddressToItsOrganizersOnly: the path of a
// calendar's address is often its secret (Google Calendar's
// ".../private-KEY/basic.ics"); anyone but the source's organizers (its
// region's and head office) sees only the scheme and host (issue 11.8).
func TestImportedEventsShowTheSourceAddressToItsOrganizersOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	feed := regionalFeed(t, 1)
	europe := f.regionalOrganizer("ENNHRI secretariat", agenda.RegionEurope)
	africa := f.regionalOrganizer("NANHRI secretariat", agenda.RegionAfrica)
	full := feed.URL + "/calendar/ical/ennhri/private-5ecre7k3y/basic.ics"
	if r := f.addSource(europe, `{"id":"ennhri","region":"europe","name":"ENNHRI calendar","kind":"ics","url":"`+full+`"}`); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/sources/ennhri/sync", token: europe}); r.status != http.StatusOK {
		t.Fatalf("sync: %d %s", r.status, r.body)
	}
	id := agenda.ImportedID("ennhri", "e0@ennhri.example", "")
	tests := []struct{ who, token, want string }{
		{"anonymous", "", feed.URL},
		{"another region's organizer", africa, feed.URL},
		{"the region's organizer", europe, full},
		{"head office", f.alice, full},
	}
	for _, tc := range tests {
		t.Run(tc.who, func(t *testing.T) {
			for _, path := range []string{"/api/v1/events/" + id, "/api/v1/events?region=europe", "/events/" + id} {
				r := f.do(req{method: "GET", path: path, token: tc.token})
				if r.status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, r.status, r.body)
				}
				if tc.want != full && strings.Contains(string(r.body), "private-5ecre7k3y") {
					t.Fatalf("GET %s shows the secret path: %s", path, r.body)
				}
				if strings.HasPrefix(path, "/api/") && !strings.Contains(string(r.body), `"url":"`+tc.want+`"`) {
					t.Fatalf("GET %s: origin url is not %s: %s", path, tc.want, r.body)
				}
			}
		})
	}
}
