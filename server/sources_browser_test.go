package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSourcesPageInBrowser: an organizer opens the sources page in Arabic
// in a real browser, gives their token, and sees each source's status in
// their language; "sync now" works from the page; a wrong token says so;
// nothing is loaded from elsewhere and the console stays clean.
func TestSourcesPageInBrowser(t *testing.T) {
	f := newFixture(t)
	feed := regionalFeed(t, 3)
	r := f.addSource(f.alice, `{"id":"ennhri","region":"europe","name":"ENNHRI <b>calendar</b>","kind":"ics","url":"`+feed.URL+`/cal.ics"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	b := newBrowser(t, "Africa/Nairobi")
	b.run(t, "open the page with a wrong token",
		chromedp.Navigate(f.ts.URL+"/organizer/sources?lang=ar"),
		chromedp.WaitVisible(css(`#sources-login`)),
		chromedp.SendKeys(css(`#sources-token`), "mjo_not-a-real-token-at-all"),
		chromedp.Click(css(`#sources-login button`)),
		chromedp.WaitVisible(css(`#sources-msg`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("sources-msg").textContent !== ""`),
	)
	if msg := value(t, b, "message", chromedp.Text(css(`#sources-msg`))); msg != "هذا الرمز غير صالح." {
		t.Errorf("wrong token message %q", msg)
	}
	b.run(t, "give the right token",
		chromedp.SendKeys(css(`#sources-token`), f.alice),
		chromedp.Click(css(`#sources-login button`)),
		chromedp.WaitVisible(css(`#source-ennhri`)),
	)
	if d := value(t, b, "dir", chromedp.AttributeValue(css(`html`), "dir")); d.Value != "rtl" {
		t.Errorf("Arabic page dir=%q", d.Value)
	}
	row := value(t, b, "row", chromedp.Text(css(`#source-ennhri`)))
	if !strings.Contains(row, "ENNHRI <b>calendar</b>") || !strings.Contains(row, "جديد") || !strings.Contains(row, "أبدًا") || !strings.Contains(row, "أوروبا") {
		t.Errorf("new source row: %q", row)
	}
	b.run(t, "sync now",
		chromedp.Click(css(`#source-ennhri button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#source-ennhri td.state").textContent.includes("متزامن")`),
	)
	row = value(t, b, "row", chromedp.Text(css(`#source-ennhri`)))
	if !strings.Contains(row, "+3 ~0 −0") {
		t.Errorf("synced source row: %q", row)
	}
	if bold := value(t, b, "injected markup", chromedp.Evaluate[int](`document.querySelectorAll("#sources b").length`)); bold != 0 {
		t.Error("a source's name was rendered as HTML")
	}
	if stored := value(t, b, "token storage", chromedp.Evaluate[bool](`localStorage.length === 0 && document.cookie.indexOf("mjo_") < 0`)); !stored {
		t.Error("the token left sessionStorage")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.requests {
		if !strings.HasPrefix(u, f.ts.URL+"/") {
			t.Errorf("the page requested %s", u)
		}
	}
	for _, p := range b.problems {
		if strings.Contains(p, "401") { // the wrong token's answer, logged by Chromium
			continue
		}
		t.Errorf("browser console: %s", p)
	}
}
