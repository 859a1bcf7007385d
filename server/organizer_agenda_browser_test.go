package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// signInBrowser gives b's browser a session of organizer o for the site
// at base, as signing in would: the session is made in st and its cookie
// set in the browser.
func signInBrowser(t *testing.T, b *browser, st store.Store, o access.Organizer, base, cookie string, now time.Time) {
	t.Helper()
	token, se := access.NewSession(o, "Chromium", now)
	if err := st.CreateSession(context.Background(), se); err != nil {
		t.Fatal(err)
	}
	yes := true
	b.run(t, "the session cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: cookie, Value: token, URL: base + "/", Path: "/",
			HTTPOnly: &yes, Secure: &yes, SameSite: network.CookieSameSiteLax})
		return err
	}))
}

// dragTo drags with the mouse from the centre of the element from to the
// point at (x, y) of the viewport, in steps, as a person would.
func dragTo(from string, x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector(`+"`"+from+"`"+`).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)(ctx, tg)
		if err != nil {
			return err
		}
		mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) error {
			_, err := cdp.Call(ctx, tg, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y,
				Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		}
		if err := mouse(input.DispatchMouseEventTypeMousePressed, r[0], r[1], 1); err != nil {
			return err
		}
		for i := 1; i <= 8; i++ {
			f := float64(i) / 8
			if err := mouse(input.DispatchMouseEventTypeMouseMoved, r[0]+(x-r[0])*f, r[1]+(y-r[1])*f, 1); err != nil {
				return err
			}
		}
		return mouse(input.DispatchMouseEventTypeMouseReleased, x, y, 0)
	})
}

// until waits (30 s at most) for the script js to be true in the page.
func until(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second))(ctx, tg)
		return err
	})
}

// localhostServer serves a fresh bbolt store at http://localhost:PORT,
// its base URL: a host name, as passkeys need, and a secure context.
func localhostServer(t *testing.T) (string, *store.Bolt, *agenda.Service, *httptest.Server) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://localhost:" + strings.Split(l.Addr().String(), ":")[1]
	svc := agenda.New(agenda.Config{}, st)
	ts := httptest.NewUnstartedServer(server.New(server.Config{BaseURL: base}, st, svc).Handler())
	ts.Listener.Close()
	ts.Listener = l
	ts.Start()
	t.Cleanup(ts.Close)
	return base, st, svc, ts
}

// builderServer serves a bbolt store with two webinars of head office,
// each two hours long, and signs the organizer Alice in to b.
func builderServer(t *testing.T, b *browser) (string, *store.Bolt, *agenda.Service, access.Organizer) {
	t.Helper()
	base, st, svc, _ := localhostServer(t)
	ctx := context.Background()
	now := time.Now().UTC()
	o := access.Organizer{ID: "org_alice", Name: "Alice", Region: agenda.RegionGlobal, Created: now}
	_, o.TokenHash = access.NewToken()
	if err := st.CreateOrganizer(ctx, o); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2031, time.March, 10, 8, 0, 0, 0, time.UTC) // 09:00 in Brussels
	for _, id := range []string{"ev-by-drag", "ev-by-keys"} {
		e := agenda.Event{ID: id, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Webinar " + id}, Start: start, End: start.Add(2 * time.Hour),
			TimeZone: "Europe/Brussels", Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic, Status: agenda.StatusDraft,
			Languages: []string{"ar", "en", "fr", "es"}, Owner: o.ID}
		if _, _, err := svc.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	signInBrowser(t, b, st, o, base, "majlis_session", now)
	return base, st, svc, o
}

// agendaOf reads an event's stored items as "HH:MM+minutes kind title"
// in Brussels time.
func agendaOf(t *testing.T, st *store.Bolt, id string) []string {
	t.Helper()
	a, err := st.GetAgenda(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	brussels, _ := time.LoadLocation("Europe/Brussels")
	var out []string
	for _, it := range a.Items {
		out = append(out, fmt.Sprintf("%s+%d %s %s", it.Start.In(brussels).Format("15:04"), it.Minutes, it.Kind, it.Title["en"]))
	}
	return out
}

// TestAgendaBuilderInBrowser: an organizer builds a five-item agenda once
// by dragging kinds from the palette onto the timeline (then moves and
// resizes an item by dragging) and once with the keyboard alone (the
// form, arrows, Shift+arrows, undo); a second organizer's edit meanwhile
// makes the next write stale, and the page shows what changed and
// reapplies the change on top of it, losing neither.
func TestAgendaBuilderInBrowser(t *testing.T) {
	b := newBrowser(t, "America/Mexico_City")
	base, st, svc, _ := builderServer(t, b)
	b.run(t, "a tall window: the palette and the whole timeline in view", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1200, Height: 1600, DeviceScaleFactor: 1})
		return err
	}))
	count := func(n int) chromedp.Action[chromedp.Void] {
		return until(fmt.Sprintf(`document.querySelectorAll("#items .tl-item").length === %d`, n))
	}

	// By dragging: five kinds dropped at 09:00, 09:15, 09:30, 10:00, 10:30.
	b.run(t, "open the builder", chromedp.Navigate(base+"/organizer/events/ev-by-drag/agenda?lang=en"), chromedp.WaitVisible(css(`#timeline`)))
	if got := value(t, b, "zones", chromedp.Text(css(`.zones`))); !strings.Contains(got, "Europe/Brussels") || !strings.Contains(got, "America/Mexico_City") {
		t.Errorf("the timeline's zones: %q", got)
	}
	perMin := value(t, b, "scale", chromedp.Evaluate[float64](`document.getElementById("timeline").getBoundingClientRect().height / 120`))
	drops := []struct {
		kind string
		at   float64 // minutes after 09:00
	}{{"opening", 0}, {"presentation", 15}, {"discussion", 30}, {"break", 60}, {"closing", 90}}
	for i, d := range drops {
		top := value(t, b, "timeline", chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("timeline").getBoundingClientRect(); return [r.left + r.width / 2, r.top]; })()`))
		b.run(t, "drop "+d.kind, dragTo(`#palette .chip[data-kind="`+d.kind+`"]`, top[0], top[1]+d.at*perMin+1))
		if _, err := chromedp.Run(b.ctx, count(i+1)); err != nil {
			t.Fatalf("drop %s: %v; status %q; stored %v", d.kind, err, value(t, b, "status", chromedp.Text(css(`#builder-status`))), agendaOf(t, st, "ev-by-drag"))
		}
	}
	want := []string{"09:00+15 opening Opening", "09:15+15 presentation Presentation", "09:30+15 discussion Discussion", "10:00+15 break Break", "10:30+15 closing Closing"}
	if got := agendaOf(t, st, "ev-by-drag"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after dropping five kinds:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	a, _ := st.GetAgenda(context.Background(), "ev-by-drag")
	closing, discussion := a.Items[4].ID, a.Items[2].ID
	top := value(t, b, "closing", chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('[data-item="`+closing+`"]').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	b.run(t, "move the closing 10 minutes later", dragTo(`[data-item="`+closing+`"]`, top[0], top[1]+10*perMin),
		until(`document.getElementById("builder-status").textContent.includes("Saved: Closing")`))
	grip := value(t, b, "grip", chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('[data-item="`+discussion+`"] .grip').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	b.run(t, "make the discussion 15 minutes longer", dragTo(`[data-item="`+discussion+`"] .grip`, grip[0], grip[1]+15*perMin),
		until(`document.getElementById("builder-status").textContent.includes("Saved: Discussion")`))
	want[2], want[4] = "09:30+30 discussion Discussion", "10:40+15 closing Closing"
	if got := agendaOf(t, st, "ev-by-drag"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after moving and resizing:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// With the keyboard only: the form five times (each item starts where
	// the last ends), then arrows on the timeline and undo.
	b.run(t, "open the other builder", chromedp.Navigate(base+"/organizer/events/ev-by-keys/agenda?lang=en"), chromedp.WaitVisible(css(`#timeline`)), count(0))
	for i, title := range []string{"Welcome", "Draft action plan", "Experiences", "Discussion", "Closing"} {
		b.run(t, "add "+title, chromedp.Focus(css(`#add-item`)), chromedp.KeyEvent(kb.Enter),
			chromedp.WaitVisible(css(`#item-editor`)))
		if got := value(t, b, "focus", chromedp.Evaluate[string](`document.activeElement.name`)); got != "title.en" {
			t.Fatalf("the form opened with the focus on %q", got)
		}
		b.run(t, "type "+title, chromedp.KeyEvent(title), chromedp.KeyEvent(kb.Enter), count(i+1), chromedp.WaitNotVisible(css(`#item-editor`)))
	}
	want = []string{"09:00+15 presentation Welcome", "09:15+15 presentation Draft action plan", "09:30+15 presentation Experiences",
		"09:45+15 presentation Discussion", "10:00+15 presentation Closing"}
	if got := agendaOf(t, st, "ev-by-keys"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after adding five items by keyboard:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	a, _ = st.GetAgenda(context.Background(), "ev-by-keys")
	last := `[data-item="` + a.Items[4].ID + `"]`
	// status waits for the page to say text: it has then read the agenda
	// back after its write.
	status := func(text string) chromedp.Action[chromedp.Void] {
		return until(`document.getElementById("builder-status").textContent.includes(` + "`" + text + "`" + `)`)
	}
	stored := func(want ...string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var got []string
			for range 300 {
				if got = agendaOf(t, st, "ev-by-keys"); strings.Join(got, "|") == strings.Join(want, "|") {
					return nil
				}
				time.Sleep(100 * time.Millisecond)
			}
			return fmt.Errorf("stored:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		})
	}
	// Three presses in a row (down, down, up) are three writes, one after
	// another, each on the agenda the last read back.
	b.run(t, "move the closing 5 minutes later", chromedp.Focus(css(last+" .tl-body")),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowUp),
		stored(append(want[:4:4], "10:05+15 presentation Closing")...), status("10:05–10:20"))
	if stale := value(t, b, "stale", chromedp.Evaluate[bool](`document.getElementById("stale").hidden`)); !stale {
		t.Fatal("quick presses made a write of the page's own stale")
	}
	b.run(t, "make it 5 minutes longer", chromedp.Focus(css(last+" .tl-body")), chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierShift)),
		stored(append(want[:4:4], "10:05+20 presentation Closing")...), status("10:05–10:25"))
	want[4] = "10:05+15 presentation Closing"
	b.run(t, "undo", chromedp.Focus(css(`#undo`)), chromedp.KeyEvent(kb.Enter), stored(want...), status("Undone."))

	// A second organizer renames the welcome meanwhile; the next move is
	// stale: the page lists the rename and reapplies the move on top.
	cur, _ := st.GetAgenda(context.Background(), "ev-by-keys")
	renamed := cur.Items[0]
	renamed.Title = agenda.Text{"en": "Welcome and opening"}
	if _, _, err := svc.UpdateItem(context.Background(), "ev-by-keys", renamed, cur.Version); err != nil {
		t.Fatal(err)
	}
	b.run(t, "a stale move", chromedp.Focus(css(last+" .tl-body")), chromedp.KeyEvent(kb.ArrowDown), chromedp.WaitVisible(css(`#stale`)))
	changes := value(t, b, "what changed", chromedp.Text(css(`#stale-changes`)))
	yours := value(t, b, "your change", chromedp.Text(css(`#stale-yours`)))
	if !strings.Contains(changes, "Changed: Welcome and opening") || !strings.Contains(yours, "change Closing") {
		t.Fatalf("the stale panel: %q / %q", changes, yours)
	}
	if focused := value(t, b, "focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "stale" {
		t.Errorf("the focus is on %q, not the stale panel", focused)
	}
	want[0], want[4] = "09:00+15 presentation Welcome and opening", "10:10+15 presentation Closing"
	b.run(t, "reapply by keyboard", chromedp.Focus(css(`#stale-reapply`)), chromedp.KeyEvent(kb.Enter), chromedp.WaitNotVisible(css(`#stale`)),
		stored(want...), until(`document.getElementById("builder-status").textContent.includes("on top")`))
	// The API's 422 fields next to what they concern: a lengthened welcome
	// overlaps the next item, whose block says so; an item without a title
	// is refused in the form, at its title.
	first := `[data-item="` + cur.Items[0].ID + `"]`
	second := `[data-item="` + cur.Items[1].ID + `"]`
	b.run(t, "lengthen the welcome over the next item", chromedp.Focus(css(first+" .tl-body")),
		chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierShift)), chromedp.WaitVisible(css(second+".invalid .tl-error")))
	if got := value(t, b, "error", chromedp.Text(css(second+" .tl-error"))); !strings.Contains(got, "Overlaps another item") {
		t.Errorf("the overlapped item says %q", got)
	}
	b.run(t, "an item without a title", chromedp.Focus(css(`#add-item`)), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`#item-editor`)),
		chromedp.Focus(css(`#item-save`)), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`#err-title`)))
	if got := value(t, b, "error", chromedp.Text(css(`#err-title`))); !strings.Contains(got, "A title is needed") {
		t.Errorf("the form's title error: %q", got)
	}
	if got := agendaOf(t, st, "ev-by-keys"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("refused writes changed the agenda:\n%s", strings.Join(got, "\n"))
	}
	checkAxe(t, b, "the builder with errors shown")
	b.run(t, "close the form", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(css(`#item-editor`)))
	checkAxe(t, b, "the builder after a reapply")

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.requests {
		if !strings.HasPrefix(r, base+"/") && !strings.HasPrefix(r, "data:") {
			t.Errorf("the page requested %s", r)
		}
	}
	for _, p := range b.problems {
		if strings.Contains(p, "status of 412") || strings.Contains(p, "status of 422") {
			continue // the stale and refused writes, on purpose
		}
		t.Errorf("browser console: %s", p)
	}
}

// TestPeopleInBrowser: by keyboard, an organizer invites an interpreter
// (the link shown is the booth page, copied with a button), gives them a
// new link (the old one is revoked, the person listed once), revokes it
// (after a confirmation), and runs the session as host from the app with
// the session cookie alone.
func TestPeopleInBrowser(t *testing.T) {
	b := newBrowser(t, "Africa/Nairobi")
	base, st, _, _ := builderServer(t, b)
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				return err
			}))
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.run(t, "open people", chromedp.Navigate(base+"/organizer/events/ev-by-drag/people?lang=fr"), chromedp.WaitVisible(css(`#invites-none`)))
	b.run(t, "invite an interpreter by keyboard",
		chromedp.Focus(css(`#invite-form [name="role"]`)), chromedp.SetValue(css(`#invite-form [name="role"]`), "interpreter"),
		chromedp.Focus(css(`#invite-form [name="name"]`)), chromedp.KeyEvent("Fatou Diop"),
		chromedp.Focus(css(`#invite-form [name="languages"][value="en"]`)), chromedp.KeyEvent(" "),
		chromedp.SetValue(css(`#invite-form [name="booth"]`), "fr"),
		chromedp.Focus(css(`#invite-form [name="name"]`)), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#new-link`)), until(`document.querySelectorAll("#invites tbody tr").length === 1`))
	link := value(t, b, "link", chromedp.Text(css(`#new-link-url`)))
	if !strings.HasPrefix(link, base+"/events/ev-by-drag/booth?token=mjj_") {
		t.Fatalf("the interpreter's link: %q", link)
	}
	if got := value(t, b, "row", chromedp.Text(css(`#invites tbody tr`))); !strings.Contains(got, "Fatou Diop") || !strings.Contains(got, "Interprète") ||
		!strings.Contains(got, "cabine : français") || !strings.Contains(got, "Pas encore venu") {
		t.Errorf("the row: %q", got)
	}
	if focused := value(t, b, "focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "copy-link" {
		t.Errorf("after inviting, the focus is on %q", focused)
	}
	b.run(t, "copy the link", chromedp.KeyEvent(kb.Enter),
		until(`["Lien copié.", "Le lien est sélectionné : copiez-le au clavier ou par le menu."].includes(document.getElementById("people-status").textContent)`))
	b.run(t, "a new link", chromedp.Click(css(`#invites tbody tr button`)),
		until(`document.getElementById("new-link-url").textContent !== `+"`"+link+"`"))
	fresh := value(t, b, "new link", chromedp.Text(css(`#new-link-url`)))
	invs, err := st.ListInvites(context.Background(), "ev-by-drag")
	if err != nil || len(invs) != 2 || !invs[0].Revoked || invs[1].Revoked || invs[1].Replaces != invs[0].ID || !strings.HasPrefix(fresh, base+"/events/ev-by-drag/booth?token=mjj_") {
		t.Fatalf("after a new link (%q): %+v %v", fresh, invs, err)
	}
	if n := value(t, b, "rows", chromedp.Evaluate[int](`document.querySelectorAll("#invites tbody tr").length`)); n != 1 {
		t.Errorf("%d rows after a new link, want the person once", n)
	}
	b.run(t, "revoke", chromedp.Click(css(`#invites tbody tr button + button`)),
		until(`document.querySelector("#invites tbody tr").dataset.state === "removed"`))
	checkAxe(t, b, "people after revoking")

	b.run(t, "run the session", chromedp.Click(css(`#run-session`)), chromedp.WaitVisible(css(`#host`)))
	if search := value(t, b, "url", chromedp.Evaluate[string](`location.search`)); strings.Contains(search, "token") {
		t.Errorf("the session page has a token in its URL: %q", search)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}
