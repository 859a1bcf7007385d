package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// appUser is an organizer signed in to the organizer app.
type appUser struct {
	id   string
	ck   *http.Cookie
	csrf string
}

// appUser signs organizer id in and reads its CSRF token.
func (f *fixture) appUser(id string) appUser {
	f.t.Helper()
	ck := f.signIn(id)
	return appUser{id: id, ck: ck, csrf: f.csrf(ck)}
}

// regionalUser makes an organizer of region r and signs it in.
func (f *fixture) regionalUser(name string, r agenda.Region) appUser {
	f.t.Helper()
	o := access.Organizer{ID: access.NewID("org_"), Name: name, Region: r, Created: time.Now().UTC()}
	_, o.TokenHash = access.NewToken()
	if err := f.st.CreateOrganizer(context.Background(), o); err != nil {
		f.t.Fatal(err)
	}
	return f.appUser(o.ID)
}

// post sends a form as u's browser does, with its CSRF token, in lang.
func (f *fixture) post(u appUser, path, lang string, form url.Values) (*http.Response, string) {
	f.t.Helper()
	form = cloneForm(form)
	form.Set("csrf", u.csrf)
	return f.browse(browserReq{method: "POST", path: path, form: form, cookie: u.ck,
		header: map[string]string{"Sec-Fetch-Site": "same-origin", "Accept-Language": lang}})
}

// page gets a page as u's browser does, in lang.
func (f *fixture) page(u appUser, path, lang string) (*http.Response, string) {
	f.t.Helper()
	return f.browse(browserReq{method: "GET", path: path, cookie: u.ck, header: map[string]string{"Accept-Language": lang}})
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// webinarForm is the form of a four-language webinar of 2027-03-01,
// 16:30–18:00 Zurich time.
func webinarForm() url.Values {
	return url.Values{
		"title-en": {"Defenders and civic space"}, "title-fr": {"Défenseurs et espace civique"},
		"title-es": {"Defensores y espacio cívico"}, "title-ar": {"المدافعون والفضاء المدني"},
		"description-en": {"A consultation.\n\nSecond paragraph."}, "location-en": {"Online"},
		"kind": {"webinar"}, "parent": {""}, "region": {"global"}, "timezone": {"Europe/Zurich"},
		"start": {"2027-03-01T16:30"}, "end": {"2027-03-01T18:00"}, "visibility": {"public"},
		"languages": {"ar", "en", "fr", "es"}, "conference": {"https://meet.example.org/j/123"},
	}
}

// created reads the event a create form redirected to.
func (f *fixture) created(res *http.Response, body string) agenda.Event {
	f.t.Helper()
	loc := res.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/organizer/events/")
	if res.StatusCode != http.StatusSeeOther || !ok || !strings.HasSuffix(id, "?saved=1") {
		f.t.Fatalf("create: %d %s %s", res.StatusCode, loc, body)
	}
	e, err := f.st.GetEvent(context.Background(), strings.TrimSuffix(id, "?saved=1"))
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// TestEventFormsCreatePreviewPublish walks an event through the app:
// created as a draft from the four-language form, shown in every region's
// zone with the video meeting link, previewed exactly as its public page
// (noindex, not kept by any cache), published after a confirmation, then
// on the public page.
func TestEventFormsCreatePreviewPublish(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.appUser(f.aliceID)
	if res, body := f.page(alice, "/organizer/events/new", "en"); res.StatusCode != http.StatusOK || !strings.Contains(body, `id="title-ar"`) ||
		!strings.Contains(body, "Everyone: it is on the public calendar") {
		t.Fatalf("new form: %d %s", res.StatusCode, body)
	}
	form := webinarForm()
	form.Del("title-fr")
	e := f.created(f.post(alice, "/organizer/events", "en", form))
	zurich, _ := time.LoadLocation("Europe/Zurich")
	if !e.Start.Equal(time.Date(2027, 3, 1, 16, 30, 0, 0, zurich)) || e.Status != agenda.StatusDraft || e.Owner != f.aliceID ||
		e.Title["ar"] != "المدافعون والفضاء المدني" || e.Conference != "https://meet.example.org/j/123" || len(e.Languages) != 4 {
		t.Fatalf("stored %+v", e)
	}
	res, body := f.page(alice, "/organizer/events/"+e.ID+"?saved=1", "en")
	mustContain(t, "edit page", body, "Saved.", `aria-current="page"`, "Australia/Sydney", "America/Mexico_City", "Geneva (head office)",
		// French is empty: its readers see English, and the form says so.
		"Empty: readers of this language see the English text: “\u2068Defenders and civic space\u2069”")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("edit page: %d", res.StatusCode)
	}

	// The draft is not public; its preview is the public page's.
	if r := f.do(req{method: "GET", path: "/events/" + e.ID}); r.status != http.StatusNotFound {
		t.Fatalf("public page of a draft: %d", r.status)
	}
	res, body = f.page(alice, "/organizer/events/"+e.ID+"/preview", "fr")
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "private, no-store" || res.Header.Get("X-Robots-Tag") != "noindex" {
		t.Fatalf("preview: %d %v", res.StatusCode, res.Header)
	}
	mustContain(t, "preview", body, `<meta name="robots" content="noindex">`, `id="preview-banner"`, "Aperçu", `<h1><span lang="en" dir="ltr">Defenders and civic space</span></h1>`,
		`id="conference" href="https://meet.example.org/j/123"`, "Rejoindre la visioconférence")
	// Nothing but the banner and the noindex differs from the public page.
	preview := strings.NewReplacer(`<meta name="robots" content="noindex">`+"\n", "").Replace(body)
	i := strings.Index(preview, `<p class="preview-banner"`)
	j := i + strings.Index(preview[i:], "</p>\n") + len("</p>\n")
	preview = preview[:i] + preview[j:]

	// Publishing asks for a confirmation first.
	res, body = f.page(alice, "/organizer/events/"+e.ID+"/status?to=published", "en")
	mustContain(t, "confirmation", body, "Publish this event?", `id="confirm-status"`)
	if got, _ := f.st.GetEvent(context.Background(), e.ID); got.Status != agenda.StatusDraft || res.StatusCode != http.StatusOK {
		t.Fatalf("the confirmation page changed the status: %s", got.Status)
	}
	res, body = f.post(alice, "/organizer/events/"+e.ID+"/status", "en", url.Values{"to": {"published"}, "version": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", res.StatusCode, body)
	}
	r := f.do(req{method: "GET", path: "/events/" + e.ID, header: map[string]string{"Accept-Language": "fr"}})
	if r.status != http.StatusOK {
		t.Fatalf("public page: %d", r.status)
	}
	public := string(r.body)
	mustContain(t, "public page", public, "Rejoindre la visioconférence")
	if strings.Contains(public, "preview-banner") || strings.Contains(public, "noindex") {
		t.Fatal("the public page carries the preview's banner")
	}
	if a, b := visible(preview), visible(public); a != b {
		t.Fatalf("preview and public page differ:\n%s\n---\n%s", a, b)
	}
	if res, body := f.page(alice, "/organizer/events", "en"); res.StatusCode != http.StatusOK || !strings.Contains(body, `id="event-`+e.ID+`"`) {
		t.Fatalf("events list: %d %s", res.StatusCode, body)
	}
}

// TestEventFormsRefuseBadInput posts bad forms: each is answered with a
// clear message in the organizer's language, next to its field, and
// nothing stored changes.
func TestEventFormsRefuseBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	alice := f.appUser(f.aliceID)
	e := f.created(f.post(alice, "/organizer/events", "en", webinarForm()))
	f.create(`{"id":"am-secret","kind":"annual-meeting","title":{"en":"Secret meeting"},"start":"2027-02-28T00:00:00Z","end":"2027-03-05T00:00:00Z",
	  "timezone":"UTC","region":"global","visibility":"confidential","status":"published"}`, f.bob)
	f.create(`{"id":"bob-confidential","kind":"webinar","title":{"en":"Bob's case review"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
	  "timezone":"UTC","region":"global","visibility":"confidential","status":"draft"}`, f.bob)
	f.create(`{"id":"europe-webinar","kind":"webinar","title":{"en":"Europe webinar"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
	  "timezone":"Europe/Brussels","region":"europe","visibility":"public","status":"published"}`, f.alice)
	africa := f.regionalUser("Amina", agenda.RegionAfrica)
	edit := "/organizer/events/" + e.ID
	with := func(changes ...string) url.Values {
		v := webinarForm()
		v.Set("version", "1")
		for i := 0; i+1 < len(changes); i += 2 {
			v.Set(changes[i], changes[i+1])
		}
		return v
	}
	tests := []struct {
		name     string
		user     *appUser
		path     string
		form     url.Values
		header   map[string]string // replaces post's headers when set
		lang     string
		status   int
		contains []string
	}{
		{name: "no CSRF token", path: edit, form: with("title-en", "Changed"), header: map[string]string{"Sec-Fetch-Site": "same-origin"},
			lang: "fr", status: http.StatusForbidden, contains: []string{"Cette demande a été refusée"}},
		{name: "another origin", path: edit, form: with("title-en", "Changed"), header: map[string]string{"Sec-Fetch-Site": "cross-site"},
			lang: "en", status: http.StatusForbidden, contains: []string{"This request was refused"}},
		{name: "title too long", path: edit, form: with("title-en", strings.Repeat("x", agenda.MaxTitleRunes+1)), lang: "fr",
			status: http.StatusUnprocessableEntity, contains: []string{`id="title-en-error"`, "Donnez un titre dans au moins une langue, d&#39;au plus 300 caractères", `href="#title-en"`}},
		{name: "no title at all", path: "/organizer/events", form: with("title-en", "", "title-fr", "", "title-es", "", "title-ar", ""), lang: "es",
			status: http.StatusUnprocessableEntity, contains: []string{`id="title-error"`, "Indique un título en al menos un idioma"}},
		{name: "description too long", path: edit, form: with("description-ar", strings.Repeat("ب", agenda.MaxDescriptionRunes+1)), lang: "ar",
			status: http.StatusUnprocessableEntity, contains: []string{`id="description-ar-error"`, "لا يتجاوز الوصف 10000 حرف"}},
		{name: "end before start", path: edit, form: with("end", "2027-03-01T15:00"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="end-error"`, "Give an end after the start"}},
		{name: "unreadable start", path: edit, form: with("start", "tomorrow"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="start-error"`, `value="tomorrow"`}},
		{name: "unknown zone", path: edit, form: with("timezone", "Mars/Olympus"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="timezone-error"`, "Choose a time zone from the list."}},
		{name: "video link over http", path: edit, form: with("conference", "http://meet.example.org/j/1"), lang: "fr",
			status: http.StatusUnprocessableEntity, contains: []string{`id="conference-error"`, "doit être une adresse https://"}},
		{name: "video link too long", path: edit, form: with("conference", "https://meet.example.org/"+strings.Repeat("a", agenda.MaxConferenceBytes)), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="conference-error"`, "at most 2000 characters"}},
		{name: "shift warning too short", path: edit, form: with("shift_warning", "5"), lang: "fr",
			status: http.StatusUnprocessableEntity, contains: []string{`id="interpretation-shift_warning-error"`, "L’alerte de relève doit être un nombre entier de minutes, de 10 à 90", `href="#interpretation-shift_warning"`}},
		{name: "unreadable shift warning", path: edit, form: with("shift_warning", "half an hour"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="interpretation-shift_warning-error"`, `value="half an hour"`}},
		{name: "side event without a meeting", path: edit, form: with("kind", "side-event"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="parent-error"`, "Choose an annual meeting from the list"}},
		{name: "stale form", path: edit, form: with("title-en", "Changed", "version", "7"), lang: "en",
			status: http.StatusConflict, contains: []string{"Someone changed this event since you opened it"}},
		{name: "another region's event", user: &africa, path: "/organizer/events/europe-webinar", form: with("title-en", "Changed", "region", "europe"), lang: "fr",
			status: http.StatusForbidden, contains: []string{"Vous ne pouvez pas modifier cet événement"}},
		{name: "creating in another region", user: &africa, path: "/organizer/events", form: with("region", "europe"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="region-error"`, "Choose one of the regions in the list"}},
		{name: "creating an alliance-wide event", user: &africa, path: "/organizer/events", form: with("region", "global"), lang: "en",
			status: http.StatusUnprocessableEntity, contains: []string{`id="region-error"`}},
		{name: "a status step not offered", path: edit + "/status", form: url.Values{"to": {"cancelled"}, "version": {"1"}}, lang: "en",
			status: http.StatusConflict, contains: []string{"Someone changed this event"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			u := alice
			if tc.user != nil {
				u = *tc.user
			}
			var res *http.Response
			var body string
			if tc.header != nil {
				h := map[string]string{"Accept-Language": tc.lang}
				for k, v := range tc.header {
					h[k] = v
				}
				res, body = f.browse(browserReq{method: "POST", path: tc.path, form: tc.form, cookie: u.ck, header: h})
			} else {
				res, body = f.post(u, tc.path, tc.lang, tc.form)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			mustContain(t, tc.name, body, tc.contains...)
			if after := f.snapshot(); after != before {
				t.Fatalf("stored data changed:\n%s\n---\n%s", before, after)
			}
		})
	}

	// A hidden parent is answered byte for byte like a missing one, and
	// never named; a hidden event like a missing one.
	_, missing := f.post(alice, edit, "en", with("kind", "side-event", "parent", "am-nowhere"))
	_, hidden := f.post(alice, edit, "en", with("kind", "side-event", "parent", "am-secret"))
	if missing != hidden || strings.Contains(hidden, "Secret meeting") || strings.Contains(hidden, "am-secret") {
		t.Fatalf("a hidden parent answers differently from a missing one:\n%s\n---\n%s", missing, hidden)
	}
	_, form := f.page(alice, edit, "en")
	if strings.Contains(form, "Secret meeting") {
		t.Fatal("the parent list names a meeting the organizer may not see")
	}
	for _, path := range []string{"", "/preview", "/coverage", "/status?to=published"} {
		r1, b1 := f.page(alice, "/organizer/events/bob-confidential"+path, "en")
		r2, b2 := f.page(alice, "/organizer/events/ev-nosuchevent"+path, "en")
		// The language links repeat the address asked for.
		if r1.StatusCode != http.StatusNotFound || r1.StatusCode != r2.StatusCode || strings.ReplaceAll(b1, "bob-confidential", "ev-nosuchevent") != b2 {
			t.Fatalf("%s: hidden %d, missing %d", path, r1.StatusCode, r2.StatusCode)
		}
	}
	before := f.snapshot()
	r1, b1 := f.post(alice, "/organizer/events/bob-confidential", "en", with("title-en", "Mine now"))
	r2, b2 := f.post(alice, "/organizer/events/ev-nosuchevent", "en", with("title-en", "Mine now"))
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != r1.StatusCode || strings.ReplaceAll(b1, "bob-confidential", "ev-nosuchevent") != b2 || f.snapshot() != before {
		t.Fatalf("a hidden event's form: %d, a missing one's: %d", r1.StatusCode, r2.StatusCode)
	}
	_, list := f.page(alice, "/organizer/events", "en")
	if strings.Contains(list, "bob-confidential") || strings.Contains(list, "case review") || strings.Contains(list, "Secret meeting") {
		t.Fatal("the events list names an event the organizer may not see")
	}
	_, list = f.page(africa, "/organizer/events", "en")
	if strings.Contains(list, "europe-webinar") {
		t.Fatal("a regional organizer's list holds another region's event")
	}
	// Without a session, every page leads to the sign-in page.
	for _, path := range []string{"/organizer/events", "/organizer/events/new", edit, edit + "/preview", "/organizer/sources"} {
		if res, _ := f.browse(browserReq{method: "GET", path: path}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/sign-in" {
			t.Fatalf("%s without a session: %d %s", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestAnotherRegionsEventOverTheAPI checks the rule of the forms in the
// API: a regional organizer edits its own region's events only.
func TestAnotherRegionsEventOverTheAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(`{"id":"europe-webinar","kind":"webinar","title":{"en":"Europe webinar"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
	  "timezone":"Europe/Brussels","region":"europe","visibility":"public","status":"published"}`, f.alice)
	africa := f.regionalOrganizer("Amina", agenda.RegionAfrica)
	before := f.snapshot()
	r := f.do(req{method: "PATCH", path: "/api/v1/events/europe-webinar", token: africa, body: `{"title":{"en":"Mine"}}`, header: map[string]string{"If-Match": "*"}})
	if code, _ := errorOf(t, r); r.status != http.StatusForbidden || code != "forbidden" {
		t.Fatalf("PATCH of another region's event: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "POST", path: "/api/v1/events", token: africa, body: `{"kind":"webinar","title":{"en":"Mine"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
	  "timezone":"UTC","region":"europe"}`})
	if _, fields := errorOf(t, r); r.status != http.StatusUnprocessableEntity || fields["region"] == "" {
		t.Fatalf("create in another region: %d %s", r.status, r.body)
	}
	if f.snapshot() != before {
		t.Fatal("stored data changed")
	}
}

// TestConferenceOverTheAPI: the video meeting address round-trips through
// the API, a bad one is a 422 naming the field with nothing stored, it is
// in the OpenAPI document, on the public page and in the public feed
// while the event is public, and gone from both once it is not.
func TestConferenceOverTheAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.create(`{"id":"video-webinar","kind":"webinar","title":{"en":"Video webinar"},"start":"2027-03-02T09:00:00Z","end":"2027-03-02T10:00:00Z",
	  "timezone":"UTC","region":"global","visibility":"public","status":"published","conference":"https://meet.example.org/j/42"}`, f.alice)
	if m["conference"] != "https://meet.example.org/j/42" {
		t.Fatalf("created %v", m)
	}
	before := f.snapshot()
	r := f.do(req{method: "PATCH", path: "/api/v1/events/video-webinar", token: f.alice, body: `{"conference":"javascript:alert(1)"}`, header: map[string]string{"If-Match": "*"}})
	if _, fields := errorOf(t, r); r.status != http.StatusUnprocessableEntity || fields["conference"] == "" || f.snapshot() != before {
		t.Fatalf("a bad address: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/openapi.json"}); !strings.Contains(string(r.body), `"conference":{"description"`) {
		t.Fatal("the OpenAPI document lacks conference")
	}
	if r := f.do(req{method: "GET", path: "/events/video-webinar"}); !strings.Contains(string(r.body), `href="https://meet.example.org/j/42"`) {
		t.Fatalf("the public page lacks the address: %s", r.body)
	}
	// The session page links it beside the interpretation player.
	if r := f.do(req{method: "GET", path: "/events/video-webinar/session"}); !strings.Contains(string(r.body), `id="conference" href="https://meet.example.org/j/42"`) {
		t.Fatalf("the session page lacks the address: %d %s", r.status, r.body)
	}
	feed := f.feed("/feeds/all.ics")
	if p := feed.byUID["video-webinar"].Props.Get("CONFERENCE"); p == nil || p.Value != "https://meet.example.org/j/42" ||
		p.Params.Get("VALUE") != "URI" || p.Params.Get("FEATURE") != "VIDEO" {
		t.Fatalf("CONFERENCE in the public feed: %+v", p)
	}
	if r := f.do(req{method: "PATCH", path: "/api/v1/events/video-webinar", token: f.alice, body: `{"visibility":"members"}`, header: map[string]string{"If-Match": "*"}}); r.status != http.StatusOK {
		t.Fatalf("members only: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/feeds/all.ics"}); strings.Contains(string(r.body), "meet.example.org") {
		t.Fatal("a members-only event's address is in the public feed")
	}
	if r := f.do(req{method: "GET", path: "/events/video-webinar"}); r.status != http.StatusNotFound || strings.Contains(string(r.body), "meet.example.org") {
		t.Fatalf("a members-only event's page: %d", r.status)
	}
}
