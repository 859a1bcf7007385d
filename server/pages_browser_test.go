package server_test

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/majlis/majlis/demo"
)

// freshTab opens a tab in b, in zone, after clearing the browser's
// cookies, so that the tab starts like a first visit (its sessionStorage
// is its own).
func (b *browser) freshTab(t *testing.T, zone string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return err
	})); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// TestNoReloadLoop: whatever ?lang= says, a page reloads itself at most
// once (to send the browser's zone). An unsupported language kept the
// 400 page saying "no zone chosen" while the script reloaded it with the
// same ?tz=: 114 navigations in 4 s. The browser is in Sydney, not UTC,
// since a browser in UTC had nothing to send.
func TestNoReloadLoop(t *testing.T) {
	ts := pageServer(t)
	b := newBrowser(t, "Australia/Sydney")
	tests := []struct {
		name  string
		query string
		lang  string // the page's language, "" for the 400 page in English
	}{
		{name: "unsupported language", query: "lang=de"},
		{name: "unsupported language with a zone", query: "lang=de&tz=Australia/Sydney"},
		{name: "upper case", query: "lang=EN", lang: "en"},
		{name: "upper case with a zone", query: "lang=EN&tz=Australia/Sydney", lang: "en"},
		{name: "regional French", query: "lang=fr-CA", lang: "fr"},
		{name: "regional French with a zone", query: "lang=fr-CA&tz=Europe/Paris", lang: "fr"},
		{name: "Latin American Spanish", query: "lang=es-419", lang: "es"},
		{name: "Latin American Spanish with a zone", query: "lang=es-419&tz=America/Lima", lang: "es"},
		{name: "bad zone", query: "tz=Mars/Olympus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := b.freshTab(t, "Australia/Sydney")
			var navigations atomic.Int32
			if err := chromedp.Listen(ctx, func(ev any) {
				if ev, ok := ev.(*page.EventFrameNavigated); ok && ev.Frame.ParentID == "" {
					navigations.Add(1)
				}
			}); err != nil {
				t.Fatal(err)
			}
			// Page.navigate without waiting for a load that a loop would
			// never let finish; then watch the tab for a while.
			if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.Navigate, page.NavigateParams{URL: ts.URL + "/?" + tt.query})
				return err
			}), chromedp.Sleep(3*time.Second)); err != nil {
				t.Fatal(err)
			}
			if n := navigations.Load(); n < 1 || n > 2 {
				t.Fatalf("%d navigations, want the page and at most one reload", n)
			}
			if tt.lang == "" {
				return
			}
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil || lang != tt.lang {
				t.Errorf("page language %q (%v), want %q", lang, err, tt.lang)
			}
			search, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
			if q, _ := url.ParseQuery(search[min(1, len(search)):]); q.Get("tz") == "" {
				t.Errorf("the browser's zone was not sent: location.search %q", search)
			}
		})
	}
}

// phonePages are the pages a phone must show without scrolling sideways:
// each with a CSS selector that is there once it has rendered, and a
// script to run first. The organizer app's pages, which need a session,
// are checked in TestOrganizerPasskeysInBrowser and TestEventAppInBrowser.
var phonePages = []struct {
	name, path, ready, prepare string
	// organizer: opened signed in as pageServer's organizer.
	organizer bool
}{
	{name: "home", path: "/", ready: "#upcoming"},
	{name: "home, one region", path: "/?region=asia-pacific", ready: "#upcoming"},
	{name: "event", path: "/events/" + demo.ConsultationID, ready: "table.agenda"},
	{name: "annual meeting", path: "/events/" + demo.AnnualMeetingID, ready: "ol.events"},
	{name: "session", path: "/events/" + demo.ConsultationID + "/session", ready: "#session"},
	{name: "booth", path: "/events/" + demo.ConsultationID + "/booth", ready: "#session"},
	{name: "slots", path: "/slots?date=2021-07-01&duration=90m", ready: "table.chart"},
	{name: "not found", path: "/events/no-such-event", ready: "main h1"},
	{name: "registration", path: "/events/" + pageWebinar + "/register", ready: "#register"},
	{name: "registrant", path: "/r/" + pageRegistrantToken, ready: "#reg-status"},
	{name: "bad zone", path: "/?tz=America/Argentina/Nowhere_Very_Long_Name", ready: "main h1"},
	{name: "organizer agenda builder", path: "/organizer/events/" + demo.ConsultationID + "/agenda", ready: "#items .tl-item", organizer: true,
		prepare: `document.getElementById("add-item").click()`},
	{name: "organizer people", path: "/organizer/events/" + demo.ConsultationID + "/people", ready: "#invites-none", organizer: true},
	{name: "organizer registrations", path: "/organizer/events/" + pageWebinar + "/registrations", ready: "#questions .question", organizer: true,
		prepare: `document.getElementById("add-question").click()`},
	{name: "organizer attendance", path: "/organizer/events/" + pageWebinar + "/attendance", ready: "#attendance", organizer: true},
}

// signedIn gives b the session of pageServer's organizer at ts when on,
// and clears every cookie when not.
func signedIn(t *testing.T, b *browser, ts string, on bool) {
	t.Helper()
	b.run(t, "cookies", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{}); err != nil || !on {
			return err
		}
		token, _ := pageSessions.Load(ts)
		yes := true
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: "__Host-majlis_session", Value: token.(string), URL: ts + "/",
			Path: "/", Secure: &yes, HTTPOnly: &yes, SameSite: network.CookieSameSiteLax})
		return err
	}))
}

// phone makes b's first tab a 360 × 740 phone screen.
func phone(t *testing.T, b *browser) {
	t.Helper()
	b.run(t, "a 360 px phone", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 740, DeviceScaleFactor: 2, Mobile: true})
		return err
	}))
}

// TestPagesFitAPhone: every page, in every language, fits a 360 px wide
// phone screen without scrolling sideways (home was 580 px wide, an event
// 653 px, /slots 432 px); wide tables scroll inside their own box.
func TestPagesFitAPhone(t *testing.T) {
	ts := pageServer(t)
	b := newBrowser(t, "America/Argentina/Buenos_Aires")
	phone(t, b)
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, pg := range phonePages {
			t.Run(lang+"/"+pg.name, func(t *testing.T) {
				sep := "?"
				if strings.Contains(pg.path, "?") {
					sep = "&"
				}
				signedIn(t, b, ts.URL, pg.organizer)
				b.run(t, "open", chromedp.Navigate(ts.URL+pg.path+sep+"lang="+lang+"&tz=America/Argentina/Buenos_Aires"), chromedp.WaitVisible(css(pg.ready)))
				if pg.prepare != "" {
					value(t, b, "prepare", chromedp.Evaluate[any](pg.prepare))
				}
				w := value(t, b, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`))
				if w > 360 {
					wide := value(t, b, "wide elements", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 361 || e.getBoundingClientRect().left < -1).slice(0, 6).map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className + " " + Math.round(e.getBoundingClientRect().width))`))
					t.Errorf("%d px wide on a 360 px screen; too wide: %v", w, wide)
				}
			})
		}
	}
}

// TestPagesAccessible: the pages pass axe-core's WCAG 2.2 AA rules in
// every language, on a phone and on a desktop screen; an arrow key in the
// zone or region select changes nothing until the button is pressed
// (WCAG 3.2.2: they navigated at once); the focus ring has at least 3:1
// against what surrounds it (WCAG 1.4.11: the yellow ring had 1.8:1).
func TestPagesAccessible(t *testing.T) {
	ts := pageServer(t)
	b := newBrowser(t, "Europe/Zurich")
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, pg := range phonePages {
			t.Run(lang+"/"+pg.name, func(t *testing.T) {
				sep := "?"
				if strings.Contains(pg.path, "?") {
					sep = "&"
				}
				signedIn(t, b, ts.URL, pg.organizer)
				b.run(t, "open", chromedp.Navigate(ts.URL+pg.path+sep+"lang="+lang+"&tz=Europe/Zurich"), chromedp.WaitVisible(css(pg.ready)))
				checkAxe(t, b, pg.path)
				if pg.prepare != "" && pg.organizer {
					value(t, b, "prepare", chromedp.Evaluate[any](pg.prepare))
					checkAxe(t, b, pg.path+" after: "+pg.prepare)
				}
			})
		}
	}

	t.Run("selects wait for the button", func(t *testing.T) {
		for _, sel := range []string{`select[name="tz"]`, `select[name="region"]`} {
			b.run(t, "open the calendar",
				chromedp.Navigate(ts.URL+"/?lang=en&tz=Europe/Zurich"),
				chromedp.WaitVisible(css(`#upcoming`)),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](`window.stillHere = true`)(ctx, tg)
					return err
				}),
				chromedp.Focus(css(sel)),
				chromedp.KeyEvent(kb.ArrowDown),
				chromedp.KeyEvent(kb.ArrowDown),
				chromedp.Sleep(time.Second), // time for a navigation to start
			)
			if !value(t, b, "same page", chromedp.Evaluate[bool](`window.stillHere === true && location.search === "?lang=en&tz=Europe/Zurich"`)) {
				t.Errorf("arrow keys in %s left the page", sel)
			}
			b.run(t, "apply", chromedp.Click(css(`form.controls button[type="submit"]`)))
			// A navigation interrupts a poll: ask again until the new page
			// answers.
			submitted := false
			for range 100 {
				ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.stillHere !== true && document.readyState === "complete"`))
				if submitted = err == nil && ok; submitted {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !submitted {
				t.Errorf("the button did not submit %s", sel)
			}
		}
	})

	t.Run("focus ring contrast", func(t *testing.T) {
		b.run(t, "open the calendar", chromedp.Navigate(ts.URL+"/?lang=en&tz=Europe/Zurich"), chromedp.WaitVisible(css(`#upcoming`)))
		// The first Tab focuses the skip link; the next ones the header's
		// links on the soft background, then the form.
		for i := range 8 {
			b.run(t, "tab", chromedp.KeyEvent(kb.Tab))
			ratio := value(t, b, "contrast", chromedp.Evaluate[float64](focusContrast))
			if ratio < 3 {
				what := value(t, b, "focused", chromedp.Evaluate[string](`document.activeElement.outerHTML.slice(0, 80)`))
				t.Errorf("tab %d: focus ring contrast %.2f:1 on %s, want ≥ 3:1", i+1, ratio, what)
			}
		}
	})
}

// focusContrast computes, in the page, the contrast ratio (WCAG 2) of the
// focused element's outline against the background it is drawn on (the
// nearest ancestor with a background colour); 0 without an outline.
const focusContrast = `(() => {
  const el = document.activeElement;
  const st = getComputedStyle(el);
  if (st.outlineStyle === "none" || parseFloat(st.outlineWidth) === 0) return 0;
  const rgb = c => c.match(/[\d.]+/g).map(Number);
  let bg = [255, 255, 255];
  for (let e = el.parentElement; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c; break; }
  }
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const a = lum(rgb(st.outlineColor)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})()`
