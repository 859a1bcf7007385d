package server_test

import (
	"context"
	"strings"
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

// TestRegistrationQuestionsInBrowser: an organizer builds the form's
// questions on the registrations tab with the keyboard alone — a short
// text, several choices, a required consent, labelled in French and
// English — moves the consent to the top and an option up, removes the
// text question, and saves through the API; the store has exactly that.
// A question without a label is refused with the field marked and
// focused, and nothing changes. axe finds nothing, in French and Arabic.
func TestRegistrationQuestionsInBrowser(t *testing.T) {
	b := newBrowser(t, "Europe/Brussels")
	base, st, _, _ := builderServer(t, b)
	add := func(kind string) []chromedp.Action[chromedp.Void] {
		return append([]chromedp.Action[chromedp.Void]{chromedp.SetValue(css("#new-kind"), kind)}, press("#add-question")...)
	}
	b.run(t, "open the tab", chromedp.Navigate(base+"/organizer/events/ev-by-keys/registrations?lang=fr"), chromedp.WaitVisible(css("#questions-editor")))
	b.run(t, "three questions", steps(
		add("text"), typeIn("#questions-0-label-fr", "Votre institution"), typeIn("#questions-0-label-en", "Your institution"),
		add("choices"), typeIn("#questions-1-label-fr", "Vous suivrez"), typeIn("#questions-1-label-en", "You will follow"),
		typeIn("#questions-1-options-0-label-fr", "en français"), typeIn("#questions-1-options-0-label-en", "in French"),
		typeIn("#questions-1-options-1-label-fr", "en anglais"), typeIn("#questions-1-options-1-label-en", "in English"),
		add("consent"), typeIn("#questions-2-label-fr", "J’accepte que les organisateurs voient mon nom."), typeIn("#questions-2-label-en", "I agree that the organizers see my name."),
	)...)
	b.run(t, "the consent to the top, by keyboard", steps(press(`#q-2 > p.buttons [data-action="up"]`), []chromedp.Action[chromedp.Void]{chromedp.KeyEvent("\r")})...)
	if got := value(t, b, "focus after moving", chromedp.Evaluate[string](`document.activeElement.closest("fieldset.question").id + " " + document.querySelector("#q-0 legend").textContent`)); got != "q-0 Question 1 : Consentement obligatoire" {
		t.Fatalf("after two moves up: %q", got)
	}
	b.run(t, "the second option up, the text question out, save", steps(
		press(`#q-2 .options > li:nth-child(2) [data-action="up"]`),
		press(`#q-1 > p.buttons [data-action="remove"]`),
		press("#save-questions"),
		[]chromedp.Action[chromedp.Void]{until(`["saved", "conflict", "invalid", "failed"].includes(document.getElementById("questions-editor").dataset.saved)`)},
	)...)
	if got := value(t, b, "status", chromedp.Evaluate[string](`document.getElementById("questions-status").textContent`)); got != "Les questions sont enregistrées." {
		t.Fatalf("after save: %q", got)
	}
	f, err := st.GetForm(context.Background(), "ev-by-keys")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Questions) != 2 || f.Questions[0].Kind != registration.KindConsent || f.Questions[1].Kind != registration.KindChoices ||
		f.Questions[0].Label["en"] != "I agree that the organizers see my name." || f.Questions[1].Label["fr"] != "Vous suivrez" ||
		len(f.Questions[1].Options) != 2 || f.Questions[1].Options[0].Label["en"] != "in English" || f.Questions[1].Options[1].Label["fr"] != "en français" {
		t.Fatalf("stored questions: %+v", f.Questions)
	}
	b.run(t, "a question without a label", steps(add("text"), press("#save-questions"),
		[]chromedp.Action[chromedp.Void]{until(`document.getElementById("questions-editor").dataset.saved === "invalid"`)})...)
	if got := value(t, b, "status", chromedp.Evaluate[string](`document.getElementById("questions-status").textContent`)); !strings.HasPrefix(got, "Certains champs") {
		t.Fatalf("after a refused save: %q", got)
	}
	if field := value(t, b, "focus on the error", chromedp.Evaluate[string](`document.activeElement.dataset.field + " " + document.activeElement.getAttribute("aria-invalid")`)); !strings.HasPrefix(field, "questions[2].label.") || !strings.HasSuffix(field, " true") {
		t.Fatalf("the focused field: %q", field)
	}
	if again, err := st.GetForm(context.Background(), "ev-by-keys"); err != nil || again.Version != f.Version {
		t.Fatalf("a refused save changed the form: %v %d → %d", err, f.Version, again.Version)
	}
	checkAxe(t, b, "questions editor, French, with an error")
	b.run(t, "Arabic", chromedp.Navigate(base+"/organizer/events/ev-by-keys/registrations?lang=ar"), chromedp.WaitVisible(css("#questions .question")))
	checkAxe(t, b, "questions editor, Arabic")
}
