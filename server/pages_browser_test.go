package server_test

import (
	"context"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
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
