package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/server"
)

// arrive waits until the page a click navigated to has the element sel:
// a wait on the old document could query nodes the navigation removes.
func arrive(t *testing.T, b *browser, sel string) {
	t.Helper()
	cond := `document.readyState === "complete" && document.querySelector(` + strconv.Quote(sel) + `) !== null`
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
	}
	t.Fatalf("no %s after the navigation", sel)
}

// TestEventAppInBrowser: a regional organizer signs in with a sign-in
// link, creates a four-language webinar in the form, previews it, publishes
// it after the confirmation and sees it on the public page; then every
// page of the events, sources and coverage app passes axe-core in the four
// languages and fits a 360 px screen.
func TestEventAppInBrowser(t *testing.T) {
	f := serveFixture(t, server.Config{BaseURL: "http://localhost:8080"}, nil)
	feed := regionalFeed(t, 1)
	ctx := context.Background()
	fatima := access.Organizer{ID: access.NewID("org_"), Name: "Fatima Zahra", Region: agenda.RegionAfrica, Created: time.Now().UTC()}
	_, fatima.TokenHash = access.NewToken()
	if err := f.st.CreateOrganizer(ctx, fatima); err != nil {
		t.Fatal(err)
	}
	src, err := f.st.PutSource(ctx, calendar.Source{ID: "src-nanhri", Region: agenda.RegionAfrica, Name: "NANHRI calendar", Kind: calendar.SourceICS, URL: feed.URL + "/cal.ics"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	link := f.link(fatima.ID, time.Now())
	base := f.ts.URL

	b := newBrowser(t, "Africa/Dakar")
	b.run(t, "sign in with the link",
		chromedp.Navigate(base+"/organizer/sign-in?lang=en&link="+link),
		chromedp.WaitVisible(css(`#recover`)),
		chromedp.Click(css(`#recover`)),
	)
	arrive(t, b, `#sessions`)
	b.run(t, "to the events", chromedp.Click(css(`a[href="/organizer/events"]`)))
	arrive(t, b, `#new-event`)
	b.run(t, "a new event", chromedp.Click(css(`#new-event`)))
	arrive(t, b, `#title-ar`)
	titles := map[string]string{"en": "Defenders and civic space", "fr": "Défenseurs et espace civique",
		"es": "Defensores y espacio cívico", "ar": "المدافعون والفضاء المدني"}
	var fill []chromedp.Action[chromedp.Void]
	for l, title := range titles {
		fill = append(fill, chromedp.SendKeys(css(`#title-`+l), title))
	}
	fill = append(fill,
		chromedp.SetValue(css(`#start`), "2027-03-01T16:30"),
		chromedp.SetValue(css(`#end`), "2027-03-01T18:00"),
		chromedp.SendKeys(css(`#conference`), "https://meet.example.org/j/123"),
		chromedp.Click(css(`#save-event`)),
	)
	b.run(t, "fill in the form in four languages", fill...)
	arrive(t, b, `#preview-link`)
	loc := value(t, b, "address", chromedp.Evaluate[string](`location.pathname`))
	id := strings.TrimPrefix(loc, "/organizer/events/")
	e, err := f.st.GetEvent(ctx, id)
	if err != nil || e.Status != agenda.StatusDraft || e.Region != agenda.RegionAfrica || e.TimeZone != "Africa/Nairobi" || len(e.Title) != 4 {
		t.Fatalf("stored %+v, %v", e, err)
	}
	if times := value(t, b, "region times", chromedp.Text(css(`#region-times`))); !strings.Contains(times, "Australia/Sydney") {
		t.Errorf("region times %q", times)
	}
	// Before saving, the table follows the form: 08:00 in Nairobi is 16:00 in Sydney.
	value(t, b, "change the start", chromedp.Evaluate[bool](`(() => { const s = document.getElementById("start"); s.value = "2027-03-01T08:00"; return s.dispatchEvent(new Event("change")); })()`))
	if sydney := value(t, b, "Sydney", chromedp.Text(css(`tr[data-zone="Australia/Sydney"] .when`))); !strings.Contains(sydney, "16:00") {
		t.Errorf("Sydney's time after a new start: %q", sydney)
	}
	b.run(t, "reload the saved form", chromedp.Reload())
	arrive(t, b, `#preview-link`)

	b.run(t, "preview", chromedp.Click(css(`#preview-link`)))
	arrive(t, b, `#preview-banner`)
	if h := value(t, b, "preview title", chromedp.Text(css(`main h1`))); h != titles["en"] {
		t.Errorf("preview title %q", h)
	}
	b.run(t, "back to the form", chromedp.Click(css(`#preview-banner a`)))
	arrive(t, b, `#step-published`)
	b.run(t, "publish", chromedp.Click(css(`#step-published`)))
	arrive(t, b, `#confirm-status`)
	b.run(t, "confirm", chromedp.Click(css(`#confirm-status`)))
	arrive(t, b, `#step-cancelled`)
	if e, _ := f.st.GetEvent(context.Background(), id); e.Status != agenda.StatusPublished {
		t.Fatalf("status %s after publishing", e.Status)
	}
	b.run(t, "the public page in Arabic", chromedp.Navigate(base+"/events/"+id+"?lang=ar"), chromedp.WaitVisible(css(`#conference`)))
	if h := value(t, b, "public title", chromedp.Text(css(`main h1`))); h != titles["ar"] {
		t.Errorf("public title %q", h)
	}

	// Accessibility and narrow screens, every page of the app, four languages.
	b.run(t, "360 px wide, axe under the CSP", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 740, DeviceScaleFactor: 2, Mobile: true})
		return err
	}))
	ev := "/organizer/events/" + id
	pages := []struct{ path, ready string }{
		{"/organizer/events", "#drafts"},
		{"/organizer/events/new", "#title-ar"},
		{ev, "#title-ar"},
		{ev + "/status?to=cancelled", "#confirm-status"},
		{ev + "/preview", "#preview-banner"},
		{ev + "/coverage", "#coverage-csv"},
		{"/organizer/sources", "#sources"},
		{"/organizer/sources/" + src.ID, "#source-name"},
	}
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p.path, "?") {
				sep = "&"
			}
			what := p.path + sep + "lang=" + lang
			b.run(t, "open "+what, chromedp.Navigate(base+what), chromedp.WaitVisible(css(p.ready)))
			if w := value(t, b, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
				wide := value(t, b, "wide elements", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361 || e.getBoundingClientRect().left < -1).slice(0, 6).map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className + " " + Math.round(e.getBoundingClientRect().width))`))
				t.Errorf("%s is %d px wide: %v", what, w, wide)
			}
			if d := value(t, b, "dir", chromedp.AttributeValue(css(`html`), "dir")); (lang == "ar") != (d.Value == "rtl") {
				t.Errorf("%s: dir=%q", what, d.Value)
			}
			checkAxe(t, b, what)
		}
	}
	// A form with errors too: they are announced and linked to the fields.
	b.run(t, "a form with errors", chromedp.Navigate(base+ev+"?lang=ar"), chromedp.WaitVisible(css(`#conference`)),
		chromedp.SetValue(css(`#conference`), "http://meet.example.org"), chromedp.Click(css(`#save-event`)))
	arrive(t, b, `#errors`)
	checkAxe(t, b, "form with errors")

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.requests {
		if !strings.HasPrefix(r, base+"/") && !strings.HasPrefix(r, "data:") {
			t.Errorf("the page requested %s", r)
		}
	}
	for _, p := range b.problems {
		if strings.Contains(p, "status of 422") {
			continue // the form with errors, on purpose
		}
		t.Errorf("browser console: %s", p)
	}
}
