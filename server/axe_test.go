package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/majlis/majlis/demo"
)

// axeTags are the axe-core rule tags the pages must pass: WCAG 2.0, 2.1
// and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeSource reads axe-core's browser build: $MAJLIS_AXE, which
// scripts/test sets after installing the pinned axe-core from npm into its
// cache folder. A missing file fails the test: accessibility is only known
// once a real checker has read the page.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("MAJLIS_AXE")
	if p == "" {
		t.Fatal("MAJLIS_AXE is not set: run the suite with scripts/test, which installs axe-core (npm) and sets it")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read axe-core (%s): %v; scripts/test installs it", p, err)
	}
	return string(b)
}

// axeViolation is the part of an axe-core result a failure reports.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axe runs axe-core on the page the browser shows and returns one line per
// violation of axeTags.
func axe(t *testing.T, b *browser, src string) []string {
	t.Helper()
	tags, _ := json.Marshal(axeTags)
	b.run(t, "load axe-core", chromedp.Evaluate[chromedp.Void](src))
	raw := value(t, b, "run axe-core", chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise,
	))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe-core result: %v", err)
	}
	var out []string
	for _, v := range vs {
		for _, n := range v.Nodes {
			h := n.HTML
			if len(h) > 160 {
				h = h[:160] + "…"
			}
			out = append(out, fmt.Sprintf("%s (%s): %v %s", v.ID, v.Help, n.Target, h))
		}
	}
	return out
}

// TestPagesAxe opens every public page in the four languages in a real
// browser and runs axe-core with the WCAG 2.2 AA tags: none may report a
// violation.
func TestPagesAxe(t *testing.T) {
	src := axeSource(t)
	ts := pageServer(t)
	b := newBrowser(t, "Europe/Zurich")
	b.run(t, "let axe-core run under the page's CSP", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	}))
	paths := []string{
		"/",
		"/events/" + demo.ConsultationID,
		"/events/" + demo.ConsultationID + "/session",
		"/slots?date=2021-07-01&duration=90m",
		"/organizer/sources",
		"/events/no-such-event",
		"/?tz=Mars/Olympus",
	}
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, p := range paths {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			u := ts.URL + p + sep + "lang=" + lang
			b.run(t, "open "+u, chromedp.Navigate(u), chromedp.WaitReady(css(`body`)))
			for _, v := range axe(t, b, src) {
				t.Errorf("%s: %s", p+sep+"lang="+lang, v)
			}
		}
	}
}
