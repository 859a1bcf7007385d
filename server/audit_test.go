package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/server"
)

// namedOrganizer adds an organizer of region r with the given ID and
// returns its API token.
func (f *fixture) namedOrganizer(id, name string, r agenda.Region) string {
	f.t.Helper()
	token, hash := access.NewToken()
	if err := f.st.CreateOrganizer(context.Background(), access.Organizer{ID: id, Name: name, Region: r, TokenHash: hash, Created: time.Now().UTC()}); err != nil {
		f.t.Fatal(err)
	}
	return token
}

// pyCSV reads a CSV body with Python's csv module and returns its rows.
func pyCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "audit.csv")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    print(json.dumps(list(csv.reader(f, strict=True))))`
	out, err := exec.Command(python3(t, "csv"), "-c", script, p).Output()
	if err != nil {
		t.Fatalf("python csv cannot read the export: %v\n%s", err, body)
	}
	var rows [][]string
	mustUnmarshal(t, out, &rows)
	return rows
}

// TestAuditLog: every write is recorded once, in the store, without
// tokens; head office reads it all, on a page filtered by event and by
// organizer and as CSV (read back by Python's csv module); an organizer
// never reads entries about events or sources it may not see — not
// named, not timed, not counted — and an event's history page is for
// those who may edit it.
func TestAuditLog(t *testing.T) {
	f := newFixture(t)
	// Invitations need an event to come; the IDs are the server's (the
	// log remembers the IDs it was given).
	consultation := strings.NewReplacer("2021-", "2031-", `"id":"hrd-consultation",`, "").Replace(consultation)
	apf := f.namedOrganizer("org_apf", "APF secretariat", agenda.RegionAsiaPacific)
	_ = apf
	ennhri := f.namedOrganizer("org_ennhri", "ENNHRI secretariat", agenda.RegionEurope)
	must := func(r resp, status int) resp {
		t.Helper()
		if r.status != status {
			t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
		}
		return r
	}
	pub := f.create(strings.Replace(consultation, `"status":"published"`, `"status":"draft"`, 1), f.alice)["id"].(string) // event.created
	must(f.do(req{method: "PATCH", path: "/api/v1/events/" + pub + "", token: f.alice, body: `{"title":{"fr":"Consultation"},"location":"Geneva"}`,
		header: map[string]string{"If-Match": "*"}}), 200) // event.changed
	must(f.do(req{method: "PATCH", path: "/api/v1/events/" + pub + "", token: f.bob, body: `{"status":"published"}`,
		header: map[string]string{"If-Match": "*"}}), 200) // event.published, by Bob
	must(f.do(req{method: "PUT", path: "/api/v1/events/" + pub + "/agenda", token: f.alice, header: map[string]string{"If-Match": "*"},
		body: `{"items":[{"title":{"en":"Opening"},"start":"2031-07-01T14:30:00Z","duration":15,"kind":"opening"}]}`}), 200) // agenda.changed
	f.release(pub, f.alice) // agenda.released
	inv := must(f.do(req{method: "POST", path: "/api/v1/events/" + pub + "/invites", token: f.alice,
		body: `{"role":"interpreter","name":"Fatou Diop","languages":["en"],"booth":"fr"}`}), 201) // invite.created
	var invite struct{ ID, Token string }
	mustUnmarshal(t, inv.body, &invite)
	must(f.do(req{method: "DELETE", path: "/api/v1/events/" + pub + "/invites/" + invite.ID, token: f.alice}), 204) // invite.revoked
	secret := f.create(strings.NewReplacer(`"public"`, `"confidential"`,
		`"Consultation on the Global Action Plan"`, `"Threats against the Ombudsman"`).Replace(consultation), f.alice)["id"].(string) // hidden from Bob
	must(f.do(req{method: "DELETE", path: "/api/v1/events/" + pub + "", token: f.alice, header: map[string]string{"If-Match": "*"}}), 200) // event.cancelled
	src := must(f.addSource(ennhri, `{"region":"europe","name":"ENNHRI calendar","kind":"caldav","url":"https://dav.example/ennhri/","username":"majlis","password":"hunter2-secret"}`), 201)
	var srcID struct{ ID string }
	mustUnmarshal(t, src.body, &srcID)
	must(f.do(req{method: "PATCH", path: "/api/v1/sources/" + srcID.ID, token: ennhri, body: `{"paused":true,"password":"new-secret-pw"}`,
		header: map[string]string{"If-Match": "*"}}), 200) // source.changed

	entries, err := f.st.ListAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, string(e.Action))
	}
	want := "source.changed source.created event.cancelled event.created invite.revoked invite.created agenda.released agenda.changed event.published event.changed event.created"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("recorded, newest first:\n got %s\nwant %s", got, want)
	}
	if e := entries[0]; strings.Join(e.Fields, ",") != "password,paused" || e.Actor != "org_ennhri" || e.Source.Region != agenda.RegionEurope {
		t.Fatalf("source change: %+v", e)
	}
	if e := entries[9]; strings.Join(e.Fields, ",") != "title,location" || e.ActorName != "Alice" {
		t.Fatalf("event change: %+v", e)
	}
	if e := entries[8]; e.Actor != f.bobID || e.ActorName != "Bob" {
		t.Fatalf("publication: %+v", e)
	}
	if e := entries[5]; e.Role != "interpreter" || e.Person != "Fatou Diop" {
		t.Fatalf("invitation: %+v", e)
	}
	raw, _ := json.Marshal(entries)
	for _, secret := range []string{invite.Token, "hunter2", "new-secret-pw", f.alice, f.bob, ennhri, "dav.example"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the log holds a secret or an address (%.12s…): %s", secret, raw)
		}
	}

	cookies := map[string]*http.Cookie{"alice": f.signIn(f.aliceID), "bob": f.signIn(f.bobID), "apf": f.signIn("org_apf"), "ennhri": f.signIn("org_ennhri")}
	page := func(who, path string) (int, string) {
		t.Helper()
		res, body := f.browse(browserReq{method: "GET", path: path, cookie: cookies[who], header: map[string]string{"Accept-Language": "en"}})
		return res.StatusCode, body
	}
	tests := []struct {
		who, path  string
		shown      string
		has, hasNo []string
	}{
		{"alice", "/organizer/audit", "Entries shown: 11 of 11.", []string{"Threats against the Ombudsman", "ENNHRI calendar", "invited", "interpreter: Fatou Diop", "fields: title, location", "release 2"}, nil},
		{"bob", "/organizer/audit", "Entries shown: 10 of 10.", []string{"Consultation on the Global Action Plan", "published the event", "ENNHRI calendar"}, []string{"Threats against", secret}},
		{"apf", "/organizer/audit", "Entries shown: 8 of 8.", []string{"Consultation on the Global Action Plan"}, []string{"Threats against", secret, "ENNHRI calendar"}},
		{"ennhri", "/organizer/audit", "Entries shown: 10 of 10.", []string{"ENNHRI calendar", "changed a calendar source", "fields: password, paused"}, []string{secret, "Threats against"}},
		{"alice", "/organizer/audit?event=" + pub, "Entries shown: 8 of 8.", nil, []string{"ENNHRI calendar", "Threats against the Ombudsman</a>"}},
		{"alice", "/organizer/audit?organizer=" + f.bobID, "Entries shown: 1 of 1.", []string{"published the event"}, []string{"<td>invited</td>"}},
		{"bob", "/organizer/audit?event=" + secret, "Entries shown: 0 of 0.", nil, []string{"Threats against"}},
	}
	for _, tc := range tests {
		t.Run(tc.who+" "+tc.path, func(t *testing.T) {
			status, body := page(tc.who, tc.path)
			if status != 200 || !strings.Contains(body, tc.shown) {
				t.Fatalf("%d, want %q:\n%s", status, tc.shown, body)
			}
			for _, s := range tc.has {
				if !strings.Contains(body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.hasNo {
				if strings.Contains(body, s) {
					t.Errorf("shows %q", s)
				}
			}
		})
	}
	// A hidden event as a filter answers exactly like an unknown one.
	_, hidden := page("bob", "/organizer/audit?event="+secret)
	_, unknown := page("bob", "/organizer/audit?event=no-such-event")
	if strings.ReplaceAll(hidden, secret, "no-such-event") != unknown {
		t.Fatal("filtering by a hidden event differs from filtering by an unknown one")
	}
	if status, _ := page("alice", "/organizer/audit"); status != 200 {
		t.Fatal("audit page")
	}
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/audit"}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous: %d", res.StatusCode)
	}

	t.Run("CSV", func(t *testing.T) {
		csvOf := func(who, query string) [][]string {
			res, body := f.browse(browserReq{method: "GET", path: "/organizer/audit.csv" + query, cookie: cookies[who]})
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Fatalf("%s CSV: %d %s", who, res.StatusCode, res.Header.Get("Content-Type"))
			}
			return pyCSV(t, []byte(body))
		}
		rows := csvOf("alice", "")
		if len(rows) != 12 || strings.Join(rows[0], ",") != "time,organizer_id,organizer,action,event,event_title,source,source_name,fields,release,role,person,institution,institution_name,accreditation,added,changed" {
			t.Fatalf("head office CSV: %d rows, header %v", len(rows), rows[0])
		}
		if r := rows[7]; r[3] != "agenda.released" || r[4] != pub || r[9] != "2" || r[2] != "Alice" {
			t.Fatalf("a release row: %v", r)
		}
		if r := rows[1]; r[3] != "source.changed" || r[8] != "password paused" || r[7] != "ENNHRI calendar" {
			t.Fatalf("a source row: %v", r)
		}
		if _, err := time.Parse(time.RFC3339, rows[1][0]); err != nil {
			t.Fatalf("time: %v", err)
		}
		for _, r := range csvOf("bob", "") {
			if strings.Contains(strings.Join(r, ","), secret) || strings.Contains(strings.Join(r, ","), "Threats") {
				t.Fatalf("Bob's CSV names the hidden event: %v", r)
			}
		}
		if rows := csvOf("bob", "?event="+secret); len(rows) != 1 {
			t.Fatalf("Bob's CSV of the hidden event: %v", rows)
		}
		if rows := csvOf("alice", "?organizer="+url.QueryEscape(f.bobID)); len(rows) != 2 || rows[1][3] != "event.published" {
			t.Fatalf("by organizer: %v", rows)
		}
	})

	t.Run("history", func(t *testing.T) {
		status, body := page("alice", "/organizer/events/"+pub+"/history")
		if status != 200 || !strings.Contains(body, "The public sees release 2 of the agenda.") || !strings.Contains(body, `aria-current="page"`) ||
			!strings.Contains(body, "The draft adds, moves, renames or removes no item.") || !strings.Contains(body, "interpreter: Fatou Diop") {
			t.Fatalf("history: %d\n%s", status, body)
		}
		missingStatus, missing := page("bob", "/organizer/events/no-such-event/history")
		hiddenStatus, hidden := page("bob", "/organizer/events/"+secret+"/history")
		if missingStatus != 404 || hiddenStatus != 404 || strings.ReplaceAll(hidden, secret, "no-such-event") != missing {
			t.Fatalf("a hidden event's history: %d, a missing one's %d", hiddenStatus, missingStatus)
		}
	})

	t.Run("publish from the history page", func(t *testing.T) {
		ck := cookies["alice"]
		csrf := f.csrf(ck)
		a, _ := f.st.GetAgenda(context.Background(), secret)
		if _, err := f.svc.PutAgenda(context.Background(), secret, []agenda.Item{{ID: "it-threats", Title: agenda.Text{"en": "Threats"},
			Start: time.Date(2031, 7, 1, 14, 30, 0, 0, time.UTC), Minutes: 30, Kind: agenda.ItemStanding}}, a.Version); err != nil {
			t.Fatal(err)
		}
		_, body := page("alice", "/organizer/events/"+secret+"/history")
		if !strings.Contains(body, "Added: Threats") {
			t.Fatalf("the draft's changes are not shown:\n%s", body)
		}
		form := func(etag, note string) (*http.Response, string) {
			return f.browse(browserReq{method: "POST", path: "/organizer/events/" + secret + "/history/release", cookie: ck,
				form: url.Values{"csrf": {csrf}, "etag": {etag}, "note": {note}}, header: map[string]string{"Accept-Language": "fr"}})
		}
		if res, body := form(`"a1"`, ""); res.StatusCode != http.StatusPreconditionFailed || !strings.Contains(body, "Le brouillon a changé") {
			t.Fatalf("a stale form: %d", res.StatusCode)
		}
		if res, body := form(`"a2"`, strings.Repeat("x", 501)); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "500 caractères") {
			t.Fatalf("a long note: %d", res.StatusCode)
		}
		res, _ := form(`"a2"`, "Standing item")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/events/"+secret+"/history?released=2" {
			t.Fatalf("publish: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := f.browse(browserReq{method: "POST", path: "/organizer/events/" + secret + "/history/release", cookie: ck,
			form: url.Values{"etag": {`"a3"`}}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("without the CSRF token: %d", res.StatusCode)
		}
		_, body = page("alice", "/organizer/events/"+secret+"/history?released=2")
		if !strings.Contains(body, "Release 2 is published") || !strings.Contains(body, "Standing item") {
			t.Fatalf("after publishing:\n%s", body)
		}
	})
}

// TestAuditLogIsBounded: the log keeps the newest Config.AuditKeep entries.
func TestAuditLogIsBounded(t *testing.T) {
	t.Parallel()
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", AuditKeep: 3}, nil)
	f.create(consultation, f.alice)
	for _, fr := range []string{"Un", "Deux", "Trois", "Quatre"} {
		if r := f.do(req{method: "PATCH", path: "/api/v1/events/hrd-consultation", token: f.alice, body: `{"title":{"fr":"` + fr + `"}}`,
			header: map[string]string{"If-Match": "*"}}); r.status != 200 {
			t.Fatal(r.status)
		}
	}
	entries, err := f.st.ListAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, e := range entries {
		titles = append(titles, e.Event.Title["fr"])
		if e.Action != audit.EventChanged {
			t.Fatalf("an older entry was kept: %+v", e)
		}
	}
	if strings.Join(titles, " ") != "Quatre Trois Deux" {
		t.Fatalf("kept %v, want the newest three", titles)
	}
}
