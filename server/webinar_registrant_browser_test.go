package server_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/majlis/majlis/registration"
)

// TestRegistrantJoinsAndAsksInBrowser: the whole path in headless
// Chromium. A person registers on the webinar's page (French), waits for
// approval, is approved by the organizer, follows the join link on their
// personal page into the session, waits while the webinar is in practice
// mode, enters when the host starts it, asks a question and votes it up;
// the host sees the question, its asker's name and the vote.
func TestRegistrantJoinsAndAsksInBrowser(t *testing.T) {
	f, base := sessionServer(t)
	ctx := context.Background()
	ev, err := f.st.GetEvent(ctx, sessionEvent)
	if err != nil {
		t.Fatal(err)
	}
	reg := registration.New(registration.Config{}, f.st)
	if _, _, err := reg.PutForm(ctx, ev, registration.Form{Open: true, Approval: registration.ApprovalManual, Capacity: 50}, 0); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, "Europe/Brussels")
	attendee, host := b.tab(t), b.tab(t)

	attendee.run(t, "register", chromedp.Navigate(base+"/events/"+sessionEvent+"?lang=fr&tz=Europe/Brussels"), chromedp.WaitVisible(css("#register")),
		chromedp.SendKeys(css("#reg-name"), "Amina"), chromedp.Click(css("#reg-submit")), chromedp.WaitVisible(css("#reg-status")))
	if st := value(t, attendee, "status", chromedp.Evaluate[string](`document.getElementById("reg-status").dataset.status`)); st != "pending" {
		t.Fatalf("after registering: %q", st)
	}
	if value(t, attendee, "no join link yet", chromedp.Evaluate[bool](`!!document.getElementById("reg-join")`)) {
		t.Fatal("a pending registrant has a join link")
	}

	// The organizer approves.
	r := f.do(req{method: "GET", path: "/api/v1/events/" + sessionEvent + "/registrations", token: f.alice})
	var list struct {
		Registrations []struct{ ID, Name, Status string } `json:"registrations"`
	}
	mustUnmarshal(t, r.body, &list)
	if r.status != 200 || len(list.Registrations) != 1 || list.Registrations[0].Name != "Amina" {
		t.Fatalf("registrations: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/events/" + sessionEvent + "/registrations/" + list.Registrations[0].ID + "/approve", token: f.alice}); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}

	attendee.run(t, "the personal page again", chromedp.Reload(), chromedp.WaitVisible(css("#reg-join")))
	join := value(t, attendee, "join link", chromedp.Evaluate[string](`document.getElementById("reg-join").href`))
	if u, err := url.Parse(join); err != nil || u.Path != "/events/"+sessionEvent+"/session" || !registration.IsToken(u.Query().Get("token")) {
		t.Fatalf("join link %q", join)
	}
	attendee.run(t, "follow it", chromedp.Click(css("#reg-join")), chromedp.WaitReady(css("#session")))
	waitFor(t, attendee, "starting soon (practice mode)", `document.getElementById("session").dataset.conn === "js.webinar.starting_soon"`)

	host.run(t, "the host opens the session", chromedp.Navigate(base+"/events/"+sessionEvent+"/session?tz=UTC&lang=en&token="+url.QueryEscape(f.joinToken(`{"role":"host","name":"Hana"}`))),
		chromedp.WaitVisible(css("#webinar-start")))
	host.run(t, "and starts the webinar", chromedp.Click(css("#webinar-start")))
	waitFor(t, attendee, "the attendee enters", `document.getElementById("session").dataset.conn === "connected" && document.getElementById("qa-ask").offsetParent !== null`)

	attendee.run(t, "asks", chromedp.SetValue(css(`#qa-text`), "Le plan couvre-t-il les représailles ?"), chromedp.Click(css(`#qa-send`)))
	waitFor(t, host, "the host sees the question and who asked", `document.getElementById("qa-list").textContent.includes("Le plan couvre-t-il les représailles ?") && document.getElementById("qa-list").textContent.includes("Amina")`)
	waitFor(t, attendee, "the question on the attendee's page", `document.querySelector("#qa-list li button[aria-pressed]") !== null`)
	attendee.run(t, "votes it up", chromedp.Click(css(`#qa-list li button[aria-pressed]`)))
	waitFor(t, attendee, "the vote is marked", `document.querySelector("#qa-list li button[aria-pressed]").getAttribute("aria-pressed") === "true"`)
	waitFor(t, host, "the host sees one vote", `document.getElementById("qa-list").textContent.includes("votes: 1")`)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}

// TestWebinarVisitorVotesOnceInBrowser: a visitor of a public webinar who
// joins by name (no invitation, no registration) votes a question up,
// reloads the page and joins again: Chromium kept the room's cookie, so
// the page shows the vote as theirs and the count stays at one.
func TestWebinarVisitorVotesOnceInBrowser(t *testing.T) {
	f, base := sessionServer(t)
	b := newBrowser(t, "Europe/Brussels")
	visitor, host := b.tab(t), b.tab(t)
	host.run(t, "the host opens the session", chromedp.Navigate(base+"/events/"+sessionEvent+"/session?tz=UTC&lang=en&token="+url.QueryEscape(f.joinToken(`{"role":"host","name":"Hana"}`))),
		chromedp.WaitVisible(css("#qa-settings")))
	enter := func() {
		visitor.run(t, "the visitor joins by name", chromedp.Navigate(base+"/events/"+sessionEvent+"/session?tz=UTC&lang=es"),
			chromedp.WaitVisible(css(`#join-form input[name="name"]`)),
			chromedp.SetValue(css(`#join-form input[name="name"]`), "Valeria"),
			chromedp.Click(css(`#join-form button`)),
			chromedp.WaitVisible(css(`#qa-ask`)))
	}
	enter()
	visitor.run(t, "asks", chromedp.SetValue(css(`#qa-text`), "¿Habrá grabación?"), chromedp.Click(css(`#qa-send`)))
	waitFor(t, visitor, "the question", `document.querySelector("#qa-list li button[aria-pressed]") !== null`)
	visitor.run(t, "votes it up", chromedp.Click(css(`#qa-list li button[aria-pressed]`)))
	waitFor(t, host, "the host sees one vote", `document.getElementById("qa-list").textContent.includes("votes: 1")`)

	enter()
	waitFor(t, visitor, "the vote is still theirs after the reload", `document.querySelector("#qa-list li button[aria-pressed]") !== null && document.querySelector("#qa-list li button[aria-pressed]").getAttribute("aria-pressed") === "true"`)
	if httpOnly := value(t, visitor, "cookie", chromedp.Evaluate[bool](`!document.cookie.includes("majlis_visitor")`)); !httpOnly {
		t.Error("a script reads the visitor's cookie")
	}
}
