package server_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/demo"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// pageNow is the clock of the page tests: the 2021 annual meeting is past,
// the regional webinars are upcoming.
var pageNow = time.Date(2026, time.November, 23, 12, 0, 0, 0, time.UTC)

const pageBase = "https://majlis.example.org"

// hidden are events that no page may show: one per reason.
var hidden = []agenda.Event{
	{ID: "hidden-members-briefing", Visibility: agenda.VisibilityMembers, Status: agenda.StatusPublished,
		Title: agenda.Text{"en": "Members briefing on accreditation", "ar": "إحاطة للأعضاء"}},
	{ID: "hidden-reprisals-case", Visibility: agenda.VisibilityConfidential, Status: agenda.StatusPublished,
		Title: agenda.Text{"en": "Reprisals against an institution: case review", "fr": "Représailles : examen"}},
	{ID: "hidden-draft-webinar", Visibility: agenda.VisibilityPublic, Status: agenda.StatusDraft,
		Title: agenda.Text{"en": "Draft webinar not yet announced"}},
}

// pageServer serves the demo data plus the hidden events, with a fixed clock.
func pageServer(t *testing.T) *httptest.Server {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return pageNow }
	svc := agenda.New(agenda.Config{Now: clock}, st)
	ctx := context.Background()
	if _, err := demo.Load(ctx, svc); err != nil {
		t.Fatal(err)
	}
	for _, h := range hidden {
		h.Kind, h.Region, h.TimeZone, h.Languages = agenda.KindWebinar, agenda.RegionAfrica, "Africa/Nairobi", []string{"en"}
		h.Start = time.Date(2026, time.December, 2, 9, 0, 0, 0, time.UTC)
		h.End = h.Start.Add(time.Hour)
		if _, _, err := svc.CreateEvent(ctx, h, nil); err != nil {
			t.Fatalf("create %s: %v", h.ID, err)
		}
	}
	openPageRegistration(t, st, svc)
	srv := server.New(server.Config{BaseURL: pageBase, Now: clock}, st, svc)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	// A head-office organizer's session, for the organizer app's pages.
	o := access.Organizer{ID: "org_pages", Name: "Head office", Region: agenda.RegionGlobal, Created: pageNow}
	_, o.TokenHash = access.NewToken()
	token, se := access.NewSession(o, "Chromium", pageNow)
	if err := st.CreateOrganizer(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	pageSessions.Store(ts.URL, token)
	return ts
}

// pageSessions holds, by server URL, the session cookie of pageServer's
// organizer.
var pageSessions sync.Map

type pageResp struct {
	status int
	header http.Header
	body   string
}

// get fetches path as a browser would (Accept: text/html), with optional
// extra headers as name, value pairs.
func get(t *testing.T, ts *httptest.Server, path string, headers ...string) pageResp {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return pageResp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// visible is the page's text with tags removed and entities decoded, so
// that assertions read like what a user sees.
func visible(body string) string {
	body = regexp.MustCompile(`(?s)<head>.*?</head>`).ReplaceAllString(body, "")
	body = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(body)), " ")
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: want %q in:\n%s", what, w, got)
		}
	}
}

func mustNotContain(t *testing.T, what, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("%s: must not contain %q", what, w)
		}
	}
}

func TestPagesInEveryLanguage(t *testing.T) {
	ts := pageServer(t)
	tests := []struct {
		lang, dir                     string
		calendar, upcoming, past      string
		meeting, consultation, agenda string
		itemTitle                     string
	}{
		{"ar", "rtl", "التقويم", "الفعاليات القادمة", "الفعاليات السابقة", "الاجتماع السنوي للتحالف 2021",
			"مشاورة بشأن خطة العمل العالمية", "جدول الأعمال", "الترحيب والافتتاح"},
		{"en", "ltr", "Calendar", "Upcoming events", "Past events", "Alliance Annual Meeting 2021",
			"consultation on the Global Action Plan", "Agenda", "Welcome and opening"},
		{"fr", "ltr", "Calendrier", "Événements à venir", "Événements passés", "Réunion annuelle 2021",
			"consultation sur le Plan d'action mondial", "Ordre du jour", "Accueil et ouverture"},
		{"es", "ltr", "Calendario", "Próximos eventos", "Eventos pasados", "Reunión anual 2021",
			"consulta sobre el Plan de Acción Mundial", "Programa", "Bienvenida y apertura"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			home := get(t, ts, "/?lang="+tt.lang)
			if home.status != http.StatusOK {
				t.Fatalf("home: %d", home.status)
			}
			mustContain(t, "home markup", home.body, `<html lang="`+tt.lang+`" dir="`+tt.dir+`">`)
			mustContain(t, "home", visible(home.body), tt.calendar, tt.upcoming, tt.past, tt.meeting)
			if got := home.header.Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language %q", got)
			}
			if got := home.header.Get("Content-Type"); got != "text/html; charset=UTF-8" {
				t.Errorf("Content-Type %q", got)
			}
			if ck := home.header.Get("Set-Cookie"); !strings.Contains(ck, "lang="+tt.lang) || !strings.Contains(ck, "HttpOnly") {
				t.Errorf("the language choice is not remembered: Set-Cookie %q", ck)
			}
			ev := get(t, ts, "/events/"+demo.ConsultationID+"?lang="+tt.lang)
			if ev.status != http.StatusOK {
				t.Fatalf("event page: %d", ev.status)
			}
			mustContain(t, "event markup", ev.body, `dir="`+tt.dir+`"`)
			mustContain(t, "event page", visible(ev.body), tt.consultation, tt.agenda, tt.itemTitle)
			// Five agenda rows, in order.
			if n := strings.Count(ev.body, `<tr id="item-`); n != 5 {
				t.Errorf("agenda rows: %d, want 5", n)
			}
		})
	}
}

func TestPageLanguageChoice(t *testing.T) {
	ts := pageServer(t)
	tests := []struct {
		name    string
		path    string
		headers []string
		status  int
		lang    string
	}{
		{"no preference", "/", nil, 200, "en"},
		{"swiss french browser", "/", []string{"Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8"}, 200, "fr"},
		{"egyptian arabic browser", "/", []string{"Accept-Language", "ar-EG,ar;q=0.9"}, 200, "ar"},
		{"latin american spanish", "/", []string{"Accept-Language", "es-419"}, 200, "es"},
		{"unsupported language", "/", []string{"Accept-Language", "de-DE, de;q=0.9"}, 200, "en"},
		{"garbage header", "/", []string{"Accept-Language", strings.Repeat("x;q=,", 400)}, 200, "en"},
		{"cookie beats browser", "/", []string{"Accept-Language", "fr", "Cookie", "lang=ar"}, 200, "ar"},
		{"parameter beats cookie", "/?lang=es", []string{"Cookie", "lang=ar"}, 200, "es"},
		{"bad cookie ignored", "/", []string{"Accept-Language", "fr", "Cookie", "lang=xx"}, 200, "fr"},
		{"bad parameter", "/?lang=de", []string{"Accept-Language", "fr"}, 400, "fr"},
		{"upper case", "/?lang=EN", []string{"Accept-Language", "fr"}, 200, "en"},
		{"canadian french", "/?lang=fr-CA", nil, 200, "fr"},
		{"latin american spanish parameter", "/?lang=es-419", nil, 200, "es"},
		{"egyptian arabic parameter", "/?lang=AR-eg", nil, 200, "ar"},
		{"undetermined language", "/?lang=und", []string{"Accept-Language", "es"}, 400, "es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, ts, tt.path, tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d", r.status, tt.status)
			}
			mustContain(t, "page", r.body, `<html lang="`+tt.lang+`"`)
			if tt.path == "/?lang=de" {
				mustContain(t, "error page", visible(r.body), "« de »", "lang")
			}
			if tt.status == 200 && tt.path != "/" {
				if ck := r.header.Get("Set-Cookie"); !strings.Contains(ck, "lang="+tt.lang+";") {
					t.Errorf("remembered as %q, want lang=%s", ck, tt.lang)
				}
			}
		})
	}
	// A bad language with a good zone: the error page says the zone was
	// chosen, or the page's script reloads it with the same ?tz= forever.
	for _, path := range []string{"/?lang=de&tz=Australia/Sydney", "/events/" + demo.ConsultationID + "?lang=xx&tz=Asia/Dhaka", "/slots?lang=de&tz=Europe/Zurich"} {
		r := get(t, ts, path)
		if r.status != 400 {
			t.Errorf("%s: %d, want 400", path, r.status)
		}
		mustContain(t, path, r.body, `data-tz-chosen="true"`)
	}
}

func TestPageTimeZones(t *testing.T) {
	ts := pageServer(t)
	page := "/events/" + demo.ConsultationID + "?lang=en"
	tests := []struct {
		name     string
		path     string
		headers  []string
		yours    string // the viewer's time, as shown
		yourZone string
		chosen   string
	}{
		{"no choice yet: UTC, and the script may detect the zone", page, nil,
			"Thursday 1 July 2021, 14:30–16:00", "UTC", "false"},
		{"Zurich", page + "&tz=Europe/Zurich", nil,
			"Thursday 1 July 2021, 16:30–18:00", "Europe/Zurich (UTC+02:00)", "true"},
		{"Sydney: the next day", page + "&tz=Australia/Sydney", nil,
			"Friday 2 July 2021, 00:30–02:00", "Australia/Sydney (UTC+10:00)", "true"},
		{"Mexico City in 2021 (no DST any more, but it was UTC-5 then)", page + "&tz=America/Mexico_City", nil,
			"Thursday 1 July 2021, 09:30–11:00", "America/Mexico_City (UTC-05:00)", "true"},
		{"remembered in a cookie", page, []string{"Cookie", "tz=Asia/Kathmandu"},
			"Thursday 1 July 2021, 20:15–21:45", "Asia/Kathmandu (UTC+05:45)", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, ts, tt.path, tt.headers...)
			if r.status != http.StatusOK {
				t.Fatalf("status %d", r.status)
			}
			yours := regexp.MustCompile(`(?s)<dd class="time" id="your-time">(.*?)</dd>`).FindStringSubmatch(r.body)
			own := regexp.MustCompile(`(?s)<dd class="time" id="event-time">(.*?)</dd>`).FindStringSubmatch(r.body)
			if yours == nil || own == nil {
				t.Fatalf("no times on the page:\n%s", r.body)
			}
			mustContain(t, "your time", visible(yours[1]), tt.yours, tt.yourZone)
			mustContain(t, "event's own time", visible(own[1]), "Thursday 1 July 2021, 16:30–18:00", "Europe/Zurich (UTC+02:00)")
			mustContain(t, "markup", r.body, `<time datetime="2021-07-01T14:30:00Z">`, `data-tz-chosen="`+tt.chosen+`"`)
		})
	}

	t.Run("agenda items in both zones", func(t *testing.T) {
		r := get(t, ts, page+"&tz=Australia/Sydney")
		row := regexp.MustCompile(`(?s)<tr id="item-[^"]*">(.*?)</tr>`).FindAllStringSubmatch(r.body, -1)
		if len(row) != 5 {
			t.Fatalf("%d rows", len(row))
		}
		mustContain(t, "first item", visible(row[0][1]), "00:30–00:45", "16:30–16:45", "15 min", "Welcome and opening")
		mustContain(t, "last item", visible(row[4][1]), "01:55–02:00", "17:55–18:00", "5 min")
	})

	t.Run("webinar in its network's zone", func(t *testing.T) {
		r := get(t, ts, "/?lang=es&tz=UTC")
		li := regexp.MustCompile(`(?s)<li class="event" id="event-rindhca-webinar-defenders">(.*?)</li>`).FindStringSubmatch(r.body)
		if li == nil {
			t.Fatal("the Americas webinar is not listed")
		}
		mustContain(t, "webinar", visible(li[1]), "miércoles, 10 de febrero de 2027, 15:00–16:30",
			"miércoles, 10 de febrero de 2027, 09:00–10:30", "America/Mexico_City (UTC-06:00)")
	})

	for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd", strings.Repeat("A", 300)} {
		t.Run("bad zone "+bad[:min(len(bad), 20)], func(t *testing.T) {
			r := get(t, ts, "/?lang=en&tz="+url.QueryEscape(bad))
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d", r.status)
			}
			mustContain(t, "error", visible(r.body), "is not a time zone we know (parameter tz)")
			mustContain(t, "no retry loop", r.body, `data-tz-chosen="true"`)
			if strings.Contains(r.header.Get("Set-Cookie"), "tz=") {
				t.Error("a bad zone was remembered")
			}
		})
	}
}

func TestPagesNeverShowRestrictedEvents(t *testing.T) {
	ts := pageServer(t)
	missing := get(t, ts, "/events/no-such-event?lang=fr")
	if missing.status != http.StatusNotFound {
		t.Fatalf("missing event: %d", missing.status)
	}
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, path := range []string{"/", "/?region=africa", "/events/" + demo.AnnualMeetingID} {
			r := get(t, ts, path+map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")]+"lang="+lang)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d", path, r.status)
			}
			for _, h := range hidden {
				mustNotContain(t, path+" in "+lang, r.body, h.ID)
				for _, title := range h.Title {
					mustNotContain(t, path+" in "+lang, r.body, title)
				}
			}
		}
	}
	for _, h := range hidden {
		r := get(t, ts, "/events/"+h.ID+"?lang=fr")
		if r.status != http.StatusNotFound {
			t.Errorf("%s: status %d", h.ID, r.status)
		}
		// The only difference allowed is the address itself (in the
		// language links).
		if strings.ReplaceAll(r.body, h.ID, "no-such-event") != missing.body {
			t.Errorf("%s: the 404 page differs from a missing event's, which reveals that it exists", h.ID)
		}
	}
	mustContain(t, "404 page", visible(missing.body), "Page introuvable")
}

func TestHomeSectionsAndRegions(t *testing.T) {
	ts := pageServer(t)
	section := func(body, id string) string {
		m := regexp.MustCompile(`(?s)<section aria-labelledby="` + id + `">(.*?)</section>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s section", id)
		}
		return m[1]
	}
	r := get(t, ts, "/?lang=en")
	up, past := section(r.body, "upcoming"), section(r.body, "past")
	mustContain(t, "upcoming", up, "apf-webinar-climate", "nanhri-webinar-civic-space", "rindhca-webinar-defenders", "ennhri-webinar-rule-of-law")
	mustNotContain(t, "upcoming", up, demo.AnnualMeetingID)
	mustContain(t, "past", past, `id="event-`+demo.AnnualMeetingID+`"`, `id="event-`+demo.ConsultationID+`"`)
	// Upcoming soonest first; the side event links its meeting.
	if strings.Index(up, "apf-webinar-climate") > strings.Index(up, "rindhca-webinar-defenders") {
		t.Error("upcoming events are not in date order")
	}
	mustContain(t, "side event", visible(past), "Part of Alliance Annual Meeting 2021")

	africa := get(t, ts, "/?lang=en&region=africa")
	mustContain(t, "africa", africa.body, "nanhri-webinar-civic-space", demo.AnnualMeetingID, `<option value="africa" selected>`,
		"webcal://majlis.example.org/feeds/regions/africa.ics?lang=en")
	mustNotContain(t, "africa", africa.body, "apf-webinar-climate", "rindhca-webinar-defenders")

	bad := get(t, ts, "/?lang=en&region=antarctica")
	if bad.status != http.StatusBadRequest {
		t.Fatalf("bad region: %d", bad.status)
	}
	mustContain(t, "bad region", visible(bad.body), "“antarctica” is not a region (parameter region)")
}

func TestPagesLinkFeeds(t *testing.T) {
	ts := pageServer(t)
	home := get(t, ts, "/?lang=fr")
	mustContain(t, "home", home.body,
		`href="webcal://majlis.example.org/feeds/all.ics?lang=fr"`,
		`href="webcal://majlis.example.org/feeds/regions/asia-pacific.ics?lang=fr"`,
		`href="https://majlis.example.org/feeds/all.ics?lang=fr"`)
	ev := get(t, ts, "/events/"+demo.ConsultationID+"?lang=ar")
	mustContain(t, "event", ev.body, `href="webcal://majlis.example.org/feeds/events/`+demo.ConsultationID+`.ics?lang=ar"`)
}

func TestPagesLoadNothingFromElsewhere(t *testing.T) {
	ts := pageServer(t)
	attr := regexp.MustCompile(`(?i)\s(src|href|action|srcset|poster|data)\s*=\s*"([^"]*)"`)
	for _, path := range []string{"/?lang=ar", "/?lang=en&region=europe", "/events/" + demo.ConsultationID, "/events/" + demo.AnnualMeetingID + "?lang=es", "/events/nothing", "/slots?date=2021-07-01&duration=90m&lang=ar"} {
		r := get(t, ts, path)
		csp := r.header.Get("Content-Security-Policy")
		mustContain(t, path+" CSP", csp, "default-src 'self'", "script-src 'self'", "style-src 'self'")
		for _, m := range attr.FindAllStringSubmatch(r.body, -1) {
			u := html.UnescapeString(m[2])
			switch {
			case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"), strings.HasPrefix(u, "#"):
			case strings.HasPrefix(u, pageBase+"/feeds/"), strings.HasPrefix(u, "webcal://majlis.example.org/feeds/"):
				// subscribe links, followed by calendar apps, not loaded by the page
			default:
				t.Errorf("%s: %s=%q points outside majlis", path, m[1], u)
			}
		}
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]`), // inline script
			regexp.MustCompile(`(?i)<style`),                   // inline stylesheet
			regexp.MustCompile(`(?i)\sstyle\s*=`),              // style attribute
			regexp.MustCompile(`(?i)\son[a-z]+\s*=`),           // event handler attribute
			regexp.MustCompile(`(?i)javascript:`),
		} {
			if loc := bad.FindStringIndex(r.body); loc != nil {
				t.Errorf("%s: CSP-breaking markup %q", path, r.body[loc[0]:min(loc[1]+20, len(r.body))])
			}
		}
	}
	for _, asset := range []string{"/assets/style.css", "/assets/app.js"} {
		r := get(t, ts, asset)
		if r.status != 200 {
			t.Fatalf("%s: %d", asset, r.status)
		}
		if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).FindString(r.body); m != "" {
			t.Errorf("%s refers to %q", asset, m)
		}
		mustNotContain(t, asset, r.body, "@import", "url(http")
	}
}

func TestAssets(t *testing.T) {
	ts := pageServer(t)
	home := get(t, ts, "/")
	m := regexp.MustCompile(`href="(/assets/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(home.body)
	if m == nil {
		t.Fatal("no versioned stylesheet link")
	}
	css := get(t, ts, m[1])
	if css.status != 200 || css.header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("stylesheet: %d %q", css.status, css.header.Get("Content-Type"))
	}
	if cc := css.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned asset Cache-Control %q", cc)
	}
	if cc := get(t, ts, "/assets/style.css?v=old").header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("an asset of another version must not be cached for a year: %q", cc)
	}
	again := get(t, ts, m[1], "If-None-Match", css.header.Get("ETag"))
	if again.status != http.StatusNotModified || again.body != "" {
		t.Errorf("revalidation: %d", again.status)
	}
	for _, p := range []string{"/assets/nope.css", "/assets/../static.go", "/assets/"} {
		if r := get(t, ts, p); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", p, r.status)
		}
	}
}

// TestAssetPreconditions: assets answer If-None-Match and If-Match by the
// one precondition check (RFC 9110 §13): lists, weak comparison, "*".
func TestAssetPreconditions(t *testing.T) {
	ts := pageServer(t)
	tag := get(t, ts, "/assets/style.css").header.Get("ETag")
	tests := []struct {
		name   string
		header []string
		expect int
	}{
		{"own tag", []string{"If-None-Match", tag}, http.StatusNotModified},
		{"star", []string{"If-None-Match", "*"}, http.StatusNotModified},
		{"in a list", []string{"If-None-Match", `"old", ` + tag}, http.StatusNotModified},
		{"weak", []string{"If-None-Match", "W/" + tag}, http.StatusNotModified},
		{"other tag", []string{"If-None-Match", `"old"`}, http.StatusOK},
		{"unquoted", []string{"If-None-Match", strings.Trim(tag, `"`)}, http.StatusOK},
		{"If-Match other tag", []string{"If-Match", `"old"`}, http.StatusPreconditionFailed},
		{"If-Match own tag", []string{"If-Match", tag}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := get(t, ts, "/assets/style.css", tt.header...); r.status != tt.expect {
				t.Fatalf("%v: %d, want %d", tt.header, r.status, tt.expect)
			}
		})
	}
}

func TestErrorPagesForBrowsersJSONForClients(t *testing.T) {
	ts := pageServer(t)
	browser := get(t, ts, "/no/such/page?lang=es")
	if browser.status != 404 || !strings.HasPrefix(browser.header.Get("Content-Type"), "text/html") {
		t.Fatalf("browser: %d %q", browser.status, browser.header.Get("Content-Type"))
	}
	mustContain(t, "404", visible(browser.body), "Página no encontrada", "Volver al calendario")

	res, err := http.Get(ts.URL + "/api/v1/events/no-such-event")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("API: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// A HEAD of a page answers like GET, without a body.
	head, err := http.Head(ts.URL + "/?lang=ar")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != 200 || head.Header.Get("Content-Language") != "ar" {
		t.Errorf("HEAD: %d %q", head.StatusCode, head.Header.Get("Content-Language"))
	}
}

func TestCancelledEventStaysVisibleAndMarked(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return pageNow }
	svc := agenda.New(agenda.Config{Now: clock}, st)
	ctx := context.Background()
	if _, err := demo.Load(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.DeleteEvent(ctx, "apf-webinar-climate", 0); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.Config{BaseURL: pageBase, Now: clock}, st, svc).Handler())
	t.Cleanup(ts.Close)
	home := get(t, ts, "/?lang=fr")
	li := regexp.MustCompile(`(?s)<li class="event cancelled" id="event-apf-webinar-climate">(.*?)</li>`).FindStringSubmatch(home.body)
	if li == nil {
		t.Fatal("the cancelled webinar is not listed as cancelled")
	}
	mustContain(t, "cancelled row", visible(li[1]), "Annulé")
	ev := get(t, ts, "/events/apf-webinar-climate?lang=fr")
	mustContain(t, "cancelled page", visible(ev.body), "Cet événement a été annulé.")
}

// TestEventStateFollowsTheClock: an event over offers no "join" any more
// and says it has ended; while it runs the event page and the calendar say
// it is live (past events offered "Join the live session" for ever).
func TestEventStateFollowsTheClock(t *testing.T) {
	consultation := "/events/" + demo.ConsultationID
	tests := []struct {
		name       string
		now        time.Time // the consultation runs 14:30–16:00Z on 1 July 2021
		join       bool
		pageNote   string
		rowBadge   string
		notOnPages []string
	}{
		{name: "before", now: time.Date(2021, 6, 30, 12, 0, 0, 0, time.UTC), join: true, notOnPages: []string{"Live now", "has ended", "Ended"}},
		{name: "running", now: time.Date(2021, 7, 1, 15, 0, 0, 0, time.UTC), join: true, pageNote: "This event is taking place now.", rowBadge: "Live now", notOnPages: []string{"has ended", "Ended"}},
		{name: "at its end", now: time.Date(2021, 7, 1, 16, 0, 0, 0, time.UTC), pageNote: "This event has ended.", rowBadge: "Ended", notOnPages: []string{"Live now", "Join the live session"}},
		{name: "years later", now: pageNow, pageNote: "This event has ended.", rowBadge: "Ended", notOnPages: []string{"Live now", "Join the live session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			clock := func() time.Time { return tt.now }
			svc := agenda.New(agenda.Config{Now: clock}, st)
			if _, err := demo.Load(context.Background(), svc); err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(server.New(server.Config{BaseURL: pageBase, Now: clock}, st, svc).Handler())
			t.Cleanup(ts.Close)
			ev := get(t, ts, consultation+"?lang=en")
			if ev.status != 200 {
				t.Fatalf("event page: %d", ev.status)
			}
			if got := strings.Contains(ev.body, `href="`+consultation+`/session"`); got != tt.join {
				t.Errorf("join link shown: %v, want %v", got, tt.join)
			}
			if tt.pageNote != "" {
				mustContain(t, "event page", visible(ev.body), tt.pageNote)
			}
			mustNotContain(t, "event page", visible(ev.body), tt.notOnPages...)
			home := get(t, ts, "/?lang=en")
			li := regexp.MustCompile(`(?s)<li class="event" id="event-` + demo.ConsultationID + `">(.*?)</li>`).FindStringSubmatch(home.body)
			if li == nil {
				t.Fatal("the consultation is not on the calendar")
			}
			if tt.rowBadge != "" {
				mustContain(t, "calendar row", visible(li[1]), tt.rowBadge)
			}
			mustNotContain(t, "calendar row", visible(li[1]), tt.notOnPages...)
			// Its session page, still open to a late link, says so too.
			sess := get(t, ts, consultation+"/session?lang=en")
			if ended := strings.Contains(visible(sess.body), "This event has ended."); ended != (tt.rowBadge == "Ended") {
				t.Errorf("session page says ended: %v", ended)
			}
			// The parent meeting lists its side event with the same state.
			meeting := get(t, ts, "/events/"+demo.AnnualMeetingID+"?lang=fr")
			if tt.rowBadge == "Ended" {
				mustContain(t, "side event row", visible(meeting.body), "Terminé")
			}
		})
	}
}
