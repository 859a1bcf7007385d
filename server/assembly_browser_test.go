package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
)

// TestAssemblyInBrowser: a host (English) opens the roll call; a delegate
// (Arabic, right to left, on a 360 px phone) answers it, hears the vote
// open, votes yes with the keyboard and gets a receipt; the host closes
// the vote and the verdict, with its arithmetic, reaches the delegate's
// screen reader. Then the host prepares a named election in its form
// (candidates in several languages, two seats); the delegate chooses two
// candidates, then changes one before the close, and the host sees each
// vote as it is cast, and the votes published meanwhile never rebuild the
// form the delegate is using. Both pages pass axe-core; the host's, with
// the proxy rules, also in Arabic on a phone.
func TestAssemblyInBrowser(t *testing.T) {
	f, base := sessionServer(t)
	ctx := context.Background()
	a, err := f.st.GetAgenda(ctx, sessionEvent)
	if err != nil {
		t.Fatal(err)
	}
	a.Items[0].Kind = agenda.ItemVote
	// The draft, then its release: the room runs the published agenda.
	if _, err := f.svc.PutAgenda(ctx, sessionEvent, a.Items, a.Version); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Publish(ctx, sessionEvent, "", "", 0); err != nil {
		t.Fatal(err)
	}
	putInstitution(t, f.st, "inst-a1", institution.StatusA)
	putInstitution(t, f.st, "inst-b1", institution.StatusB)
	delegateToken := f.joinToken(`{"role":"delegate","name":"أمل","institution":"inst-a1"}`)
	hostToken := f.joinToken(`{"role":"host","name":"Hana"}`)
	session := base + "/events/" + sessionEvent + "/session?tz=UTC"

	b := newBrowser(t, "Europe/Brussels")
	host := b.tab(t)
	host.run(t, "the host's page",
		chromedp.Navigate(session+"&lang=en&token="+url.QueryEscape(hostToken)),
		chromedp.WaitVisible(css(`#assembly-host`)),
		chromedp.Click(css(`#assembly-call-toggle`)),
	)
	waitFor(t, host, "the roll call is open", `document.getElementById("assembly-call-toggle").getAttribute("aria-pressed") === "true"`)

	amal := b.tab(t)
	phone(t, amal)
	amal.run(t, "the delegate's page", chromedp.Navigate(session+"&lang=ar&token="+url.QueryEscape(delegateToken)))
	waitFor(t, amal, "the roll call reaches the delegate", `!!document.querySelector("#assembly-call-buttons button")`)
	amal.run(t, "answer the roll call", chromedp.Click(css(`#assembly-call-buttons button`)))
	if d := value(t, amal, "dir", chromedp.AttributeValue(css(`html`), "dir")); d.Value != "rtl" {
		t.Errorf("Arabic page dir=%q", d.Value)
	}
	waitFor(t, host, "the quorum is met", `document.getElementById("assembly-quorum").textContent.includes("Quorum reached")`)

	host.run(t, "prepare and open a motion",
		chromedp.SendKeys(css(`#assembly-prepare input[name="title-en"]`), "Adoption of the budget"),
		chromedp.Click(css(`#assembly-prepare input[name="secret"]`)),
		chromedp.Click(css(`#assembly-prepare button[type="submit"]`)),
	)
	waitFor(t, host, "the draft", `!!document.querySelector("#assembly-ballots article button")`)
	host.run(t, "open it", chromedp.Click(css(`#assembly-ballots article button`)))
	waitFor(t, amal, "the opening is announced", `document.getElementById("announce").textContent.includes("التصويت مفتوح")`)
	waitFor(t, amal, "the voting panel", `!!document.querySelector('form.cast input[value="yes"]')`)
	amal.run(t, "vote yes with the keyboard",
		chromedp.Focus(css(`form.cast input[value="yes"]`)),
		chromedp.KeyEvent(" "),
		chromedp.Focus(css(`form.cast button[type="submit"]`)),
		chromedp.KeyEvent(kb.Enter),
	)
	waitFor(t, amal, "a receipt", `!!document.querySelector("#assembly-receipt code") || (document.body.dataset.receipt = document.getElementById("assembly-receipt").textContent + "|" + !!document.querySelector('form.cast input:checked') + "|" + (document.activeElement ? document.activeElement.outerHTML.slice(0, 90) : "")) && false`)
	receipt := value(t, amal, "receipt", chromedp.Text(css(`#assembly-receipt code`)))
	waitFor(t, host, "the turnout", `document.querySelector("#assembly-ballots .turnout").textContent.includes("1 of 1")`)
	checkAxe(t, amal, "the delegate's page, in Arabic")
	if w := value(t, amal, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
		t.Errorf("the delegate's page is %d px wide on a 360 px screen", w)
	}

	host.run(t, "close the vote", chromedp.Click(css(`#assembly-ballots article button`)))
	waitFor(t, amal, "the verdict is announced", `document.getElementById("announce").textContent.includes("اعتُمد")`)
	if got := value(t, amal, "arithmetic", chromedp.Text(css(`.verdict .checks`))); !strings.Contains(got, "(1)") {
		t.Errorf("the verdict's arithmetic: %q", got)
	}
	checkAxe(t, host, "the host's page")

	// The receipt is in the published papers.
	r := f.do(req{method: "GET", path: "/api/v1/events/" + sessionEvent + "/results"})
	if r.status != 200 || !strings.Contains(string(r.body), receipt) {
		t.Errorf("results %d: receipt %q not published: %s", r.status, receipt, r.body)
	}

	// A named election, prepared in the host's form with candidates in
	// several languages: the delegate chooses two, each vote is published
	// as cast, and changed before the close.
	host.run(t, "prepare a named election",
		chromedp.Click(css(`#assembly-prepare input[value="election"]`)),
		chromedp.SendKeys(css(`#assembly-prepare input[name="title-en"]`), "Election of the bureau"),
		chromedp.SendKeys(css(`#assembly-prepare input[name="title-ar"]`), "انتخاب المكتب"),
		chromedp.SendKeys(css(`#assembly-candidates fieldset:nth-child(1) input[data-lang="en"]`), "Candidate North (fictional)"),
		chromedp.SendKeys(css(`#assembly-candidates fieldset:nth-child(1) input[data-lang="ar"]`), "مرشح الشمال"),
		chromedp.SendKeys(css(`#assembly-candidates fieldset:nth-child(2) input[data-lang="fr"]`), "Candidate Sud (fictive)"),
		chromedp.Click(css(`#assembly-add-candidate`)),
		chromedp.SendKeys(css(`#assembly-candidates fieldset:nth-child(3) input[data-lang="es"]`), "Candidata Este (ficticia)"),
		chromedp.SetValue(css(`#assembly-prepare input[name="seats"]`), "2"),
		chromedp.Click(css(`#assembly-prepare button[type="submit"]`)),
	)
	election := `Array.from(document.querySelectorAll("#assembly-ballots article")).find(a => a.textContent.includes("Election of the bureau"))`
	waitFor(t, host, "the election's draft", `!!`+election)
	checkAxe(t, host, "the host's page with the election form")
	value(t, host, "open the election", chromedp.Evaluate[bool](election+`.querySelector("button").click(); true`))
	waitFor(t, amal, "the election's voting panel", `document.querySelectorAll('form.cast input[name="candidate"]').length === 3`)
	if got := value(t, amal, "candidate in Arabic", chromedp.Text(css(`form.cast label.option`))); !strings.Contains(got, "مرشح الشمال") {
		t.Errorf("the first candidate in Arabic: %q", got)
	}
	// press focuses an element of amal's panel by its selector, then
	// presses key: the panel is redrawn by room messages (keeping focus
	// and ticks), so a node found earlier may be gone.
	press := func(sel, key string) {
		t.Helper()
		value(t, amal, "focus "+sel, chromedp.Evaluate[bool](`document.querySelector('`+sel+`').focus(); true`))
		amal.run(t, "press on "+sel, chromedp.KeyEvent(key))
	}
	press(`form.cast input[value="cand-1"]`, " ")
	press(`form.cast input[value="cand-2"]`, " ")
	press(`form.cast button[type="submit"]`, kb.Enter)
	vote := `(document.querySelector('.votes li[data-institution="inst-a1"]') || {textContent: ""}).textContent`
	waitFor(t, host, "the vote is published as cast", vote+`.includes("Candidate North") && `+vote+`.includes("Candidate Sud")`)
	// The delegate's form says the vote is recorded (it is redrawn once for
	// that); the votes published after it leave the form as it is, ticks
	// and focus included.
	waitFor(t, amal, "the delegate's form says the vote is recorded", `!!document.querySelector("form.cast p.note")`)
	value(t, amal, "mark the form", chromedp.Evaluate[bool](`document.querySelector("form.cast").testMark = 1; true`))
	press(`form.cast input[value="cand-2"]`, " ")
	press(`form.cast input[value="cand-3"]`, " ")
	press(`form.cast button[type="submit"]`, kb.Enter)
	waitFor(t, host, "the changed vote is published", vote+`.includes("Candidata Este") && !`+vote+`.includes("Candidate Sud")`)
	if !value(t, amal, "the same form", chromedp.Evaluate[bool](`document.querySelector("form.cast").testMark === 1`)) {
		t.Error("the delegate's form was rebuilt by the votes published while it stood unchanged")
	}
	if n := value(t, host, "votes", chromedp.Evaluate[int](election+`.querySelectorAll(".votes li").length`)); n != 1 {
		t.Errorf("%d votes listed for one institution", n)
	}
	value(t, host, "close the election", chromedp.Evaluate[bool](election+`.querySelector(".buttons button").click(); true`))
	waitFor(t, amal, "the election's verdict is announced", `document.getElementById("announce").textContent.includes("انتُخبوا")`)
	r = f.do(req{method: "GET", path: "/api/v1/events/" + sessionEvent + "/results"})
	if !strings.Contains(string(r.body), `"votes":[{"institution":"inst-a1","choice":{"candidates":["cand-1","cand-3"]}}]`) {
		t.Errorf("the election's record: %s", r.body)
	}

	// The host allows two proxies per holder and keeps them on return (at
	// the end: the roll it publishes redraws the delegates' panels).
	if w := value(t, host, "width", chromedp.Evaluate[int](`document.querySelector("#assembly-proxy-rules").scrollWidth - document.querySelector("#assembly-proxy-rules").clientWidth`)); w > 0 {
		t.Errorf("the proxy rules overflow their form by %d px", w)
	}
	value(t, host, "two proxies", chromedp.Evaluate[bool](`document.querySelector("#assembly-proxy-rules [name=cap]").value = "2"; document.querySelector("#assembly-proxy-rules [name=keep]").checked = true; true`))
	host.run(t, "save the proxy rules", chromedp.Click(css(`#assembly-proxy-rules button`)))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if roll, err := f.st.GetRoll(ctx, sessionEvent); err == nil && roll.ProxyCap == 2 && roll.KeepProxies {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the proxy rules were not saved: %+v %v", roll, err)
		}
	}

	// The host's panel, the proxy rules among its forms, in Arabic on a
	// 360 px phone: it fits, passes axe-core and shows the rules saved.
	hana := b.tab(t)
	phone(t, hana)
	hana.run(t, "the host's page in Arabic", chromedp.Navigate(session+"&lang=ar&token="+url.QueryEscape(hostToken)),
		chromedp.WaitVisible(css(`#assembly-host`)))
	waitFor(t, hana, "the saved rules reach the host's form", `document.querySelector("#assembly-proxy-rules [name=cap]").value === "2" && document.querySelector("#assembly-proxy-rules [name=keep]").checked`)
	checkAxe(t, hana, "the host's page, in Arabic")
	if w := value(t, hana, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
		t.Errorf("the host's page is %d px wide on a 360 px screen", w)
	}

	// The results page, the assembly's record, in Arabic at 360 px; printed,
	// it leaves out the download links and unfolds the papers and votes.
	amal.run(t, "open the results in Arabic", chromedp.Navigate(base+"/events/"+sessionEvent+"/results?lang=ar"), chromedp.WaitVisible(css(`section.result`)))
	checkAxe(t, amal, "the results page, in Arabic")
	if w := value(t, amal, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
		t.Errorf("the results page is %d px wide on a 360 px screen", w)
	}
	folded := `[document.querySelector("ul.papers li"), document.querySelector("details:last-of-type li")].every(e => e && e.checkVisibility())`
	if value(t, amal, "folded on screen", chromedp.Evaluate[bool](folded)) {
		t.Error("the papers are unfolded on screen")
	}
	amal.run(t, "print", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	if !value(t, amal, "printed", chromedp.Evaluate[bool](folded+` && getComputedStyle(document.querySelector(".no-print")).display === "none"`)) {
		t.Error("printed, the results page folds its papers and votes away, or shows its download links")
	}
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}
