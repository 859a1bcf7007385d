package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

type fixture struct {
	t              *testing.T
	srv            *server.Server
	ts             *httptest.Server
	st             *store.Bolt
	svc            *agenda.Service
	alice          string // organizer token
	bob            string // another organizer's token
	aliceID, bobID string
}

func newFixture(t *testing.T) *fixture {
	return serveFixture(t, server.Config{BaseURL: "https://majlis.example.org"}, nil)
}

// serveFixture starts a Server with cfg over a fresh bbolt store (rooms,
// when given, makes Config.Rooms over it), with the organizers Alice and
// Bob, and shuts it down when the test ends.
func serveFixture(t *testing.T, cfg server.Config, rooms func(st *store.Bolt) *realtime.Node) *fixture {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := agenda.New(agenda.Config{}, st)
	f := &fixture{t: t, st: st, svc: svc}
	if rooms != nil {
		cfg.Rooms = rooms(st)
	}
	f.srv = server.New(cfg, st, svc)
	f.ts = httptest.NewServer(f.srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.srv.Shutdown(ctx)
		f.ts.Close()
	})
	f.aliceID, f.alice = f.organizer("Alice")
	f.bobID, f.bob = f.organizer("Bob")
	return f
}

func (f *fixture) organizer(name string) (string, string) {
	token, hash := access.NewToken()
	o := access.Organizer{ID: access.NewID("org_"), Name: name, Region: agenda.RegionGlobal, TokenHash: hash, Created: time.Now().UTC()}
	if err := f.st.CreateOrganizer(context.Background(), o); err != nil {
		f.t.Fatal(err)
	}
	return o.ID, token
}

type req struct {
	method, path, body, token string
	header                    map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(r req) resp {
	f.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, f.ts.URL+r.path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// errorOf decodes the documented error body, failing if it has another shape.
func errorOf(t *testing.T, r resp) (code string, fields map[string]string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("status %d: body is not {\"error\":{code,message,fields}}: %s (%v)", r.status, r.body, err)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error content type %q", ct)
	}
	return body.Error.Code, body.Error.Fields
}

const consultation = `{"id":"hrd-consultation","kind":"webinar","title":{"en":"Consultation on the Global Action Plan","ar":"مشاورة بشأن خطة العمل العالمية"},
 "start":"2021-07-01T16:30:00+02:00","end":"2021-07-01T18:00:00+02:00","timezone":"Europe/Zurich","region":"global",
 "visibility":"public","status":"published","languages":["ar","en","fr","es"]}`

// create posts an event. The API assigns IDs; tests name their events, so
// an "id" in body is taken out of what is posted and the created event is
// then renamed to it in the store (as the demo data and importer, internal
// callers, may name theirs).
func (f *fixture) create(body, token string) map[string]any {
	f.t.Helper()
	var named struct {
		ID string `json:"id"`
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &named); err != nil || json.Unmarshal([]byte(body), &fields) != nil {
		f.t.Fatalf("create: body %s: %v", body, err)
	}
	delete(fields, "id")
	posted, _ := json.Marshal(fields)
	r := f.do(req{method: "POST", path: "/api/v1/events", body: string(posted), token: token})
	if r.status != http.StatusCreated {
		f.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		f.t.Fatal(err)
	}
	if named.ID != "" {
		f.rename(m["id"].(string), named.ID)
		m["id"], m["url"] = named.ID, strings.TrimSuffix(m["url"].(string), m["id"].(string))+named.ID
	}
	return m
}

// rename gives the event from, just created, the ID to.
func (f *fixture) rename(from, to string) {
	f.t.Helper()
	ctx := context.Background()
	e, err := f.st.GetEvent(ctx, from)
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := f.st.GetAgenda(ctx, from)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.DeleteEvent(ctx, from, e.Version); err != nil {
		f.t.Fatal(err)
	}
	e.ID, a.EventID = to, to
	if _, _, err := f.st.CreateEvent(ctx, e, a); err != nil {
		f.t.Fatal(err)
	}
}

// snapshot is everything stored, to prove a rejected request changed nothing.
func (f *fixture) snapshot() string {
	ctx := context.Background()
	evs, err := f.st.ListEvents(ctx, agenda.Filter{})
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range evs {
		a, _ := f.st.GetAgenda(ctx, e.ID)
		fmt.Fprintf(&b, "%+v|%+v\n", e, a)
	}
	return b.String()
}

func TestEventRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.create(consultation, f.alice)
	if m["start"] != "2021-07-01T14:30:00Z" || m["end"] != "2021-07-01T16:00:00Z" {
		t.Fatalf("times not stored in UTC: %v %v", m["start"], m["end"])
	}
	if m["local_start"] != "2021-07-01T16:30:00+02:00" || m["timezone"] != "Europe/Zurich" || m["parent"] != nil {
		t.Fatalf("local/zone/parent wrong: %v %v %v", m["local_start"], m["timezone"], m["parent"])
	}
	r := f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation"})
	if r.status != 200 || r.header.Get("ETag") != `"e1"` {
		t.Fatalf("anonymous GET: %d etag %q", r.status, r.header.Get("ETag"))
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation", header: map[string]string{"If-None-Match": `"e1"`}})
	if r.status != http.StatusNotModified {
		t.Fatalf("revalidation: %d", r.status)
	}
	var list struct {
		Events []map[string]any `json:"events"`
	}
	r = f.do(req{method: "GET", path: "/api/v1/events?region=global&from=2021-07-01T00:00:00Z&to=2021-07-02T00:00:00Z"})
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Events) != 1 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	for _, k := range []string{"id", "kind", "parent", "title", "description", "start", "end", "timezone", "region", "visibility", "status", "languages", "sequence", "updated"} {
		if _, ok := list.Events[0][k]; !ok {
			t.Errorf("listed event lacks %q", k)
		}
	}
	if _, ok := list.Events[0]["owner"]; ok {
		t.Errorf("anonymous callers must not see the owner")
	}
	r = f.do(req{method: "GET", path: "/api/v1/events?region=europe"})
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Events) != 0 {
		t.Fatalf("region filter: %s", r.body)
	}
	// PATCH merges text and bumps the sequence; the ETag moves on.
	r = f.do(req{method: "PATCH", path: "/api/v1/events/hrd-consultation", token: f.bob, body: `{"title":{"fr":"Consultation"}}`, header: map[string]string{"If-Match": `"e1"`}})
	if r.status != 200 || r.header.Get("ETag") != `"e2"` {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var got map[string]any
	_ = json.Unmarshal(r.body, &got)
	if tt := got["title"].(map[string]any); tt["fr"] != "Consultation" || tt["en"] == nil || got["sequence"].(float64) != 1 {
		t.Fatalf("patch result: %v", got)
	}
}

func TestAgendaAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	items := `{"items":[
	 {"title":{"en":"Welcome and opening"},"start":"2021-07-01T14:30:00Z","duration":15,"kind":"opening","speakers":["OHCHR","UNDP"],"floor_language":"en"},
	 {"title":{"en":"Presentation"},"start":"2021-07-01T16:45:00+02:00","end":"2021-07-01T16:55:00+02:00","kind":"presentation"}]}`
	r := f.do(req{method: "PUT", path: "/api/v1/events/hrd-consultation/agenda", token: f.alice, body: items, header: map[string]string{"If-Match": `"a1"`}})
	if r.status != 200 || r.header.Get("ETag") != `"a2"` {
		t.Fatalf("put agenda: %d %s", r.status, r.body)
	}
	var ag struct {
		Items []struct {
			ID, Start, End string
			Duration       int
		} `json:"items"`
	}
	_ = json.Unmarshal(r.body, &ag)
	if len(ag.Items) != 2 || ag.Items[1].Start != "2021-07-01T14:45:00Z" || ag.Items[1].Duration != 10 || ag.Items[0].ID == "" {
		t.Fatalf("agenda: %s", r.body)
	}
	// Move the second item.
	r = f.do(req{method: "PATCH", path: "/api/v1/events/hrd-consultation/agenda/items/" + ag.Items[1].ID, token: f.alice,
		body: `{"start":"2021-07-01T15:00:00Z","duration":20}`, header: map[string]string{"If-Match": `"a2"`}})
	if r.status != 200 || r.header.Get("ETag") != `"a3"` {
		t.Fatalf("move item: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "POST", path: "/api/v1/events/hrd-consultation/agenda/items", token: f.alice,
		body: `{"title":{"es":"Debate"},"start":"2021-07-01T15:20:00Z","duration":35,"kind":"discussion"}`, header: map[string]string{"If-Match": `"a3"`}})
	if r.status != 201 {
		t.Fatalf("add item: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "DELETE", path: "/api/v1/events/hrd-consultation/agenda/items/" + ag.Items[0].ID, token: f.alice, header: map[string]string{"If-Match": `"a4"`}})
	if r.status != 204 {
		t.Fatalf("delete item: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation/agenda", token: f.alice})
	_ = json.Unmarshal(r.body, &ag)
	if r.status != 200 || len(ag.Items) != 2 || r.header.Get("ETag") != `"a5"` {
		t.Fatalf("final draft agenda: %d %s", r.status, r.body)
	}
	// The draft is not public until released; the event (and the
	// calendars' SEQUENCE) did not move.
	sequence := func() float64 {
		t.Helper()
		var ev map[string]any
		_ = json.Unmarshal(f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation"}).body, &ev)
		return ev["sequence"].(float64)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation/agenda"})
	_ = json.Unmarshal(r.body, &ag)
	if r.status != 200 || len(ag.Items) != 0 || r.header.Get("ETag") != `"p5"` || sequence() != 0 {
		t.Fatalf("published agenda before a release: %d %s %s, sequence %v", r.status, r.header.Get("ETag"), r.body, sequence())
	}
	r = f.do(req{method: "POST", path: "/api/v1/events/hrd-consultation/agenda/releases", token: f.alice,
		body: `{"note":"Programme confirmed"}`, header: map[string]string{"If-Match": `"a5"`}})
	if r.status != 201 || r.header.Get("ETag") != `"a6"` {
		t.Fatalf("release: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation/agenda"})
	_ = json.Unmarshal(r.body, &ag)
	if r.status != 200 || len(ag.Items) != 2 {
		t.Fatalf("published agenda after the release: %d %s", r.status, r.body)
	}
	// Agenda changes reach calendars once per release.
	if s := sequence(); s != 1 {
		t.Fatalf("event sequence after 4 draft writes and one release: %v", s)
	}
}

// TestConcurrentEditorsNeverOverwriteEachOther: two organizers read the same
// agenda and both write; exactly one wins, the other gets 412.
func TestConcurrentEditorsNeverOverwriteEachOther(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	tag := f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation/agenda", token: f.alice}).header.Get("ETag") // the draft's
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, tok := range []string{f.alice, f.bob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"items":[{"title":{"en":"by %d"},"start":"2021-07-01T14:30:00Z","duration":10,"kind":"opening"}]}`, i)
			statuses[i] = f.do(req{method: "PUT", path: "/api/v1/events/hrd-consultation/agenda", token: tok, body: body, header: map[string]string{"If-Match": tag}}).status
		}()
	}
	wg.Wait()
	if !reflect.DeepEqual(statuses, []int{200, 412}) && !reflect.DeepEqual(statuses, []int{412, 200}) {
		t.Fatalf("statuses %v, want one 200 and one 412", statuses)
	}
}

func TestBadInputIsRejectedAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	f.do(req{method: "PUT", path: "/api/v1/events/hrd-consultation/agenda", token: f.alice, header: map[string]string{"If-Match": "*"},
		body: `{"items":[{"id":"opening","title":{"en":"Opening"},"start":"2021-07-01T14:30:00Z","duration":15,"kind":"opening"}]}`})
	f.release("hrd-consultation", f.alice) // event version 2: "e1" is stale
	secret := f.create(strings.NewReplacer(`"hrd-consultation"`, `"reprisals-briefing"`, `"public"`, `"confidential"`).Replace(consultation), f.alice)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"members-briefing"`, `"public"`, `"members"`).Replace(consultation), f.alice)
	if secret["visibility"] != "confidential" {
		t.Fatal("fixture")
	}
	event := func(mut string) string { return strings.Replace(consultation, `"id":"hrd-consultation",`, mut, 1) }
	noID := event("")
	ifm := map[string]string{"If-Match": `"a3"`}
	tests := []struct {
		name   string
		req    req
		status int
		code   string
		field  string
	}{
		{"malformed JSON", req{method: "POST", path: "/api/v1/events", token: f.alice, body: `{"kind":`}, 400, "malformed_json", ""},
		{"not an object", req{method: "POST", path: "/api/v1/events", token: f.alice, body: `{} {}`}, 400, "malformed_json", ""},
		{"unknown field", req{method: "POST", path: "/api/v1/events", token: f.alice, body: event(`"colour":"red",`)}, 400, "unknown_field", "colour"},
		{"wrong type", req{method: "POST", path: "/api/v1/events", token: f.alice, body: event(`"languages":"ar",`)}, 400, "invalid", "languages"},
		{"no title in any language", req{method: "POST", path: "/api/v1/events", token: f.alice,
			body: strings.Replace(noID, `"title":{"en":"Consultation on the Global Action Plan","ar":"مشاورة بشأن خطة العمل العالمية"}`, `"title":{}`, 1)}, 422, "invalid", "title"},
		{"unknown language code", req{method: "POST", path: "/api/v1/events", token: f.alice, body: strings.Replace(noID, `"ar":"مشاورة`, `"xx":"مشاورة`, 1)}, 422, "invalid", "title.xx"},
		{"end before start", req{method: "POST", path: "/api/v1/events", token: f.alice, body: strings.Replace(noID, `"end":"2021-07-01T18:00:00+02:00"`, `"end":"2021-07-01T15:00:00+02:00"`, 1)}, 422, "invalid", "end"},
		{"time without a zone", req{method: "POST", path: "/api/v1/events", token: f.alice, body: strings.Replace(noID, `"start":"2021-07-01T16:30:00+02:00"`, `"start":"2021-07-01T16:30:00"`, 1)}, 400, "invalid", "start"},
		{"id taken", req{method: "POST", path: "/api/v1/events", token: f.alice, body: consultation}, 422, "invalid", "id"},
		{"id free", req{method: "POST", path: "/api/v1/events", token: f.alice, body: event(`"id":"free-id",`)}, 422, "invalid", "id"},
		{"oversized body", req{method: "POST", path: "/api/v1/events", token: f.alice, body: event(`"description":{"en":"` + strings.Repeat("x", 2<<20) + `"},`)}, 413, "body_too_large", ""},
		{"wrong content type", req{method: "POST", path: "/api/v1/events", token: f.alice, body: noID, header: map[string]string{"Content-Type": "text/plain"}}, 415, "unsupported_media_type", ""},
		{"item overlapping another", req{method: "POST", path: "/api/v1/events/hrd-consultation/agenda/items", token: f.alice, header: ifm,
			body: `{"title":{"en":"Clash"},"start":"2021-07-01T14:40:00Z","duration":10,"kind":"discussion"}`}, 422, "invalid", "items[1].start"},
		{"item outside the event", req{method: "POST", path: "/api/v1/events/hrd-consultation/agenda/items", token: f.alice, header: ifm,
			body: `{"title":{"en":"Late"},"start":"2021-07-01T15:55:00Z","duration":10,"kind":"closing"}`}, 422, "invalid", "items[1].start"},
		{"stale If-Match", req{method: "PATCH", path: "/api/v1/events/hrd-consultation", token: f.alice, body: `{"location":"Geneva"}`, header: map[string]string{"If-Match": `"e1"`}}, 412, "precondition_failed", ""},
		{"missing If-Match", req{method: "PATCH", path: "/api/v1/events/hrd-consultation", token: f.alice, body: `{"location":"Geneva"}`}, 428, "precondition_required", ""},
		{"missing token", req{method: "POST", path: "/api/v1/events", body: event(`"colour":"red",`)}, 401, "unauthorized", ""},
		{"wrong token", req{method: "POST", path: "/api/v1/events", token: "mjo_" + strings.Repeat("A", 43), body: noID}, 401, "unauthorized", ""},
		{"wrong token on a read", req{method: "GET", path: "/api/v1/events", token: "nonsense-token-value"}, 401, "unauthorized", ""},
		{"non-existent event", req{method: "GET", path: "/api/v1/events/no-such-event"}, 404, "not_found", ""},
		{"confidential event anonymously", req{method: "GET", path: "/api/v1/events/reprisals-briefing"}, 404, "not_found", ""},
		{"confidential agenda anonymously", req{method: "GET", path: "/api/v1/events/reprisals-briefing/agenda"}, 404, "not_found", ""},
		{"confidential event to another organizer", req{method: "GET", path: "/api/v1/events/reprisals-briefing", token: f.bob}, 404, "not_found", ""},
		{"confidential event edited by another organizer", req{method: "PATCH", path: "/api/v1/events/reprisals-briefing", token: f.bob, body: `{"location":"x"}`, header: map[string]string{"If-Match": "*"}}, 404, "not_found", ""},
		{"members event anonymously", req{method: "GET", path: "/api/v1/events/members-briefing"}, 404, "not_found", ""},
		{"bad query time", req{method: "GET", path: "/api/v1/events?from=yesterday"}, 400, "invalid", "from"},
		{"bad query region", req{method: "GET", path: "/api/v1/events?region=mars"}, 400, "invalid", "region"},
		{"unknown query parameter", req{method: "GET", path: "/api/v1/events?colour=red"}, 400, "unknown_parameter", "colour"},
		{"unknown route", req{method: "GET", path: "/api/v1/nothing"}, 404, "not_found", ""},
	}
	before := f.snapshot()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(tc.req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			code, fields := errorOf(t, r)
			if code != tc.code {
				t.Fatalf("code %q, want %q: %s", code, tc.code, r.body)
			}
			if tc.field != "" && fields[tc.field] == "" {
				t.Fatalf("no message for field %q: %s", tc.field, r.body)
			}
			if strings.Contains(string(r.body), "reprisals-briefing") || strings.Contains(string(r.body), "members-briefing") {
				t.Fatalf("error leaks a hidden event: %s", r.body)
			}
		})
	}
	if after := f.snapshot(); after != before {
		t.Fatalf("rejected requests changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

func TestVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"reprisals-briefing"`, `"public"`, `"confidential"`).Replace(consultation), f.alice)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"members-briefing"`, `"public"`, `"members"`).Replace(consultation), f.alice)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"draft-webinar"`, `"published"`, `"draft"`).Replace(consultation), f.alice)
	ids := func(token string) string {
		r := f.do(req{method: "GET", path: "/api/v1/events", token: token})
		var list struct {
			Events []struct{ ID string } `json:"events"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list.Events {
			out = append(out, e.ID)
		}
		return strings.Join(out, ",")
	}
	tests := []struct{ who, token, want string }{
		{"anonymous", "", "hrd-consultation"},
		{"owner", f.alice, "draft-webinar,hrd-consultation,members-briefing,reprisals-briefing"},
		{"other organizer", f.bob, "draft-webinar,hrd-consultation,members-briefing"},
	}
	for _, tc := range tests {
		if got := ids(tc.token); got != tc.want {
			t.Errorf("%s sees %q, want %q", tc.who, got, tc.want)
		}
	}
	// Naming Bob as an invitee lets him see it.
	r := f.do(req{method: "PATCH", path: "/api/v1/events/reprisals-briefing", token: f.alice, body: fmt.Sprintf(`{"invitees":[%q]}`, f.bobID), header: map[string]string{"If-Match": "*"}})
	if r.status != 200 {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	if got := ids(f.bob); !strings.Contains(got, "reprisals-briefing") {
		t.Fatalf("invitee does not see it: %s", got)
	}
	// A revoked token stops working at once.
	if err := f.st.RevokeOrganizer(context.Background(), f.bobID); err != nil {
		t.Fatal(err)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events", token: f.bob}); r.status != 401 {
		t.Fatalf("revoked token: %d", r.status)
	}
}

func TestDeletePublishedCancelsIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	r := f.do(req{method: "DELETE", path: "/api/v1/events/hrd-consultation", token: f.alice, header: map[string]string{"If-Match": `"e1"`}})
	var ev map[string]any
	_ = json.Unmarshal(r.body, &ev)
	if r.status != 200 || ev["status"] != "cancelled" || ev["sequence"].(float64) != 1 {
		t.Fatalf("delete published: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation"}); r.status != 200 {
		t.Fatalf("a cancelled public event stays visible (calendars must learn of it): %d", r.status)
	}
}

var pathParam = regexp.MustCompile(`:([a-z]+)`)

func TestOpenAPIListsEveryRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.do(req{method: "GET", path: "/api/v1/openapi.json"})
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %d %v", r.status, err)
	}
	n := 0
	for _, rt := range f.srv.Echo().Routes() {
		p, ok := strings.CutPrefix(rt.Path, "/api/v1")
		if !ok || strings.HasSuffix(p, "/*") || p == "" || rt.Method == "echo_route_any" {
			continue
		}
		p = pathParam.ReplaceAllString(p, "{$1}")
		if _, ok := doc.Paths[p][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s is missing from openapi.json", rt.Method, p)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d API routes found", n)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := f.do(req{method: "GET", path: p}); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	f.st.Close()
	r := f.do(req{method: "GET", path: "/readyz"})
	if code, _ := errorOf(t, r); r.status != 503 || code != "store_unavailable" {
		t.Fatalf("readyz with a closed store: %d %s", r.status, r.body)
	}
}
