package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
)

// release publishes the draft agenda of event id as its next release,
// whatever the draft holds (If-Match *), as token.
func (f *fixture) release(id, token string) {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/agenda/releases", token: token, header: map[string]string{"If-Match": "*"}})
	if r.status != http.StatusCreated {
		f.t.Fatalf("release the agenda of %s: %d %s", id, r.status, r.body)
	}
}

// python3 finds an interpreter with the given modules, or fails saying
// how to install them.
func python3(t *testing.T, modules string) string {
	t.Helper()
	for _, py := range []string{os.Getenv("MAJLIS_PYTHON"), "python3", "/usr/bin/python3"} {
		if py != "" && exec.Command(py, "-c", "import "+modules).Run() == nil {
			return py
		}
	}
	t.Fatalf("no python3 can import %s: install Debian's python3-icalendar (sudo apt-get install python3-icalendar), or set MAJLIS_PYTHON; scripts/test does this", modules)
	return ""
}

// pyFeed reads a feed with Python's icalendar (an implementation
// independent of ours) and returns, per UID, its SEQUENCE and DESCRIPTION.
func pyFeed(t *testing.T, body []byte) map[string]struct {
	Sequence    int
	Description string
} {
	t.Helper()
	p := filepath.Join(t.TempDir(), "feed.ics")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import sys, json, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = {}
for c in cal.walk('VEVENT'):
    out[str(c.get('UID'))] = {'Sequence': int(c.get('SEQUENCE', 0)), 'Description': str(c.get('DESCRIPTION', ''))}
print(json.dumps(out))`
	raw, err := exec.Command(python3(t, "icalendar"), "-c", script, p).Output()
	if err != nil {
		t.Fatalf("python icalendar cannot read the feed: %v", err)
	}
	var out map[string]struct {
		Sequence    int
		Description string
	}
	mustUnmarshal(t, raw, &out)
	return out
}

// TestReleasesAreWhatThePublicSees: organizers edit a draft; the API for
// everyone else, the event page and the feed show the newest release, and
// the feed's SEQUENCE moves once per release, never per edit (read by
// Python's icalendar); the page says what the release changed in the
// reader's language.
func TestReleasesAreWhatThePublicSees(t *testing.T) {
	f := newFixture(t)
	f.create(consultation, f.alice)
	const ev = "hrd-consultation"
	put := func(items string) {
		t.Helper()
		if r := f.do(req{method: "PUT", path: "/api/v1/events/" + ev + "/agenda", token: f.alice, body: `{"items":[` + items + `]}`,
			header: map[string]string{"If-Match": "*"}}); r.status != 200 {
			t.Fatalf("put the draft: %d %s", r.status, r.body)
		}
	}
	feed := func() (int, string) {
		t.Helper()
		r := f.do(req{method: "GET", path: "/feeds/events/" + ev + ".ics"})
		if r.status != 200 {
			t.Fatalf("feed: %d", r.status)
		}
		got, ok := pyFeed(t, r.body)[ev+"@majlis"]
		if !ok {
			t.Fatalf("the event is not in its feed:\n%s", r.body)
		}
		return got.Sequence, got.Description
	}
	page := func(lang string) string {
		t.Helper()
		r := f.do(req{method: "GET", path: "/events/" + ev + "?lang=" + lang + "&tz=UTC"})
		if r.status != 200 {
			t.Fatalf("page: %d", r.status)
		}
		return string(r.body)
	}
	item := func(id, title, start string, minutes int) string {
		return fmt.Sprintf(`{"id":%q,"title":{"en":%q},"start":"2021-07-01T%s:00Z","duration":%d,"kind":"presentation"}`, id, title, start, minutes)
	}

	seq0, _ := feed()
	put(item("it-a", "Opening", "14:30", 15) + "," + item("it-b", "Presentation", "14:45", 10) + "," + item("it-c", "Debate", "15:00", 30))
	put(item("it-a", "Opening", "14:30", 15) + "," + item("it-b", "Presentation", "14:45", 10) + "," + item("it-c", "Debate", "15:00", 30) + "," + item("it-x", "Draft only", "15:30", 10))
	put(item("it-a", "Opening", "14:30", 15) + "," + item("it-b", "Presentation", "14:45", 10) + "," + item("it-c", "Debate", "15:00", 30))
	if seq, desc := feed(); seq != seq0 || strings.Contains(desc, "Opening") {
		t.Fatalf("three draft edits reached the feed: SEQUENCE %d (was %d), %q", seq, seq0, desc)
	}
	if strings.Contains(page("en"), "Opening") {
		t.Fatal("the page shows the draft")
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events/" + ev + "/agenda"}); strings.Contains(string(r.body), "Opening") {
		t.Fatalf("the API shows the draft to the public: %s", r.body)
	}
	f.release(ev, f.alice)
	seq1, desc := feed()
	if seq1 != seq0+1 || !strings.Contains(desc, "Opening") || !strings.Contains(desc, "Debate") {
		t.Fatalf("release 1: SEQUENCE %d (was %d), %q", seq1, seq0, desc)
	}
	// Created published, the event had release 1 (empty): this is 2.
	if body := page("en"); !strings.Contains(body, "Opening") || !strings.Contains(body, "What changed in release 2 of the agenda") ||
		!strings.Contains(body, "Added: Debate, 15:00–15:30") {
		t.Fatal("release 2 on the page: the agenda, and what it added")
	}

	// Renamed, moved, removed, added; then one release.
	put(item("it-a", "Welcome and opening", "14:30", 15) + "," + item("it-b", "Presentation", "14:50", 10))
	put(item("it-a", "Welcome and opening", "14:30", 15) + "," + item("it-b", "Presentation", "14:50", 10) + "," + item("it-d", "Closing", "15:50", 10))
	if seq, _ := feed(); seq != seq1 {
		t.Fatalf("draft edits after a release moved SEQUENCE to %d", seq)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/events/" + ev + "/agenda/releases", token: f.alice, body: `{"note":"Debate dropped"}`,
		header: map[string]string{"If-Match": "*"}}); r.status != 201 {
		t.Fatalf("release 2: %d %s", r.status, r.body)
	}
	if seq, desc := feed(); seq != seq1+1 || !strings.Contains(desc, "Closing") || strings.Contains(desc, "Debate") {
		t.Fatalf("release 2: SEQUENCE %d, want %d; %q", seq, seq1+1, desc)
	}
	tests := []struct {
		lang string
		want []string
	}{
		{"en", []string{"What changed in release 3 of the agenda", "Debate dropped", "Renamed: “Opening” is now “Welcome and opening”",
			"Moved: Presentation, from 14:45–14:55 to 14:50–15:00", "Added: Closing, 15:50–16:00", "Removed: Debate (was 15:00–15:30)"}},
		{"fr", []string{"Ce qui a changé dans la version 3 du programme", "Renommé : « Opening » devient « Welcome and opening »",
			"Déplacé : Presentation, de 14:45–14:55 à 14:50–15:00", "Ajouté : Closing, 15:50–16:00", "Retiré : Debate (prévu 15:00–15:30)"}},
		{"es", []string{"Qué cambió en la versión 3 del programa", "Movido: Presentation, de 14:45–14:55 a 14:50–15:00", "Añadido: Closing", "Suprimido: Debate"}},
		{"ar", []string{"ما الذي تغيّر في الإصدار 3 من جدول الأعمال", "نُقل: Presentation، من \u206614:45–14:55\u2069 إلى \u206614:50–15:00\u2069", "أُضيف: Closing", "حُذف: Debate"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			body := page(tc.lang)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the %s page lacks %q", tc.lang, w)
				}
			}
		})
	}
	var list struct {
		Published int
		Releases  []struct {
			Number  int
			By      string
			Note    string
			Changes []struct{ Kind, Item string }
		}
	}
	r := f.do(req{method: "GET", path: "/api/v1/events/" + ev + "/agenda/releases"})
	mustUnmarshal(t, r.body, &list)
	if r.status != 200 || list.Published != 3 || len(list.Releases) != 3 || list.Releases[0].Number != 3 || list.Releases[0].By != "" ||
		list.Releases[0].Note != "Debate dropped" || len(list.Releases[0].Changes) != 4 || len(list.Releases[1].Changes) != 0 {
		t.Fatalf("releases, anonymously: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/" + ev + "/agenda/releases", token: f.bob})
	mustUnmarshal(t, r.body, &list)
	if list.Releases[0].By != f.aliceID {
		t.Fatalf("releases, to an organizer: %s", r.body)
	}
}

// TestReleaseInput: a release needs the draft's ETag (not the published
// one), takes a note of at most 500 characters, and is for those who may
// edit the event.
func TestReleaseInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	path := "/api/v1/events/hrd-consultation/agenda/releases"
	draft := f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation/agenda", token: f.alice}).header.Get("ETag")
	published := f.do(req{method: "GET", path: "/api/v1/events/hrd-consultation/agenda"}).header.Get("ETag")
	if !strings.HasPrefix(draft, `"a`) || !strings.HasPrefix(published, `"p`) {
		t.Fatalf("ETags: draft %s, published %s", draft, published)
	}
	tests := []struct {
		name, token, body, ifMatch string
		status                     int
		field                      string
	}{
		{"anonymous", "", "", draft, 401, ""},
		{"without If-Match", f.alice, "", "", 428, ""},
		{"the published ETag", f.alice, "", published, 412, ""},
		{"a long note", f.alice, `{"note":"` + strings.Repeat("é", agenda.MaxNoteRunes+1) + `"}`, draft, 422, "note"},
		{"an unknown field", f.alice, `{"notes":"x"}`, draft, 400, "notes"},
		{"a bidi override", f.alice, `{"note":"a\u202eb"}`, draft, 422, "note"},
		{"the draft's ETag", f.alice, `{"note":"First"}`, draft, 201, ""},
		{"the same ETag again", f.alice, "", draft, 412, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.ifMatch != "" {
				h["If-Match"] = tc.ifMatch
			}
			r := f.do(req{method: "POST", path: path, token: tc.token, body: tc.body, header: h})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.field != "" {
				if _, fields := errorOf(t, r); fields[tc.field] == "" {
					t.Fatalf("no message for %s: %s", tc.field, r.body)
				}
			}
		})
	}
}

// TestReleasesOfHiddenEvents: the releases of an event a reader may not
// see answer exactly like those of a missing event.
func TestReleasesOfHiddenEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"reprisals-briefing"`, `"public"`, `"confidential"`).Replace(consultation), f.alice)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"members-briefing"`, `"public"`, `"members"`).Replace(consultation), f.alice)
	f.release("reprisals-briefing", f.alice)
	missing := f.do(req{method: "GET", path: "/api/v1/events/no-such-event/agenda/releases", token: f.bob})
	tests := []struct{ name, path, token string }{
		{"confidential, to another organizer", "/api/v1/events/reprisals-briefing/agenda/releases", f.bob},
		{"confidential, anonymously", "/api/v1/events/reprisals-briefing/agenda/releases", ""},
		{"members-only, anonymously", "/api/v1/events/members-briefing/agenda/releases", ""},
		{"publish on a confidential event, by another organizer", "/api/v1/events/reprisals-briefing/agenda/releases#post", f.bob},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, path := "GET", tc.path
			if p, ok := strings.CutSuffix(path, "#post"); ok {
				method, path = "POST", p
			}
			r := f.do(req{method: method, path: path, token: tc.token, header: map[string]string{"If-Match": "*"}})
			if r.status != 404 || !bytes.Equal(r.body, missing.body) {
				t.Fatalf("%d %s, want what a missing event gets: %d %s", r.status, r.body, missing.status, missing.body)
			}
		})
	}
}

// TestRoomRunsThePublishedAgenda: the room's live agenda knows the
// released items, not the draft's.
func TestRoomRunsThePublishedAgenda(t *testing.T) {
	f := newRoomFixture(t, nil)
	ctx := context.Background()
	a, err := f.st.GetAgenda(ctx, roomEvent)
	if err != nil {
		t.Fatal(err)
	}
	extra := agenda.Item{ID: "it-draft", Title: agenda.Text{"en": "Draft only"}, Start: f.items[0].Start, Minutes: 10, Kind: agenda.ItemDiscussion, Parallel: true, Speakers: []agenda.Text{}}
	if a, err = f.svc.PutAgenda(ctx, roomEvent, append(a.Items, extra), a.Version); err != nil {
		t.Fatal(err)
	}
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	host.send(realtime.CmdAgendaStart, "d1", map[string]string{"item": "it-draft"})
	if env := host.expect(realtime.MsgError); errorCode(t, env) != realtime.ErrUnknown || env.ID != "d1" {
		t.Fatalf("starting an item of the draft: %+v", env)
	}
	if _, _, err := f.svc.Publish(ctx, roomEvent, "", f.aliceID, a.Version); err != nil {
		t.Fatal(err)
	}
	host.send(realtime.CmdAgendaStart, "d2", map[string]string{"item": "it-draft"})
	var prog realtime.Progress
	mustUnmarshal(t, host.expect(realtime.MsgAgenda).Data, &prog)
	if prog.Current != "it-draft" {
		t.Fatalf("after the release: %+v", prog)
	}
}

var _ = json.Marshal
