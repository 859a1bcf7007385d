package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/store"
)

// pageWebinar is the demo webinar whose registration the page tests open.
const pageWebinar = "nanhri-webinar-civic-space"

// pageRegistrantToken is the personal link of a registrant of pageWebinar.
var pageRegistrantToken, pageRegistrantHash = registration.NewToken()

// openPageRegistration opens registration for pageWebinar (a form in
// four languages, pseudonyms allowed) with one approved registrant.
func openPageRegistration(t *testing.T, st *store.Bolt, _ *agenda.Service) {
	t.Helper()
	ctx := context.Background()
	ev, err := st.GetEvent(ctx, pageWebinar)
	if err != nil {
		t.Fatal(err)
	}
	reg := registration.New(registration.Config{Now: func() time.Time { return pageNow }}, st)
	f := registration.Form{Open: true, Pseudonyms: true, Capacity: 100, Questions: []registration.Question{
		{ID: "org", Kind: registration.KindText, Label: agenda.Text{"en": "Organisation", "fr": "Organisation", "es": "Organización", "ar": "المؤسسة"}},
		{ID: "role", Kind: registration.KindChoice, Label: agenda.Text{"en": "You are", "fr": "Vous êtes", "es": "Usted es", "ar": "أنت"}, Options: []registration.Option{
			{ID: "nhri", Label: agenda.Text{"en": "NHRI staff", "fr": "Personnel d’une INDH", "es": "Personal de una INDH", "ar": "موظف في مؤسسة وطنية"}},
			{ID: "cso", Label: agenda.Text{"en": "Civil society", "fr": "Société civile", "es": "Sociedad civil", "ar": "المجتمع المدني"}}}},
		{ID: "consent", Kind: registration.KindConsent, Label: agenda.Text{"en": "I agree that the organizers see my name.", "fr": "J’accepte que les organisateurs voient mon nom.",
			"es": "Acepto que los organizadores vean mi nombre.", "ar": "أوافق على أن يرى المنظمون اسمي."}},
	}}
	if _, _, err := reg.PutForm(ctx, ev, f, 0); err != nil {
		t.Fatal(err)
	}
	r := registration.Registration{ID: "r_page", Event: ev.ID, Name: "Amina", Language: "fr", TokenHashes: []string{pageRegistrantHash}, Created: pageNow}
	if _, _, err := st.Register(ctx, r, registration.Fill{Placed: registration.StatusApproved, At: pageNow}); err != nil {
		t.Fatal(err)
	}
}

// TestRegisterInBrowser: a person registers in Arabic by keyboard and
// lands on their personal page, in Arabic, with the join link.
func TestRegisterInBrowser(t *testing.T) {
	ts := pageServer(t)
	b := newBrowser(t, "Africa/Nairobi")
	b.run(t, "open the form", chromedp.Navigate(ts.URL+"/events/"+pageWebinar+"?lang=ar&tz=Africa/Nairobi"), chromedp.WaitVisible(css("#register")))
	b.run(t, "fill it",
		chromedp.SendKeys(css("#reg-name"), "نور"),
		chromedp.Click(css("#reg-pseudonym")),
		chromedp.Click(css("#reg-q-role-cso")),
		chromedp.Focus(css("#reg-q-consent")),
		chromedp.KeyEvent(" "),
		chromedp.Click(css("#reg-submit")),
		chromedp.WaitVisible(css("#reg-status")),
	)
	if st := value(t, b, "status", chromedp.Evaluate[string](`document.getElementById("reg-status").dataset.status`)); st != "approved" {
		t.Fatalf("status %q", st)
	}
	if lang := value(t, b, "lang", chromedp.Evaluate[string](`document.documentElement.lang + " " + document.documentElement.dir`)); lang != "ar rtl" {
		t.Fatalf("personal page in %q", lang)
	}
	if !value(t, b, "join link", chromedp.Evaluate[bool](`!!document.querySelector('#reg-join[href*="/session?token=mjr_"]')`)) {
		t.Fatal("no join link")
	}
	checkAxe(t, b, "personal page")
}
