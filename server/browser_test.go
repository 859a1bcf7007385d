package server_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/majlis/majlis/demo"
)

// chromium finds the browser: $MAJLIS_CHROMIUM, or Debian's chromium. A
// missing browser fails the test: pages are only known to work once a
// real browser has run them.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MAJLIS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium found: install it (sudo apt-get install chromium) or set MAJLIS_CHROMIUM; scripts/test does this")
	return ""
}

// browser is a headless chromium with a fresh profile, emulating a viewer
// in one zone, that records every request it makes and every problem its
// console reports.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	problems []string
}

func newBrowser(t *testing.T, zone string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	opts = append(opts, extra...)
	// The timeout bounds the whole browser: a hung page fails the test
	// instead of hanging the suite (whose own limit is 40 minutes). The
	// longest, the session test, takes under a minute with -race on two
	// quiet cores. It once took ten and more: the session page wrote its
	// frame counts on <body> for every audio frame, and the DOM events of
	// those writes (over 600 a second from six tabs) left the DevTools
	// connection ever further behind.
	parent, cancelTimeout := context.WithTimeout(context.Background(), 10*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelTimeout() })
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // starts the browser and its first tab
		t.Fatalf("start chromium: %v", err)
	}
	if err := b.listen(ctx); err != nil {
		t.Fatal(err)
	}
	b.run(t, "emulate the zone "+zone, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return err
	}))
	return b
}

// listen records the requests and problems of the tab behind ctx.
func (b *browser) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				b.problems = append(b.problems, string(ev.Entry.Source)+": "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				b.problems = append(b.problems, "console."+string(ev.Type))
			}
		}
	})
}

func (b *browser) run(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs an action that returns a value.
func value[T any](t *testing.T, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

type css = chromedp.CSS

// TestBrowser drives a real browser through the pages: the zone comes from
// the browser, the language switcher and zone selector work and are
// remembered, Arabic lays out right to left, CSS and script load under the
// Content-Security-Policy, and nothing is fetched from anywhere else.
func TestBrowser(t *testing.T) {
	ts := pageServer(t)
	b := newBrowser(t, "Australia/Sydney")
	row := css(`#event-` + demo.ConsultationID + ` .time`)

	// First visit, in Arabic, with no zone chosen: the script detects the
	// browser's zone and the server remembers it.
	b.run(t, "open the calendar in Arabic",
		chromedp.Navigate(ts.URL+"/?lang=ar"),
		chromedp.WaitVisible(css(`body[data-tz-chosen="true"]`)),
	)
	if d := value(t, b, "dir", chromedp.AttributeValue(css(`html`), "dir")); d.Value != "rtl" {
		t.Errorf("Arabic page dir=%q", d.Value)
	}
	search := value(t, b, "location", chromedp.Evaluate[string](`location.search`))
	if q, _ := url.ParseQuery(strings.TrimPrefix(search, "?")); q.Get("tz") != "Australia/Sydney" {
		t.Errorf("the browser's zone was not detected: location.search %q", search)
	}
	if got := value(t, b, "consultation", chromedp.Text(row)); !strings.Contains(got, "الجمعة 2 يوليو 2021") || !strings.Contains(got, "00:30–02:00") {
		t.Errorf("the consultation in Sydney time: %q", got)
	}
	bg := value(t, b, "style", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.site")).backgroundColor`))
	if bg != "rgb(243, 246, 249)" {
		t.Errorf("the stylesheet did not apply (header background %q): blocked by CSP?", bg)
	}

	// Switch language with the switcher: English, still in Sydney time,
	// and both choices survive a fresh visit without parameters.
	b.run(t, "switch to English",
		chromedp.Click(css(`nav.langs a[hreflang="en"]`)),
		chromedp.WaitVisible(css(`html[lang="en"] #tz-note`)),
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(css(`#tz-note`)),
	)
	lang := value(t, b, "lang", chromedp.AttributeValue(css(`html`), "lang"))
	note := value(t, b, "note", chromedp.Text(css(`#tz-note`)))
	if lang.Value != "en" || !strings.Contains(note, "Australia/Sydney") {
		t.Errorf("choices not remembered: lang %q, note %q", lang.Value, note)
	}

	// Pick another zone in the selector and apply it with the button.
	b.run(t, "choose Zurich",
		chromedp.SetValue(css(`select[name="tz"]`), "Europe/Zurich"),
		chromedp.Click(css(`form.controls button[type="submit"]`)),
		chromedp.WaitVisible(css(`body[data-tz="Europe/Zurich"]`)),
	)
	if got := value(t, b, "consultation", chromedp.Text(row)); !strings.Contains(got, "Thursday 1 July 2021, 16:30–18:00") {
		t.Errorf("the consultation in Zurich time: %q", got)
	}

	// The event page: the agenda, in the chosen zone.
	b.run(t, "open the consultation",
		chromedp.Click(css(`#event-`+demo.ConsultationID+` a.event-title`)),
		chromedp.WaitVisible(css(`table.agenda`)),
	)
	rows := value(t, b, "rows", chromedp.Evaluate[int](`document.querySelectorAll("table.agenda tbody tr").length`))
	first := value(t, b, "first item", chromedp.Text(css(`table.agenda tbody tr td.time`)))
	if rows != 5 || !strings.Contains(first, "16:30–16:45") {
		t.Errorf("agenda: %d rows, first %q", rows, first)
	}

	// The planning page: the chart takes its colours from the stylesheet,
	// and the form sends the regions ticked.
	b.run(t, "plan a meeting",
		chromedp.Navigate(ts.URL+"/slots?date=2021-07-01&duration=90m"),
		chromedp.WaitVisible(css(`table.chart`)),
	)
	night := value(t, b, "night cell", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("table.chart td.night")).backgroundColor`))
	if night != "rgb(59, 74, 99)" {
		t.Errorf("night cells are %q: the stylesheet did not apply", night)
	}
	b.run(t, "only Europe and Asia-Pacific",
		chromedp.Click(css(`input[name="regions"][value="africa"]`)),
		chromedp.Click(css(`input[name="regions"][value="americas"]`)),
		chromedp.Click(css(`form.controls button[type="submit"]`)),
		chromedp.WaitNotPresent(css(`input[name="regions"][value="africa"][checked]`)),
		chromedp.WaitVisible(css(`table.chart`)),
	)
	chartRows := value(t, b, "chart rows", chromedp.Evaluate[int](`document.querySelectorAll("table.chart tbody tr").length`))
	fits := value(t, b, "first slot", chromedp.Evaluate[int](`document.querySelector("li.slot").querySelectorAll("li.fit").length`))
	if chartRows != 2 || fits != 2 {
		t.Errorf("after choosing two regions: %d chart rows, %d regions per slot", chartRows, fits)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.requests {
		// data: URLs never leave the machine: Chromium draws the date
		// input's calendar icon with one.
		if !strings.HasPrefix(r, ts.URL+"/") && !strings.HasPrefix(r, "data:") {
			t.Errorf("the page requested %s", r)
		}
	}
	if len(b.requests) < 8 {
		t.Errorf("only %d requests recorded; is the network listener working?", len(b.requests))
	}
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}

// axeVersion is the axe-core release scripts/test installs (pinned).
const axeVersion = "4.14.1"

// axeSource is axe-core, the accessibility checker, read once: from
// $MAJLIS_AXE, or where scripts/test installs it from npm.
var axeSource = sync.OnceValues(func() (string, error) {
	p := os.Getenv("MAJLIS_AXE")
	if p == "" {
		home, _ := os.UserHomeDir()
		p = home + "/.cache/majlis/axe-core-" + axeVersion + "/node_modules/axe-core/axe.min.js"
	}
	b, err := os.ReadFile(p)
	return string(b), err
})

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID, Help string
	Nodes    []struct{ Target []string }
}

// checkAxe runs axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on the page in b and
// fails the test for every violation. axe is injected through the
// DevTools protocol, which the page's Content-Security-Policy does not
// govern.
func checkAxe(t *testing.T, b *browser, what string) {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run scripts/test (it installs axe-core@%s from npm), or set MAJLIS_AXE to axe.min.js", err, axeVersion)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		t.Fatalf("%s: load axe-core: %v", what, err)
	}
	violations, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", what, err)
	}
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.Join(n.Target, " "))
		}
		t.Errorf("%s: axe %s (%s) at %s", what, v.ID, v.Help, strings.Join(where, ", "))
	}
}
