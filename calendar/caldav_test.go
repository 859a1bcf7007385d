package calendar_test

import (
	"fmt"
	"net/http"
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
