package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
)

// sourcesSnapshot is every stored source, to prove a refused form changed
// nothing.
func (f *fixture) sourcesSnapshot() string {
	f.t.Helper()
	all, err := f.st.ListSources(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return fmt.Sprintf("%+v", all)
}

// TestSourceForms walks a source through the organizer app with the
// session cookie: added, listed, synced, paused, resumed, edited; the
// token-pasting page is gone.
func TestSourceForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	feed := regionalFeed(t, 2)
	europe := f.regionalUser("ENNHRI secretariat", agenda.RegionEurope)
	res, body := f.page(europe, "/organizer/sources", "en")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "sources.js") || strings.Contains(body, `type="password" id="sources-token"`) {
		t.Fatalf("sources page: %d %s", res.StatusCode, body)
	}
	mustContain(t, "sources page", body, "No sources yet.", `id="source-url"`, `<option value="europe" selected>`)
	if strings.Contains(body, `<option value="africa"`) {
		t.Fatal("a regional organizer is offered another region")
	}
	res, body = f.post(europe, "/organizer/sources", "en", url.Values{"name": {"ENNHRI calendar"}, "url": {feed.URL + "/cal.ics"},
		"kind": {"ics"}, "region": {"europe"}, "language": {"fr"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/sources?done=added" {
		t.Fatalf("add: %d %s", res.StatusCode, body)
	}
	all, _ := f.st.ListSources(context.Background())
	if len(all) != 1 || all[0].Region != agenda.RegionEurope || all[0].Language != "fr" {
		t.Fatalf("stored %+v", all)
	}
	src := all[0]
	path := "/organizer/sources/" + src.ID
	res, body = f.post(europe, path+"/sync", "fr", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sync: %d %s", res.StatusCode, body)
	}
	_, body = f.page(europe, "/organizer/sources?done=synced", "fr")
	mustContain(t, "after sync", body, "Source synchronisée.", "&#43;2 ~0 −0", "À jour")
	// Its events are listed for the region, previewed, but changed at their source.
	imported := agenda.ImportedID(src.ID, "e0@ennhri.example", "")
	_, body = f.page(europe, "/organizer/events", "en")
	mustContain(t, "events list", body, `id="event-`+imported+`"`)
	// (f.snapshot prints an imported event's Origin as a pointer: compare versions.)
	stored, err := f.st.GetEvent(context.Background(), imported)
	if err != nil {
		t.Fatal(err)
	}
	if res, body := f.page(europe, "/organizer/events/"+imported, "en"); res.StatusCode != http.StatusOK || !strings.Contains(body, "This event comes from a regional calendar") || strings.Contains(body, `id="save-event"`) {
		t.Fatalf("imported event's details, read-only: %d %s", res.StatusCode, body)
	}
	if res, body := f.page(europe, "/organizer/events/"+imported+"/status?to=cancelled", "en"); res.StatusCode != http.StatusConflict || !strings.Contains(body, "This event comes from a regional calendar") {
		t.Fatalf("imported event's status step: %d %s", res.StatusCode, body)
	}
	res, _ = f.post(europe, "/organizer/events/"+imported, "en", url.Values{"title-en": {"Mine"}})
	if after, _ := f.st.GetEvent(context.Background(), imported); res.StatusCode != http.StatusConflict || after.Version != stored.Version {
		t.Fatalf("an imported event changed from the form: %d", res.StatusCode)
	}
	if res, _ := f.page(europe, "/organizer/events/"+imported+"/preview", "en"); res.StatusCode != http.StatusOK {
		t.Fatalf("imported event's preview: %d", res.StatusCode)
	}
	res, _ = f.post(europe, path+"/pause", "en", url.Values{"paused": {"1"}, "version": {"1"}})
	if got, _ := f.st.GetSource(context.Background(), src.ID); res.StatusCode != http.StatusSeeOther || !got.Paused {
		t.Fatalf("pause: %d, paused %v", res.StatusCode, got.Paused)
	}
	_, body = f.page(europe, "/organizer/sources?done=paused", "en")
	mustContain(t, "paused", body, "Source paused", ">Resume<")
	res, body = f.page(europe, path, "ar")
	mustContain(t, "edit form", body, `value="ENNHRI calendar"`, `name="version" value="2"`)
	res, body = f.post(europe, path, "en", url.Values{"name": {"ENNHRI"}, "url": {feed.URL + "/cal.ics"}, "region": {"europe"}, "language": {"en"}, "version": {"2"}})
	if got, _ := f.st.GetSource(context.Background(), src.ID); res.StatusCode != http.StatusSeeOther || got.Name != "ENNHRI" || !got.Paused {
		t.Fatalf("edit: %d %s, stored %+v", res.StatusCode, body, got)
	}
	// Resuming, then confirming with nothing held back: a clear no.
	f.post(europe, path+"/pause", "en", url.Values{"paused": {"0"}, "version": {"3"}})
	unchanged := f.sourcesSnapshot()
	res, body = f.post(europe, path+"/confirm", "es", nil)
	if res.StatusCode != http.StatusConflict || f.sourcesSnapshot() != unchanged {
		t.Fatalf("confirm with nothing pending: %d", res.StatusCode)
	}
	mustContain(t, "nothing to confirm", body, "Esta fuente no tiene cancelaciones pendientes de confirmación. No se cambió nada.")
}

// TestSourceFormsRefuseBadInput posts bad source forms: each gets a clear
// message in the organizer's language, and nothing stored changes.
func TestSourceFormsRefuseBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	feed := regionalFeed(t, 1)
	europe := f.regionalUser("ENNHRI secretariat", agenda.RegionEurope)
	africa := f.regionalUser("NANHRI secretariat", agenda.RegionAfrica)
	f.post(europe, "/organizer/sources", "en", url.Values{"name": {"ENNHRI calendar"}, "url": {feed.URL + "/cal.ics"}, "kind": {"ics"}, "region": {"europe"}})
	all, _ := f.st.ListSources(context.Background())
	if len(all) != 1 {
		t.Fatalf("sources %+v", all)
	}
	path := "/organizer/sources/" + all[0].ID
	good := func(changes ...string) url.Values {
		v := url.Values{"name": {"NANHRI"}, "url": {feed.URL + "/x.ics"}, "kind": {"ics"}, "region": {"africa"}, "language": {"en"}, "version": {"1"}}
		for i := 0; i+1 < len(changes); i += 2 {
			v.Set(changes[i], changes[i+1])
		}
		return v
	}
	tests := []struct {
		name     string
		user     appUser
		path     string
		form     url.Values
		header   map[string]string
		lang     string
		status   int
		contains []string
	}{
		{name: "no CSRF token", user: europe, path: path + "/sync", header: map[string]string{"Sec-Fetch-Site": "same-origin"}, lang: "es",
			status: http.StatusForbidden, contains: []string{"Esta solicitud fue rechazada"}},
		{name: "another origin", user: africa, path: "/organizer/sources", form: good(), header: map[string]string{"Origin": "https://evil.example"}, lang: "en",
			status: http.StatusForbidden, contains: []string{"This request was refused"}},
		{name: "another region's source", user: africa, path: path, form: good("region", "europe"), lang: "en", status: http.StatusNotFound},
		{name: "another region's source synced", user: africa, path: path + "/sync", lang: "en", status: http.StatusNotFound},
		{name: "adding to another region", user: africa, path: "/organizer/sources", form: good("region", "europe"), lang: "fr",
			status: http.StatusUnprocessableEntity, contains: []string{`id="source-region-error"`, "celles dont vous gérez les sources"}},
		{name: "not an address", user: africa, path: "/organizer/sources", form: good("url", "ftp://example.org/x.ics"), lang: "ar",
			status: http.StatusUnprocessableEntity, contains: []string{`id="source-url-error"`, "أدخل عنوانًا يبدأ بـ http://"}},
		{name: "address too long", user: africa, path: "/organizer/sources", form: good("url", "https://example.org/"+strings.Repeat("a", 2000)), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="source-url-error"`, "at most 2000 characters"}},
		{name: "name too long", user: africa, path: "/organizer/sources", form: good("name", strings.Repeat("n", 201)), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="source-name-error"`, "at most 200 characters"}},
		{name: "credentials on an ICS feed", user: africa, path: "/organizer/sources", form: good("username", "me", "password", "secret"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="source-username-error"`, "for CalDAV sources only"}},
		{name: "stale edit", user: europe, path: path, form: good("region", "europe", "version", "9"), lang: "en",
			status: http.StatusConflict, contains: []string{"Someone changed this source since you opened the page"}},
		{name: "stale pause", user: europe, path: path + "/pause", form: url.Values{"paused": {"1"}, "version": {"9"}}, lang: "en",
			status: http.StatusConflict, contains: []string{"Someone changed this source"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, events := f.sourcesSnapshot(), f.snapshot()
			var res *http.Response
			var body string
			if tc.header != nil {
				h := map[string]string{"Accept-Language": tc.lang}
				for k, v := range tc.header {
					h[k] = v
				}
				res, body = f.browse(browserReq{method: "POST", path: tc.path, form: cloneForm(tc.form), cookie: tc.user.ck, header: h})
			} else {
				res, body = f.post(tc.user, tc.path, tc.lang, tc.form)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			mustContain(t, tc.name, body, tc.contains...)
			if f.sourcesSnapshot() != before || f.snapshot() != events {
				t.Fatal("stored data changed")
			}
		})
	}
	// Another region's source is answered like a missing one, and never listed.
	r1, b1 := f.page(africa, path, "en")
	r2, b2 := f.page(africa, "/organizer/sources/src-nosuchsource", "en")
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != r1.StatusCode || strings.ReplaceAll(b1, all[0].ID, "src-nosuchsource") != b2 {
		t.Fatalf("another region's source %d, a missing one %d", r1.StatusCode, r2.StatusCode)
	}
	if _, body := f.page(africa, "/organizer/sources", "en"); strings.Contains(body, "ENNHRI") {
		t.Fatal("a regional organizer sees another region's source")
	}
}

// TestCoveragePage shows an event's coverage report: empty before the
// session, with the CSV link; a hidden event is answered like a missing one.
func TestCoveragePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.appUser(f.aliceID)
	f.create(consultation, f.alice)
	res, body := f.page(alice, "/organizer/events/hrd-consultation/coverage", "fr")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("coverage: %d %s", res.StatusCode, body)
	}
	mustContain(t, "coverage", body, "Couverture de l&#39;interprétation", `id="coverage-none"`,
		`href="/api/v1/events/hrd-consultation/coverage?format=csv&amp;lang=fr"`)
	csv := f.browse
	res, body = csv(browserReq{method: "GET", path: "/api/v1/events/hrd-consultation/coverage?format=csv&lang=fr", cookie: alice.ck})
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "item,title,start,end") {
		t.Fatalf("CSV with the session cookie: %d %s", res.StatusCode, body)
	}
}
