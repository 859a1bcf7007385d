package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

// TestOrganizerTabsOneRule opens every page and form of one event in the
// organizer app (eventTab's one rule): without a session, each leads to
// sign in; a hidden event is the not-found
// page on every one of them, exactly like a missing event; another
// region's visible event is refused (403) but to its preview and coverage;
// an organizer of the event's region and head office open every tab; an
// imported event's details are shown read-only and its changes refused
// (409), while its other tabs open.
func TestOrganizerTabsOneRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	amina := f.regionalUser("Amina", agenda.RegionAfrica)
	alice := f.appUser(f.aliceID)
	ids := map[string]string{}
	for name, body := range map[string]string{
		"hidden": `{"kind":"webinar","title":{"en":"Bob's case review"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
		  "timezone":"UTC","region":"africa","visibility":"confidential","status":"published","languages":["en","fr"]}`,
		"europe": `{"kind":"webinar","title":{"en":"Europe webinar"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
		  "timezone":"Europe/Brussels","region":"europe","visibility":"public","status":"published","languages":["en","fr"]}`,
		"africa": `{"kind":"webinar","title":{"en":"Africa webinar"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
		  "timezone":"Africa/Nairobi","region":"africa","visibility":"public","status":"published","languages":["en","fr"]}`,
	} {
		token := f.alice
		if name == "hidden" {
			token = f.bob
		}
		ids[name] = f.create(body, token)["id"].(string)
	}
	start := time.Date(2027, 3, 3, 9, 0, 0, 0, time.UTC)
	imported, _, err := f.svc.Import(context.Background(), agenda.Event{Title: agenda.Text{"en": "ENNHRI annual conference"},
		Start: start, End: start.Add(2 * time.Hour), TimeZone: "Europe/Brussels", Region: agenda.RegionEurope,
		Visibility: agenda.VisibilityPublic, Languages: []string{"en", "fr"},
		Origin: &agenda.Origin{Source: "src-ennhri", Name: "ENNHRI calendar", UID: "conf@ennhri.example"}})
	if err != nil {
		t.Fatal(err)
	}
	ids["imported"] = imported.ID

	const (
		ok        = http.StatusOK
		notFound  = http.StatusNotFound
		forbidden = http.StatusForbidden
		conflict  = http.StatusConflict
	)
	// Each tab's route, and whether it only reads.
	tabs := []struct {
		name, method, path string
		read               bool
	}{
		{"details", "GET", "", false},
		{"status step", "GET", "/status?to=cancelled", false},
		{"preview", "GET", "/preview", true},
		{"coverage", "GET", "/coverage", true},
		{"agenda", "GET", "/agenda", false},
		{"people", "GET", "/people", false},
		{"registrations", "GET", "/registrations", false},
		{"history", "GET", "/history", false},
		{"save details", "POST", "", false},
		{"change status", "POST", "/status", false},
		{"release", "POST", "/history/release", false},
		{"registration settings", "POST", "/registration", false},
		{"registration decision", "POST", "/registrations/reg-x/approve", false},
	}
	cases := []struct {
		name  string
		user  appUser
		event string
		// want is the status of each tab by name; tabs not named answer
		// every: for GETs, and the refusal's status for the POSTs.
		every int
		want  map[string]int
	}{
		{name: "signed out", event: "africa", every: http.StatusSeeOther},
		{name: "hidden", user: amina, event: "hidden", every: notFound},
		{name: "another region's", user: amina, event: "europe", every: forbidden, want: map[string]int{"preview": ok, "coverage": ok}},
		{name: "own region's", user: amina, event: "africa", every: ok},
		{name: "head office", user: alice, event: "europe", every: ok},
		{name: "imported", user: alice, event: "imported", every: ok,
			want: map[string]int{"status step": conflict, "save details": conflict, "change status": conflict}},
	}
	missing := map[string]int{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, tab := range tabs {
				want, named := tc.want[tab.name]
				if !named {
					want = tc.every
				}
				if tab.method == "POST" && (want == ok || tc.user.ck == nil) {
					continue // a form that goes through: its own tests; without a session: CSRF's
				}
				path := "/organizer/events/" + url.PathEscape(ids[tc.event]) + tab.path
				var res *http.Response
				var body string
				if tab.method == "GET" {
					res, body = f.page(tc.user, path, "en")
				} else {
					res, body = f.post(tc.user, path, "en", url.Values{"version": {"0"}, "title-en": {"Changed"}, "to": {"cancelled"}})
				}
				if res.StatusCode != want || (want == http.StatusSeeOther && res.Header.Get("Location") != "/organizer/sign-in") {
					t.Errorf("%s %s: %d, want %d\n%.300s", tab.method, tab.name, res.StatusCode, want, body)
				}
				if tc.name == "hidden" {
					// Exactly like a missing event.
					if _, ok := missing[tab.name]; !ok {
						var gone string
						if tab.method == "GET" {
							res, gone = f.page(tc.user, "/organizer/events/no-such-event"+tab.path, "en")
						} else {
							res, gone = f.post(tc.user, "/organizer/events/no-such-event"+tab.path, "en", url.Values{"version": {"0"}})
						}
						missing[tab.name] = res.StatusCode
						if res.StatusCode != notFound || strings.ReplaceAll(gone, "no-such-event", ids["hidden"]) != body {
							t.Errorf("%s %s: a hidden event's answer differs from a missing one's (%d)", tab.method, tab.name, res.StatusCode)
						}
					}
				}
				if tc.name == "imported" && tab.name == "details" && (!strings.Contains(body, `id="read-only"`) || strings.Contains(body, `id="save-event"`)) {
					t.Errorf("an imported event's details are not read-only")
				}
			}
		})
	}
	if after, _ := f.st.GetEvent(context.Background(), ids["imported"]); after.Version != imported.Version {
		t.Errorf("the imported event changed")
	}
}
