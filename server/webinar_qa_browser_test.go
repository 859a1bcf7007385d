package server_test

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebinarQAInBrowser runs a webinar's questions and polls in headless
// Chromium: an attendee (French page) asks, another (Spanish page) votes
// the question up, the host (English page) answers it in writing; the
// host writes a poll, opens it, the attendee answers, the host sees the
// results and shares them, and the attendee sees them. Then the
// attendee's and the host's pages pass axe-core in the four languages and
// fit a 360 px screen.
func TestWebinarQAInBrowser(t *testing.T) {
	f, base := sessionServer(t)
	b := newBrowser(t, "Europe/Brussels")
	session := base + "/events/" + sessionEvent + "/session"
	tokens := map[string]string{
		"host":  f.joinToken(`{"role":"host","name":"Hana"}`),
		"paola": f.joinToken(`{"role":"participant","name":"Paola","languages":["fr"]}`),
		"omar":  f.joinToken(`{"role":"participant","name":"Omar","languages":["es"]}`),
	}
	open := func(tab *browser, lang, who, ready string) {
		t.Helper()
		tab.run(t, who+" opens the session page in "+lang,
			chromedp.Navigate(session+"?tz=UTC&lang="+lang+"&token="+url.QueryEscape(tokens[who])),
			chromedp.WaitVisible(css(ready)))
	}
	host, paola, omar := b.tab(t), b.tab(t), b.tab(t)
	open(host, "en", "host", `#qa-settings`)
	open(paola, "fr", "paola", `#qa-ask`)
	open(omar, "es", "omar", `#qa-ask`)

	paola.run(t, "Paola asks", chromedp.SetValue(css(`#qa-text`), "Comment protéger les défenseurs ?"), chromedp.Click(css(`#qa-send`)))
	waitFor(t, host, "the host sees the question", `document.getElementById("qa-list").textContent.includes("Comment protéger les défenseurs ?")`)
	waitFor(t, omar, "Omar sees it", `document.querySelector("#qa-list li button[aria-pressed]") !== null`)
	omar.run(t, "Omar votes it up", chromedp.Click(css(`#qa-list li button[aria-pressed]`)))
	waitFor(t, omar, "Omar's vote is marked", `document.querySelector("#qa-list li button[aria-pressed]").getAttribute("aria-pressed") === "true"`)
	waitFor(t, host, "the host sees one vote", `document.getElementById("qa-list").textContent.includes("votes: 1")`)
	// The host starts an answer while Paola votes too: the count changes
	// around the host's field and buttons, which stay as they are (every
	// vote rebuilt them: a press begun on a button was lost, and the text
	// being typed emptied).
	host.run(t, "the host starts an answer",
		chromedp.SetValue(css(`#qa-list li input[type=text]`), "Par le plan"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#qa-list li p.buttons button:last-child").testMark = 1`))
	paola.run(t, "Paola votes it up too", chromedp.Click(css(`#qa-list li button[aria-pressed]`)))
	waitFor(t, host, "the host sees two votes", `document.getElementById("qa-list").textContent.includes("votes: 2")`)
	if !value(t, host, "the host's field", chromedp.Evaluate[bool](`document.querySelector("#qa-list li input[type=text]").value === "Par le plan" && document.querySelector("#qa-list li p.buttons button:last-child").testMark === 1`)) {
		t.Errorf("a vote emptied the answer the host was typing, or replaced the host's buttons")
	}
	host.run(t, "the host answers in writing",
		chromedp.SetValue(css(`#qa-list li input[type=text]`), "Par le plan d'action mondial."),
		chromedp.Click(css(`#qa-list li input[type=text] + button`)))
	waitFor(t, paola, "Paola reads the answer", `document.getElementById("qa-list").textContent.includes("Par le plan d'action mondial.")`)
	waitFor(t, host, "the host's field is empty once the answer is sent", `document.querySelector("#qa-list li input[type=text]").value === ""`)

	host.run(t, "the host writes a poll",
		chromedp.SetValue(css(`#poll-question`), "Which network are you from?"),
		chromedp.SetValue(css(`#poll-options`), "Africa\nEurope\nAsia-Pacific"),
		chromedp.Click(css(`#poll-create`)))
	waitFor(t, host, "the draft", `document.querySelector("#poll-list section.poll p.buttons button") !== null`)
	host.run(t, "the host opens it", chromedp.Click(css(`#poll-list section.poll p.buttons button`)))
	waitFor(t, paola, "Paola sees the poll", `document.querySelector("#poll-list form.poll-answer input[type=radio]") !== null`)
	// The host's page has the poll open (its button says close) before
	// the mark: the open button is replaced by design.
	closeButton := `document.querySelector('#poll-list section.poll p.buttons button[id$="-close"]')`
	waitFor(t, host, "the host's poll is open", closeButton+` !== null`)
	host.run(t, "mark the host's poll buttons", chromedp.Evaluate[chromedp.Void](closeButton+`.testMark = 1`))
	paola.run(t, "Paola answers", chromedp.Click(css(`#poll-list form.poll-answer input[type=radio]`)), chromedp.Click(css(`#poll-list form.poll-answer button[type=submit]`)))
	waitFor(t, paola, "Paola's answer is recorded", `document.querySelector("#poll-list form.poll-answer") === null && document.getElementById("poll-list").textContent.includes("Votre réponse a été enregistrée.")`)
	waitFor(t, host, "the host sees the results", `document.querySelector("#poll-list meter") !== null && document.querySelector("#poll-list meter").value === 100`)
	if !value(t, host, "the host's poll buttons", chromedp.Evaluate[bool](closeButton+`.testMark === 1`)) {
		t.Errorf("the live results replaced the host's poll buttons")
	}
	if v := value(t, paola, "Paola's results", chromedp.Evaluate[bool](`document.querySelector("#poll-list meter") === null`)); !v {
		t.Errorf("an attendee sees results before the host shares them")
	}
	host.run(t, "the host shares the results", chromedp.Click(css(`#poll-list section.poll p.buttons button:last-child`)))
	waitFor(t, paola, "Paola sees the results", `document.querySelector("#poll-list meter") !== null && document.getElementById("poll-list").textContent.includes("réponses : 1")`)

	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, who := range []struct {
			name, ready string
			tab         *browser
		}{{"paola", `#qa-ask`, paola}, {"host", `#qa-settings`, host}} {
			open(who.tab, lang, who.name, who.ready)
			waitFor(t, who.tab, "joined", `document.getElementById("session").dataset.conn === "connected" && document.querySelector("#poll-list section.poll") !== null`)
			checkAxe(t, who.tab, who.name+" in "+lang)
		}
	}
	for name, tab := range map[string]*browser{"the host": host, "an attendee": paola} {
		phone(t, tab)
		if w := value(t, tab, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
			t.Errorf("%s's page is %d px wide on a 360 px screen", name, w)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}
