package calendar_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/internal/radicaletest"
)

// alliance returns a public published event of majlis in region r.
func alliance(id string, r agenda.Region, start time.Time) agenda.Event {
	return agenda.Event{ID: id, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Alliance " + id, "ar": "التحالف"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Zurich", Region: r,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"ar", "en"}}
}

// TestCalDAVBothWays keeps a regional calendar on a real CalDAV server
// (radicale) in step with majlis: push, a remote edit of the network's
// own event, pull, a conflict on a pushed event edited remotely, deletion
// of a cancelled event, and a remote deletion.
func TestCalDAVBothWays(t *testing.T) {
	t.Parallel()
	dav := radicaletest.Start(t)
	coll := dav.Calendar(t, "ennhri")
	h := newHarness(t, calendar.SyncConfig{BaseURL: "https://majlis.example.org"})
	h.addSource(t, calendar.Source{ID: "ennhri-dav", Region: agenda.RegionEurope, Name: "ENNHRI shared calendar",
		Kind: calendar.SourceCalDAV, URL: coll, Username: radicaletest.User, Password: radicaletest.Password})

	day := t0.Add(10 * 24 * time.Hour)
	for _, e := range []agenda.Event{
		alliance("global-briefing", agenda.RegionGlobal, day),
		alliance("europe-webinar", agenda.RegionEurope, day.Add(2*time.Hour)),
		alliance("africa-webinar", agenda.RegionAfrica, day.Add(4*time.Hour)), // another region: not pushed
		func() agenda.Event { // members only: never pushed
			e := alliance("europe-members", agenda.RegionEurope, day.Add(6*time.Hour))
			e.Visibility = agenda.VisibilityMembers
			return e
		}(),
	} {
		if _, _, err := h.agenda.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	put := func(name string, body string, header http.Header) *radicaletest.Response {
		t.Helper()
		if header == nil {
			header = http.Header{}
		}
		header.Set("Content-Type", "text/calendar")
		return dav.Do(t, http.MethodPut, coll+name, header, []byte(body))
	}
	networkEvent := func(summary string) string {
		return vcalendar("", vevent("assembly@ennhri.example", summary, day.Add(24*time.Hour)))
	}
	if r := put("assembly.ics", networkEvent("ENNHRI general assembly"), nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("remote PUT: %s", r.Status)
	}

	// Push and pull.
	st := h.syncOK(t, "ennhri-dav")
	if st.State != calendar.StateOK || st.Added != 1 || st.Pushed != 2 {
		t.Fatalf("first sync: %+v", st)
	}
	for name, want := range map[string]int{"global-briefing.ics": 200, "europe-webinar.ics": 200, "africa-webinar.ics": 404, "europe-members.ics": 404} {
		r := dav.Do(t, http.MethodGet, coll+name, nil, nil)
		if r.StatusCode != want {
			t.Fatalf("GET %s: %s, want %d", name, r.Status, want)
		}
		if want == 200 && !strings.Contains(string(r.Data), "UID:"+strings.TrimSuffix(name, ".ics")+"@majlis") {
			t.Fatalf("%s holds no majlis UID:\n%s", name, r.Data)
		}
	}
	imported := h.imported(t, "ennhri-dav")
	if len(imported) != 1 || imported["assembly@ennhri.example"].Title["en"] != "ENNHRI general assembly" {
		t.Fatalf("pulled: %+v (majlis's own events must not come back)", imported)
	}

	// Nothing changed: nothing is written again.
	if st = h.syncOK(t, "ennhri-dav"); st.Pushed != 0 || st.Added+st.Updated+st.Cancelled != 0 {
		t.Fatalf("idempotent sync: %+v", st)
	}

	// The network edits its own event: majlis follows.
	put("assembly.ics", networkEvent("ENNHRI general assembly (hybrid)"), nil)
	if st = h.syncOK(t, "ennhri-dav"); st.Updated != 1 {
		t.Fatalf("after a remote edit: %+v", st)
	}
	if e := h.imported(t, "ennhri-dav")["assembly@ennhri.example"]; e.Title["en"] != "ENNHRI general assembly (hybrid)" || e.Sequence != 1 {
		t.Fatalf("pulled edit: %+v", e)
	}

	// Someone edits majlis's copy remotely, then majlis changes the event:
	// the remote copy is kept and the conflict reported.
	remote := dav.Do(t, http.MethodGet, coll+"europe-webinar.ics", nil, nil)
	edited := strings.Replace(string(remote.Data), "SUMMARY;LANGUAGE=en:Alliance europe-webinar", "SUMMARY:Edited at ENNHRI", 1)
	if r := put("europe-webinar.ics", edited, http.Header{"If-Match": {remote.Header.Get("ETag")}}); r.StatusCode/100 != 2 {
		t.Fatalf("remote edit: %s", r.Status)
	}
	e, err := h.store.GetEvent(ctx, "europe-webinar")
	if err != nil {
		t.Fatal(err)
	}
	e.Title = agenda.Text{"en": "Alliance webinar, new title"}
	if _, err := h.agenda.UpdateEvent(ctx, e, e.Version); err != nil {
		t.Fatal(err)
	}
	h.syncOK(t, "ennhri-dav")
	pushes, err := h.store.ListPushes(ctx, "ennhri-dav")
	if err != nil {
		t.Fatal(err)
	}
	conflicts := 0
	for _, p := range pushes {
		if p.Conflict != "" {
			conflicts++
			if p.EventID != "europe-webinar" {
				t.Fatalf("conflict on %s", p.EventID)
			}
		}
	}
	if conflicts != 1 {
		t.Fatalf("push records %+v: want one conflict", pushes)
	}
	if r := dav.Do(t, http.MethodGet, coll+"europe-webinar.ics", nil, nil); !strings.Contains(string(r.Data), "Edited at ENNHRI") {
		t.Fatalf("the remote edit was overwritten:\n%s", r.Data)
	}

	// A cancelled majlis event is deleted remotely.
	if _, _, err := h.agenda.DeleteEvent(ctx, "global-briefing", 0); err != nil {
		t.Fatal(err)
	}
	if st = h.syncOK(t, "ennhri-dav"); st.Pushed != 1 {
		t.Fatalf("after cancelling: %+v", st)
	}
	if r := dav.Do(t, http.MethodGet, coll+"global-briefing.ics", nil, nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("cancelled event still on the server: %s", r.Status)
	}

	// The network deletes its event: majlis cancels its copy.
	if r := dav.Do(t, http.MethodDelete, coll+"assembly.ics", nil, nil); r.StatusCode/100 != 2 {
		t.Fatalf("remote DELETE: %s", r.Status)
	}
	if st = h.syncOK(t, "ennhri-dav"); st.Cancelled != 1 {
		t.Fatalf("after a remote delete: %+v", st)
	}
	if e := h.imported(t, "ennhri-dav")["assembly@ennhri.example"]; e.Status != agenda.StatusCancelled {
		t.Fatalf("remotely deleted event: %+v", e)
	}
}

// Wrong credentials are an error on the source, and change nothing.
func TestCalDAVWrongPassword(t *testing.T) {
	t.Parallel()
	dav := radicaletest.Start(t)
	coll := dav.Calendar(t, "apf")
	h := newHarness(t, calendar.SyncConfig{})
	h.addSource(t, calendar.Source{ID: "apf-dav", Region: agenda.RegionAsiaPacific, Name: "APF", Kind: calendar.SourceCalDAV,
		URL: coll, Username: radicaletest.User, Password: "wrong"})
	st := h.syncOK(t, "apf-dav")
	if st.State != calendar.StateError || !strings.Contains(st.LastError, "401") || strings.Contains(st.LastError, "wrong") {
		t.Fatalf("status %+v: want a 401 error that does not show the password", st)
	}
}

// A CalDAV answer over the size limit is an error on the source, and
// nothing is imported.
func TestCalDAVOversizedAnswer(t *testing.T) {
	t.Parallel()
	dav := radicaletest.Start(t)
	coll := dav.Calendar(t, "rindhca")
	for i := range 5 {
		body := vcalendar("", vevent(fmt.Sprintf("m%d@rindhca", i), strings.Repeat("Reunión regional ", 20), t0.Add(time.Duration(i+1)*24*time.Hour)))
		if r := dav.Do(t, http.MethodPut, coll+fmt.Sprintf("m%d.ics", i), http.Header{"Content-Type": {"text/calendar"}}, []byte(body)); r.StatusCode != http.StatusCreated {
			t.Fatalf("remote PUT: %s", r.Status)
		}
	}
	h := newHarness(t, calendar.SyncConfig{MaxBytes: 2000})
	h.addSource(t, calendar.Source{ID: "rindhca", Region: agenda.RegionAmericas, Name: "RINDHCA", Kind: calendar.SourceCalDAV,
		URL: coll, Username: radicaletest.User, Password: radicaletest.Password})
	st := h.syncOK(t, "rindhca")
	if st.State != calendar.StateError || !strings.Contains(st.LastError, "size limit") || len(h.imported(t, "rindhca")) != 0 {
		t.Fatalf("status %+v, %d imported", st, len(h.imported(t, "rindhca")))
	}
}

// TestCalDAVWithdraws: a copy majlis pushed is withdrawn (deleted with
// If-Match) when its event may no longer go to that calendar: it became
// members-only, confidential or a draft, or moved to another region. A
// copy names its meeting (RELATED-TO) only while the meeting is public,
// and is rewritten without it when the meeting stops being public.
func TestCalDAVWithdraws(t *testing.T) {
	t.Parallel()
	dav := radicaletest.Start(t)
	coll := dav.Calendar(t, "ennhri-withdraw")
	h := newHarness(t, calendar.SyncConfig{BaseURL: "https://majlis.example.org"})
	h.addSource(t, calendar.Source{ID: "ennhri-dav", Region: agenda.RegionEurope, Name: "ENNHRI shared calendar",
		Kind: calendar.SourceCalDAV, URL: coll, Username: radicaletest.User, Password: radicaletest.Password})

	day := t0.Add(10 * 24 * time.Hour)
	meeting := func(id string, v agenda.Visibility) agenda.Event {
		e := alliance(id, agenda.RegionGlobal, day.Add(24*time.Hour))
		e.Kind, e.End, e.Visibility = agenda.KindAnnualMeeting, e.Start.Add(8*time.Hour), v
		return e
	}
	side := func(id, parent string) agenda.Event {
		e := alliance(id, agenda.RegionEurope, day.Add(25*time.Hour))
		e.Kind, e.Parent = agenda.KindSideEvent, parent
		return e
	}
	for _, e := range []agenda.Event{
		alliance("to-members", agenda.RegionEurope, day),
		alliance("to-confidential", agenda.RegionEurope, day.Add(time.Hour)),
		alliance("to-draft", agenda.RegionEurope, day.Add(2*time.Hour)),
		alliance("to-africa", agenda.RegionEurope, day.Add(3*time.Hour)),
		alliance("stays", agenda.RegionEurope, day.Add(4*time.Hour)),
		meeting("open-meeting", agenda.VisibilityPublic),
		meeting("closed-meeting", agenda.VisibilityConfidential),
		side("side-of-open", "open-meeting"),
		side("side-of-closed", "closed-meeting"),
	} {
		if _, _, err := h.agenda.CreateEvent(ctx, e, nil); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
	}
	get := func(name string) *radicaletest.Response {
		t.Helper()
		return dav.Do(t, http.MethodGet, coll+name+".ics", nil, nil)
	}
	if st := h.syncOK(t, "ennhri-dav"); st.State != calendar.StateOK || st.Pushed != 8 {
		t.Fatalf("first sync: %+v", st)
	}
	if r := get("side-of-open"); !strings.Contains(string(r.Data), "RELATED-TO;RELTYPE=PARENT:open-meeting@majlis") {
		t.Fatalf("the side event of a public meeting does not name it:\n%s", r.Data)
	}
	if r := get("side-of-closed"); r.StatusCode != 200 || strings.Contains(string(r.Data), "closed-meeting") {
		t.Fatalf("the side event of a confidential meeting names it (%s):\n%s", r.Status, r.Data)
	}

	change := func(id string, edit func(*agenda.Event)) {
		t.Helper()
		e, err := h.store.GetEvent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		edit(&e)
		if _, err := h.agenda.UpdateEvent(ctx, e, e.Version); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	change("to-members", func(e *agenda.Event) { e.Visibility = agenda.VisibilityMembers })
	change("to-confidential", func(e *agenda.Event) { e.Visibility = agenda.VisibilityConfidential })
	change("to-draft", func(e *agenda.Event) { e.Status = agenda.StatusDraft })
	change("to-africa", func(e *agenda.Event) { e.Region = agenda.RegionAfrica })
	change("open-meeting", func(e *agenda.Event) { e.Visibility = agenda.VisibilityConfidential })
	// Five withdrawn (the four and the meeting), one rewritten.
	if st := h.syncOK(t, "ennhri-dav"); st.State != calendar.StateOK || st.Pushed != 6 {
		t.Fatalf("second sync: %+v", st)
	}
	tests := []struct {
		name   string
		status int
	}{
		{"to-members", 404}, {"to-confidential", 404}, {"to-draft", 404}, {"to-africa", 404},
		{"stays", 200}, {"side-of-open", 200}, {"side-of-closed", 200},
		{"open-meeting", 404}, {"closed-meeting", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(tt.name)
			if r.StatusCode != tt.status {
				t.Fatalf("GET %s: %s, want %d", tt.name, r.Status, tt.status)
			}
			if strings.Contains(string(r.Data), "RELATED-TO") {
				t.Fatalf("%s names a meeting that is not public:\n%s", tt.name, r.Data)
			}
		})
	}
	// Nothing left to do: nothing is written again.
	if st := h.syncOK(t, "ennhri-dav"); st.Pushed != 0 {
		t.Fatalf("idempotent sync: %+v", st)
	}
}

// TestCalDAVKeepsUIDOfOldCopies: a copy pushed when UIDs followed the base
// URL's host keeps that UID when its event changes (radicale, like the RFC,
// refuses a new UID at the same href: 409 no-uid-conflict); new copies get
// the stable UID.
func TestCalDAVKeepsUIDOfOldCopies(t *testing.T) {
	t.Parallel()
	dav := radicaletest.Start(t)
	coll := dav.Calendar(t, "apf-upgrade")
	h := newHarness(t, calendar.SyncConfig{BaseURL: "https://majlis.example.org"})
	h.addSource(t, calendar.Source{ID: "apf-dav", Region: agenda.RegionAsiaPacific, Name: "APF shared calendar",
		Kind: calendar.SourceCalDAV, URL: coll, Username: radicaletest.User, Password: radicaletest.Password})
	day := t0.Add(10 * 24 * time.Hour)
	old, fresh := alliance("old-copy", agenda.RegionAsiaPacific, day), alliance("new-copy", agenda.RegionAsiaPacific, day.Add(2*time.Hour))
	for _, e := range []agenda.Event{old, fresh} {
		if _, _, err := h.agenda.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	// What an earlier majlis left: its copy, under the host's UID, and its
	// push record.
	body := vcalendar("", vevent("old-copy@majlis.example.org", "Alliance old-copy", day))
	r := dav.Do(t, http.MethodPut, coll+"old-copy.ics", http.Header{"Content-Type": {"text/calendar"}}, []byte(body))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("remote PUT: %s", r.Status)
	}
	href := dav.Do(t, http.MethodGet, coll+"old-copy.ics", nil, nil)
	u, _ := url.Parse(coll)
	if err := h.store.PutPush(ctx, "apf-dav", calendar.Push{EventID: "old-copy", Href: u.Path + "old-copy.ics",
		ETag: strings.Trim(href.Header.Get("ETag"), `"`)}); err != nil {
		t.Fatal(err)
	}
	e, err := h.store.GetEvent(ctx, "old-copy")
	if err != nil {
		t.Fatal(err)
	}
	e.Title = agenda.Text{"en": "Alliance webinar, new title"}
	if _, err := h.agenda.UpdateEvent(ctx, e, e.Version); err != nil {
		t.Fatal(err)
	}
	if st := h.syncOK(t, "apf-dav"); st.State != calendar.StateOK || st.Pushed != 2 {
		t.Fatalf("sync: %+v", st)
	}
	for name, uid := range map[string]string{"old-copy": "old-copy@majlis.example.org", "new-copy": "new-copy@majlis"} {
		got := string(dav.Do(t, http.MethodGet, coll+name+".ics", nil, nil).Data)
		if !strings.Contains(got, "UID:"+uid+"\r\n") {
			t.Errorf("%s: want UID %s:\n%s", name, uid, got)
		}
	}
	if got := string(dav.Do(t, http.MethodGet, coll+"old-copy.ics", nil, nil).Data); !strings.Contains(got, "new title") {
		t.Errorf("the old copy was not updated:\n%s", got)
	}
}
