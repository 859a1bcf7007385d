package server_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebinarHostPanelInBrowser: a host puts the webinar in practice mode
// from the session page, and a host who opens the page later (or reloads
// it) reads the webinar's state as it is — in practice — not the state a
// page starts with.
func TestWebinarHostPanelInBrowser(t *testing.T) {
	f, base := sessionServer(t)
	b := newBrowser(t, "Europe/Brussels")
	page := base + "/events/" + sessionEvent + "/session?tz=UTC&lang=fr&token=" + url.QueryEscape(f.joinToken(`{"role":"host","name":"Hana"}`))
	host := b.tab(t)
	host.run(t, "the host opens the session page", chromedp.Navigate(page), chromedp.WaitVisible(css(`#webinar-practice`)))
	opened := value(t, host, "the state before", chromedp.Evaluate[string](`document.getElementById("webinar-state").textContent`))
	host.run(t, "the host starts practice mode", chromedp.Click(css(`#webinar-practice`)))
	waitFor(t, host, "the state changes", `document.getElementById("webinar-state").textContent !== `+strconv.Quote(opened))
	practice := value(t, host, "the state in practice", chromedp.Evaluate[string](`document.getElementById("webinar-state").textContent`))
	host.run(t, "the host reloads the page", chromedp.Navigate(page), chromedp.WaitVisible(css(`#webinar-start`)))
	waitFor(t, host, "the reloaded page reads practice mode", `document.getElementById("webinar-state").textContent === `+strconv.Quote(practice)+
		` && document.getElementById("webinar-practice").hidden`)
}
