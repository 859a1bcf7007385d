package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

const sessionEvent = "live-webinar"

// sessionServer serves a public webinar running now, interpreted into
// four languages, on an address known before the server starts, so that
// the pages' origin is the server's base URL (websocket upgrades check it).
func sessionServer(t *testing.T) (*fixture, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := agenda.New(agenda.Config{}, st)
	f := &fixture{t: t, st: st, svc: svc}
	f.srv = server.New(server.Config{BaseURL: base}, st, svc)
	f.ts = httptest.NewUnstartedServer(f.srv.Handler())
	f.ts.Listener.Close()
	f.ts.Listener = l
	f.ts.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.srv.Shutdown(ctx)
		f.ts.Close()
	})
	f.aliceID, f.alice = f.organizer("Alice")
	start := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	e := agenda.Event{ID: sessionEvent, Kind: agenda.KindWebinar,
		Title: agenda.Text{"en": "Reprisals: regional briefing", "fr": "Représailles : point régional", "es": "Represalias: informe regional", "ar": "الأعمال الانتقامية: إحاطة إقليمية"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Brussels", Region: agenda.RegionEurope,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"ar", "en", "fr", "es"}, Owner: f.aliceID}
	items := []agenda.Item{{ID: "it-brief", Title: agenda.Text{"en": "Briefing"}, Start: start, Minutes: 60,
		Kind: agenda.ItemPresentation, Speakers: []agenda.Text{}, FloorLanguage: "en"}}
	if _, _, err := svc.CreateEvent(context.Background(), e, items); err != nil {
		t.Fatal(err)
	}
	return f, base
}

// joinToken asks the API for a join token.
func (f *fixture) joinToken(body string) string {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/events/" + sessionEvent + "/invites", token: f.alice, body: body})
	if r.status != http.StatusCreated {
		f.t.Fatalf("invite: %d %s", r.status, r.body)
	}
	var out struct{ Token string }
	mustUnmarshal(f.t, r.body, &out)
	return out.Token
}

// tab opens another tab in b; its problems are recorded with b's.
func (b *browser) tab(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if err := b.listen(ctx); err != nil {
		t.Fatal(err)
	}
	return &browser{ctx: ctx}
}

// waitFor polls a JavaScript condition in a tab until it holds.
func waitFor(t *testing.T, b *browser, what, cond string) {
	t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		state, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify(Object.assign({}, document.body.dataset, document.getElementById("session").dataset, {conn: document.getElementById("conn").textContent}))`))
		t.Fatalf("%s: %v (page state %s)", what, err, state)
	}
}

func dataInt(t *testing.T, b *browser, name string) int {
	t.Helper()
	v := value(t, b, name, chromedp.Evaluate[string](`document.body.dataset.`+name+` || "0"`))
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q", name, v)
	}
	return n
}

// TestSessionInBrowser runs a session in headless Chromium with fake media
// devices: an interpreter's page takes the French booth and publishes its
// microphone as Opus; a listener's page on French decodes the frames while
// one on Spanish (no interpreter) receives none; then a partner asks for a
// handover from the Arabic interface on a 360 px wide screen, the live
// interpreter accepts with the button, and exactly one stays live, as both
// pages and the server's state say. Then a Spanish interpreter who takes
// only French is given the French booth as relay, and the Spanish listener
// hears her; the host's panel shows the counts, the missing Arabic booth
// and a cough.
func TestSessionInBrowser(t *testing.T) {
	f, base := sessionServer(t)
	b := newBrowser(t, "Europe/Brussels",
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	session := base + "/events/" + sessionEvent
	anneToken := f.joinToken(`{"role":"interpreter","name":"Anne","booth":"fr","languages":["en","es"]}`)
	brunoToken := f.joinToken(`{"role":"interpreter","name":"Bruno","booth":"fr","languages":["en"]}`)
	carlaToken := f.joinToken(`{"role":"interpreter","name":"Carla","booth":"es","languages":["fr"]}`)
	hostToken := f.joinToken(`{"role":"host","name":"Hana"}`)

	// Anne opens her console and takes the booth.
	anne := b.tab(t)
	anne.run(t, "Anne's console",
		chromedp.Navigate(session+"/booth?tz=UTC&lang=fr&token="+url.QueryEscape(anneToken)),
		chromedp.WaitVisible(css(`#booth-take`)),
		chromedp.Click(css(`#booth-take`)),
	)
	waitFor(t, anne, "Anne is live", `document.getElementById("session").dataset.boothState === "live"`)
	waitFor(t, anne, "Anne's microphone is sent", `Number(document.body.dataset.framesSent || 0) >= 5`)
	if !value(t, anne, "switcher", chromedp.Evaluate[bool](`new URL(document.querySelector('nav.langs a[hreflang="ar"]').href).searchParams.get("token") === `+strconv.Quote(anneToken))) {
		t.Errorf("the language switcher loses the join token")
	}

	// Two listeners join by name; each page picks its interface language.
	listener := func(lang, name string) *browser {
		tb := b.tab(t)
		tb.run(t, "listener "+lang,
			chromedp.Navigate(session+"/session?tz=UTC&lang="+lang),
			chromedp.WaitVisible(css(`#join-form input[name="name"]`)),
			chromedp.SetValue(css(`#join-form input[name="name"]`), name),
			chromedp.Click(css(`#join-form button`)),
			chromedp.WaitVisible(css(`#room`)),
		)
		waitFor(t, tb, "listener on "+lang, `document.getElementById("session").dataset.channel === "`+lang+`"`)
		if !value(t, tb, "join form", chromedp.Evaluate[bool](`getComputedStyle(document.getElementById("join-form")).display === "none"`)) {
			t.Errorf("listener %s: the join form is still shown after joining", lang)
		}
		return tb
	}
	fr := listener("fr", "Fatou")
	es := listener("es", "Elena")
	waitFor(t, fr, "the French listener decodes Anne", `Number(document.body.dataset.framesDecoded || 0) >= 10`)
	if got := value(t, fr, "fr route", chromedp.Text(css(`#route`))); !strings.Contains(got, "Interprété en direct") {
		t.Errorf("the French listener's route note: %q", got)
	}
	if got := value(t, es, "es route", chromedp.Text(css(`#route`))); !strings.Contains(got, "Sin intérprete") {
		t.Errorf("the Spanish listener's route note: %q", got)
	}
	// The Spanish channel has no interpreter and nobody has the floor.
	if n := dataInt(t, es, "framesReceived"); n != 0 {
		t.Errorf("the Spanish listener received %d frames", n)
	}
	if n := dataInt(t, es, "framesDecoded"); n != 0 {
		t.Errorf("the Spanish listener decoded %d frames", n)
	}
	waitFor(t, anne, "Anne sees her listener", `document.getElementById("booth-listeners").textContent === "1"`)

	// The room's chat and a raised hand.
	fr.run(t, "chat",
		chromedp.SetValue(css(`form.chat-form[data-to=""] input`), "Bonjour depuis Dakar"),
		chromedp.Click(css(`form.chat-form[data-to=""] button`)),
	)
	waitFor(t, es, "the room's chat", `document.getElementById("chat-all").textContent.includes("Fatou: Bonjour depuis Dakar")`)
	es.run(t, "raise hand", chromedp.Click(css(`#hand`)))
	waitFor(t, es, "hand raised", `document.getElementById("hand").getAttribute("aria-pressed") === "true"`)
	if got := value(t, es, "hand", chromedp.Text(css(`#hand`))); got != "Bajar la mano" {
		t.Errorf("the raised hand's button says %q", got)
	}

	// Bruno joins the booth in Arabic, on a narrow phone screen.
	bruno := b.tab(t)
	bruno.run(t, "narrow screen", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 740, DeviceScaleFactor: 2, Mobile: true})
		return err
	}))
	bruno.run(t, "Bruno's console",
		chromedp.Navigate(session+"/booth?tz=UTC&lang=ar&token="+url.QueryEscape(brunoToken)),
		chromedp.WaitVisible(css(`#booth-request`)),
	)
	if d := value(t, bruno, "dir", chromedp.AttributeValue(css(`html`), "dir")); d.Value != "rtl" {
		t.Errorf("Arabic console dir=%q", d.Value)
	}
	if w := value(t, bruno, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
		t.Errorf("the console is %d px wide on a 360 px screen", w)
	}
	if got := value(t, bruno, "state", chromedp.Text(css(`#booth-state`))); !strings.Contains(got, "Anne") {
		t.Errorf("Bruno's console does not say Anne is live: %q", got)
	}

	// Bruno asks; Anne accepts with the button.
	bruno.run(t, "request", chromedp.Click(css(`#booth-request`)))
	anne.run(t, "accept", chromedp.WaitVisible(css(`#booth-accept`)), chromedp.Click(css(`#booth-accept`)))
	waitFor(t, bruno, "Bruno is live", `document.getElementById("session").dataset.boothState === "live"`)
	waitFor(t, anne, "Anne is passive", `document.getElementById("session").dataset.boothState === "passive"`)
	if got := value(t, anne, "state", chromedp.Text(css(`#booth-state`))); !strings.Contains(got, "Bruno") {
		t.Errorf("Anne's console does not say Bruno is live: %q", got)
	}
	// Bruno's microphone now feeds the French channel.
	before := dataInt(t, fr, "framesDecoded")
	waitFor(t, bruno, "Bruno's microphone is sent", `Number(document.body.dataset.framesSent || 0) >= 5`)
	waitFor(t, fr, "the French listener decodes Bruno", `Number(document.body.dataset.framesDecoded || 0) >= `+strconv.Itoa(before+10))

	// Bruno captions his channel; Anne writes in the booth chat.
	bruno.run(t, "caption",
		chromedp.SetValue(css(`#caption-form input`), "Bienvenue à toutes et à tous"),
		chromedp.Click(css(`#caption-form button`)),
	)
	waitFor(t, fr, "the French listener sees the caption", `document.getElementById("captions").textContent.includes("Bienvenue à toutes et à tous")`)
	if got := value(t, es, "es captions", chromedp.Evaluate[string](`document.getElementById("captions").textContent`)); got != "" {
		t.Errorf("the Spanish listener sees French captions: %q", got)
	}
	anne.run(t, "booth chat",
		chromedp.SetValue(css(`form.chat-form[data-to="booth"] input`), "je reprends à 10h30"),
		chromedp.Click(css(`form.chat-form[data-to="booth"] button`)),
	)
	waitFor(t, bruno, "Bruno reads the booth chat", `document.getElementById("chat-booth").textContent.includes("je reprends à 10h30")`)
	if got := value(t, fr, "fr chat", chromedp.Evaluate[string](`document.getElementById("room").textContent`)); strings.Contains(got, "je reprends") {
		t.Errorf("a listener reads the booth chat")
	}

	// The server's state: one live interpreter in the French booth, Bruno.
	live, names := serverBooth(t, base, f.alice, "fr")
	if names[live] != "Bruno" {
		t.Errorf("the server says %q (%v) is live in the French booth, want Bruno", names[live], live)
	}

	// The host says the floor speaks English. Relay: Carla works into
	// Spanish from French only, so the routing table gives her the French
	// booth as input; the Spanish listener now hears her.
	host := b.tab(t)
	host.run(t, "host's page",
		chromedp.Navigate(session+"/session?tz=UTC&lang=en&token="+url.QueryEscape(hostToken)),
		chromedp.WaitVisible(css(`#host-booths tr`)),
		chromedp.Click(css(`#live-item-it-brief button`)),
	)
	waitFor(t, host, "the item runs", `document.getElementById("live-item-it-brief").getAttribute("aria-current") === "true"`)
	waitFor(t, host, "the floor speaks the item's language", `document.querySelector('#host-booths tr[data-channel="en"]').textContent.includes("floor language")`)
	if got := value(t, host, "floor language", chromedp.Value(css(`#floor-language`))); got != "en" {
		t.Errorf("the host's floor language selector says %q", got)
	}
	carla := b.tab(t)
	carla.run(t, "Carla's console",
		chromedp.Navigate(session+"/booth?tz=UTC&lang=es&token="+url.QueryEscape(carlaToken)),
		chromedp.WaitVisible(css(`#booth-take`)),
		chromedp.Click(css(`#booth-take`)),
	)
	waitFor(t, carla, "Carla is live", `document.getElementById("session").dataset.boothState === "live"`)
	waitFor(t, carla, "Carla hears the French booth", `Number(document.body.dataset.framesDecoded || 0) >= 10`)
	if got := value(t, carla, "input", chromedp.Evaluate[string](`document.getElementById("booth-input").selectedOptions[0].textContent`)); !strings.Contains(got, "francés") {
		t.Errorf("Carla's input: %q", got)
	}
	waitFor(t, es, "the Spanish listener decodes Carla", `Number(document.body.dataset.framesDecoded || 0) >= 10`)
	if got := value(t, es, "es route", chromedp.Text(css(`#route`))); !strings.Contains(got, "relé desde: francés") {
		t.Errorf("the Spanish listener's route note: %q", got)
	}

	// The host sees every channel's listeners, who is live, and that
	// Arabic has no interpreter; Bruno's cough button shows as muted.
	waitFor(t, host, "listener counts", `document.querySelector('#host-booths tr[data-channel="fr"] td.count').textContent === "1" && document.querySelector('#host-booths tr[data-channel="es"] td.count').textContent === "1"`)
	if got := value(t, host, "warnings", chromedp.Text(css(`#host-warnings`))); !strings.Contains(got, "Arabic: no interpreter is live") {
		t.Errorf("host warnings: %q", got)
	}
	host.run(t, "mark the host's menu of the French booth", chromedp.Evaluate[chromedp.Void](`document.querySelector('#host-booths tr[data-channel="fr"] select').testMark = 1`))
	bruno.run(t, "cough", chromedp.Evaluate[chromedp.Void](`document.getElementById("cough").dispatchEvent(new PointerEvent("pointerdown"))`))
	waitFor(t, bruno, "Bruno muted", `document.getElementById("booth-state").classList.contains("live") && document.getElementById("cough").getAttribute("aria-pressed") === "true"`)
	waitFor(t, host, "the host sees the cough", `document.querySelector('#host-booths tr[data-channel="fr"]').textContent.includes("(microphone muted)")`)
	// The host's menu of who is live stays in place while the booth's row
	// changes around it (it was rebuilt: an open menu closed, the focus
	// dropped, on every change and every listener count).
	if !value(t, host, "the host's menu", chromedp.Evaluate[bool](`document.querySelector('#host-booths tr[data-channel="fr"] select').testMark === 1`)) {
		t.Errorf("the cough replaced the host's menu of the French booth")
	}
	bruno.run(t, "cough ends", chromedp.Evaluate[chromedp.Void](`document.getElementById("cough").dispatchEvent(new PointerEvent("pointerup"))`))
	waitFor(t, host, "the host sees the cough end", `!document.querySelector('#host-booths tr[data-channel="fr"]').textContent.includes("(microphone muted)")`)

	// The host gives Elena, whose hand is up, the floor.
	host.run(t, "grant", chromedp.Click(css(`#host-queue button.grant`)))
	waitFor(t, es, "Elena has the floor", `document.getElementById("hand").textContent === "Tiene la palabra: devolverla" && !document.getElementById("floor-mic").hidden`)
	// Screen readers hear it: Elena that she has the floor, the host who
	// raises a hand (the buttons changed silently).
	waitFor(t, es, "Elena is told she has the floor", `document.querySelector('#announce[role="status"]').textContent.includes("Tiene la palabra.")`)
	fr.run(t, "Fatou raises her hand", chromedp.Click(css(`#hand`)))
	waitFor(t, host, "the host is told of Fatou's hand", `document.querySelector('#announce[role="status"]').textContent.includes("Fatou raised a hand (1 waiting).")`)

	// The host speaks on the floor: the French interpreter hears it as
	// input, and the French listener gets it under the interpretation (the
	// original's slider is up by default).
	host.run(t, "floor microphone", chromedp.Click(css(`#floor-mic`)))
	floorFrames := `JSON.parse(document.body.dataset.framesByChannel || "{}").floor >= 10`
	waitFor(t, host, "the host's microphone is sent", `Number(document.body.dataset.framesSent || 0) >= 10`)
	waitFor(t, bruno, "Bruno hears the floor", floorFrames)
	waitFor(t, fr, "the French listener gets the original", floorFrames)
	// Carla relays from French: the room sends her the floor too, which her
	// console mixes on the floor's slider, under her input.
	waitFor(t, carla, "Carla, relaying from French, hears the floor under her input", floorFrames+
		` && JSON.parse(document.getElementById("live-console").dataset.mix || "{}").floor?.as === "floor"`+
		` && JSON.parse(document.getElementById("live-console").dataset.mix || "{}").fr?.as === "input"`)

	// Every role's page passes axe-core's WCAG 2.2 AA rules (the captions
	// had an aria-label without a role).
	checkAxe(t, host, "the host's page")
	checkAxe(t, es, "a listener's page")
	checkAxe(t, bruno, "the interpreter's console, in Arabic")
	// The host's panel and a listener's page fit a 360 px phone too (the
	// host's table of channels scrolls in its own box).
	for name, tab := range map[string]*browser{"the host": host, "a listener": es} {
		phone(t, tab)
		if w := value(t, tab, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
			t.Errorf("%s's page is %d px wide on a 360 px screen", name, w)
		}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.requests {
		if !strings.HasPrefix(r, base+"/") && !strings.HasPrefix(r, "ws://"+strings.TrimPrefix(base, "http://")+"/") {
			t.Errorf("a page requested %s", r)
		}
	}
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}

// serverBooth joins the room as a host from Go and returns who the welcome
// says is live in booth, with the names of the members by ID.
func serverBooth(t *testing.T, base, token, booth string) (string, map[string]string) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws/rooms/" + sessionEvent + "?token=" + url.QueryEscape(token)
	conn, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {base}})
	if err != nil {
		t.Fatalf("host dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var env realtime.Envelope
	if err := conn.ReadJSON(&env); err != nil || env.Type != realtime.MsgWelcome {
		t.Fatalf("host welcome: %v %s", err, env.Type)
	}
	var w struct {
		Roster         []realtime.Member `json:"roster"`
		Interpretation interpViewT       `json:"interpretation"`
	}
	if err := json.Unmarshal(env.Data, &w); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range w.Roster {
		names[m.ID] = m.Name
	}
	return w.Interpretation.live(booth), names
}

// TestSessionPageAccess checks who may open a session page: anyone for a
// public event, only holders of a join token for a confidential one, and
// that the token is never written into the page.
func TestSessionPageAccess(t *testing.T) {
	f, _ := sessionServer(t)
	secret := agenda.Event{ID: "reprisals-case", Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Reprisals: case review"},
		Start: time.Now().UTC().Add(time.Hour), End: time.Now().UTC().Add(2 * time.Hour), TimeZone: "Africa/Nairobi",
		Region: agenda.RegionAfrica, Visibility: agenda.VisibilityConfidential, Status: agenda.StatusPublished,
		Languages: []string{"en", "fr"}, Owner: f.aliceID}
	if _, _, err := f.svc.CreateEvent(context.Background(), secret, nil); err != nil {
		t.Fatal(err)
	}
	r := f.do(req{method: "POST", path: "/api/v1/events/reprisals-case/invites", token: f.alice, body: `{"role":"participant","name":"Defender"}`})
	var inv struct{ Token string }
	mustUnmarshal(t, r.body, &inv)
	publicToken := f.joinToken(`{"role":"participant","name":"Someone"}`)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
	}{
		{name: "public event, by name", path: "/events/" + sessionEvent + "/session?lang=fr", wantStatus: http.StatusOK,
			want: []string{`id="join-form"`, `value="floor"`, `value="ar"`, `lang="ar" dir="rtl"`, "Représailles : point régional"}},
		{name: "Arabic interface", path: "/events/" + sessionEvent + "/booth?lang=ar", wantStatus: http.StatusOK,
			want: []string{`<html lang="ar" dir="rtl">`, `data-booth-page="true"`, `lang="fr" dir="ltr"`}},
		{name: "confidential, no token", path: "/events/reprisals-case/session", wantStatus: http.StatusNotFound},
		{name: "confidential, its token", path: "/events/reprisals-case/session?token=" + url.QueryEscape(inv.Token), wantStatus: http.StatusOK,
			want: []string{"Reprisals: case review", `data-invited="true"`}},
		// A hidden event answers a bad token as a missing one does: a 401
		// would tell that it exists.
		{name: "confidential, another event's token", path: "/events/reprisals-case/session?token=" + url.QueryEscape(publicToken), wantStatus: http.StatusNotFound},
		{name: "confidential, a forged token", path: "/events/reprisals-case/session?token=mjj_forged", wantStatus: http.StatusNotFound},
		{name: "missing, a forged token", path: "/events/no-such-event/session?token=mjj_forged", wantStatus: http.StatusNotFound},
		{name: "a forged token", path: "/events/" + sessionEvent + "/session?token=mjj_forged", wantStatus: http.StatusUnauthorized},
		{name: "no such event", path: "/events/nope/session", wantStatus: http.StatusNotFound},
		{name: "the event page links the session", path: "/events/" + sessionEvent, wantStatus: http.StatusOK,
			want: []string{`href="/events/` + sessionEvent + `/session"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := get(t, f.ts, tt.path)
			if got.status != tt.wantStatus {
				t.Fatalf("status %d, want %d", got.status, tt.wantStatus)
			}
			mustContain(t, tt.path, got.body, tt.want...)
			if strings.Contains(got.body, "mjj_") {
				t.Errorf("the page contains a join token")
			}
		})
	}
}
