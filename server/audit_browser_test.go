package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// TestHistoryPagesInBrowser: the audit log, an event's history and the
// public event page with its agenda's changes fit a 360 px phone and pass
// axe-core in four languages (Arabic right to left), and an organizer
// publishes the draft from the history page with the keyboard only.
func TestHistoryPagesInBrowser(t *testing.T) {
	base, st, svc, ts := localhostServer(t)
	f := &fixture{t: t, st: st, svc: svc, ts: ts}
	ctx := context.Background()
	token := f.namedOrganizer("org_ho", "Head office", agenda.RegionGlobal)
	ev := f.create(strings.NewReplacer("2021-", "2031-", `"id":"hrd-consultation",`, "").Replace(consultation), token)["id"].(string)
	put := func(items string) {
		t.Helper()
		if r := f.do(req{method: "PUT", path: "/api/v1/events/" + ev + "/agenda", token: token, body: `{"items":[` + items + `]}`,
			header: map[string]string{"If-Match": "*"}}); r.status != 200 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
	}
	put(`{"id":"it-open","title":{"en":"Opening","fr":"Ouverture","es":"Apertura","ar":"الافتتاح"},"start":"2031-07-01T14:30:00Z","duration":15,"kind":"opening"},
	 {"id":"it-talk","title":{"en":"Presentation of the draft plan"},"start":"2031-07-01T14:45:00Z","duration":10,"kind":"presentation"}`)
	f.release(ev, token)
	put(`{"id":"it-open","title":{"en":"Welcome and opening","fr":"Bienvenue et ouverture","es":"Bienvenida y apertura","ar":"الترحيب والافتتاح"},"start":"2031-07-01T14:30:00Z","duration":15,"kind":"opening"},
	 {"id":"it-talk","title":{"en":"Presentation of the draft plan"},"start":"2031-07-01T14:50:00Z","duration":10,"kind":"presentation"},
	 {"id":"it-close","title":{"en":"Conclusions and closing"},"start":"2031-07-01T15:50:00Z","duration":10,"kind":"closing"}`)
	f.release(ev, token)
	put(`{"id":"it-open","title":{"en":"Welcome and opening"},"start":"2031-07-01T14:30:00Z","duration":20,"kind":"opening"}`)
	o, err := st.GetOrganizer(ctx, "org_ho")
	if err != nil {
		t.Fatal(err)
	}
	link, l1 := access.NewLink(o, "", time.Now().UTC())
	if err := st.CreateLink(ctx, l1); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, "Europe/Zurich")
	b.run(t, "sign in with the link (its form, posted by the page)", chromedp.Navigate(base+"/organizer/sign-in?lang=en"), chromedp.WaitReady(css(`body`)))
	if status := value(t, b, "sign in", chromedp.Evaluate[int](`fetch("/organizer/sign-in", {method: "POST", redirect: "manual",
		body: new URLSearchParams({link: "`+link+`"})}).then(r => r.status === 0 ? 303 : r.status)`, chromedp.EvalAwaitPromise)); status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", status)
	}
	b.run(t, "a 360 px phone", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 740, DeviceScaleFactor: 2, Mobile: true})
		return err
	}))
	pages := []struct{ path, ready string }{
		{"/organizer/audit", "#audit"},
		{"/organizer/audit?event=" + ev, "#audit"},
		{"/organizer/events/" + ev + "/history", "#releases"},
		{"/events/" + ev, "#agenda-changes"},
	}
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, pg := range pages {
			sep := "?"
			if strings.Contains(pg.path, "?") {
				sep = "&"
			}
			what := pg.path + " in " + lang
			b.run(t, "open "+what, chromedp.Navigate(base+pg.path+sep+"lang="+lang+"&tz=Europe/Zurich"), chromedp.WaitVisible(css(pg.ready)))
			if w := value(t, b, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
				t.Errorf("%s is %d px wide on a 360 px screen", what, w)
			}
			if d := value(t, b, "dir", chromedp.AttributeValue(css(`html`), "dir")); (lang == "ar") != (d.Value == "rtl") {
				t.Errorf("%s: dir=%q", what, d.Value)
			}
			checkAxe(t, b, what)
		}
	}

	b.run(t, "publish the draft with the keyboard",
		chromedp.Navigate(base+"/organizer/events/"+ev+"/history?lang=fr&tz=Europe/Zurich"),
		chromedp.WaitVisible(css(`#draft-changes`)),
		chromedp.Focus(css(`#release-note`)),
		chromedp.KeyEvent("Ouverture allongée"),
		chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#history-notice`)),
	)
	if got := value(t, b, "notice", chromedp.Text(css(`#history-notice`))); !strings.Contains(got, "La version 4 est publiée") {
		t.Fatalf("after publishing: %q", got)
	}
	a, _ := st.GetAgenda(ctx, ev)
	if pub, n := a.Published(); n != 4 || len(pub.Items) != 1 || a.Releases[len(a.Releases)-1].Note != "Ouverture allongée" {
		t.Fatalf("published: release %d, %d items", n, len(pub.Items))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}
