package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/poll"
)

// TestPreparedPollsEditorInBrowser: on the questions tab, an organizer
// prepares a poll by keyboard alone — a question and three options in
// French and English, several choices — saves it through the API, then
// edits it (an option out) and saves again: the store has exactly that.
// A poll changed meanwhile through the API is a conflict (nothing
// overwritten); a poll without options is refused with its fields marked
// and the message in the page's language. 360 px and axe in four
// languages.
func TestPreparedPollsEditorInBrowser(t *testing.T) {
	b := newBrowser(t, "Europe/Brussels")
	base, st, _, _ := builderServer(t, b)
	ctx := context.Background()
	const ev = "ev-by-keys"
	saved := func(want string) []chromedp.Action[chromedp.Void] {
		return steps(press("#prep-save"), []chromedp.Action[chromedp.Void]{until(`["saved", "conflict", "invalid", "failed"].includes(document.getElementById("polls-editor").dataset.saved)`),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				if got := value(t, b, "outcome", chromedp.Evaluate[string](`document.getElementById("polls-editor").dataset.saved + ": " + document.getElementById("prep-status").textContent`)); !strings.HasPrefix(got, want+":") {
					t.Fatalf("the save's outcome %q, want %s", got, want)
				}
				return nil
			})})
	}
	status := func() string {
		return value(t, b, "status", chromedp.Evaluate[string](`document.getElementById("prep-status").textContent`))
	}
	stored := func() poll.Set {
		s, err := st.PreparedPolls(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	b.run(t, "open the tab", chromedp.Navigate(base+"/organizer/events/"+ev+"/questions?lang=fr"), chromedp.WaitVisible(css("#polls-editor")))
	b.run(t, "a poll in French and English", steps(
		press("#prep-add"),
		typeIn("#polls-0-question-fr", "Quel réseau ?"), typeIn("#polls-0-question-en", "Which network?"),
		typeIn("#polls-0-options-0-fr", "Afrique"), typeIn("#polls-0-options-0-en", "Africa"),
		typeIn("#polls-0-options-1-fr", "Europe"), typeIn("#polls-0-options-1-en", "Europe"),
		press(`#prep-0 [data-action="add_option"]`),
		typeIn("#polls-0-options-2-fr", "Amériques"), typeIn("#polls-0-options-2-en", "Americas"),
		[]chromedp.Action[chromedp.Void]{chromedp.Focus(css("#prep-0-multiple")), chromedp.KeyEvent(" ")},
		saved("saved"),
	)...)
	if got := status(); got != "Les sondages sont enregistrés." {
		t.Fatalf("after save: %q", got)
	}
	s := stored()
	if s.Version != 1 || len(s.Polls) != 1 || !s.Polls[0].Multiple || s.Polls[0].Question["fr"] != "Quel réseau ?" ||
		len(s.Polls[0].Options) != 3 || s.Polls[0].Options[2]["en"] != "Americas" || s.Polls[0].Options[0]["fr"] != "Afrique" {
		t.Fatalf("stored: %+v", s)
	}

	b.run(t, "an option out, saved again", steps(press(`#prep-0 .options > li:nth-child(2) [data-action="remove"]`), saved("saved"))...)
	if s = stored(); s.Version != 2 || len(s.Polls[0].Options) != 2 || s.Polls[0].Options[1]["en"] != "Americas" {
		t.Fatalf("after the edit: %+v", s)
	}

	// Someone else changes the polls through the API: this page's save is
	// a conflict, and theirs stays.
	theirs := s
	theirs.Polls = append(slices.Clone(s.Polls), poll.Poll{ID: "theirs", Question: agenda.Text{"en": "Theirs?"}, Options: []agenda.Text{{"en": "a"}, {"en": "b"}}})
	if _, err := st.PutPreparedPolls(ctx, theirs, s.Version); err != nil {
		t.Fatal(err)
	}
	b.run(t, "a stale save", steps([]chromedp.Action[chromedp.Void]{chromedp.Focus(css("#prep-0-multiple")), chromedp.KeyEvent(" ")}, saved("conflict"))...)
	if got := status(); !strings.HasPrefix(got, "Quelqu’un a modifié ces sondages") {
		t.Fatalf("after a conflict: %q", got)
	}
	if s = stored(); s.Version != 3 || len(s.Polls) != 2 || !s.Polls[0].Multiple {
		t.Fatalf("a conflict overwrote: %+v", s)
	}

	// Reloaded: a poll without options' texts is refused, fields marked.
	b.run(t, "reload", chromedp.Navigate(base+"/organizer/events/"+ev+"/questions?lang=fr"), chromedp.WaitVisible(css("#prep-1")))
	b.run(t, "a poll without options", steps(press("#prep-add"), typeIn("#polls-2-question-fr", "Et ensuite ?"), saved("invalid"))...)
	if got := status(); got != "Certains champs sont à revoir ; rien n’a été enregistré." {
		t.Fatalf("after a refused save: %q", got)
	}
	if field := value(t, b, "focus on the error", chromedp.Evaluate[string](`document.activeElement.dataset.field + " " + document.activeElement.getAttribute("aria-invalid") + " " + document.getElementById(document.activeElement.getAttribute("aria-describedby")).textContent`)); !strings.HasPrefix(field, "polls[2].options[0].") || !strings.HasSuffix(field, " true Obligatoire, ou trop long.") {
		t.Fatalf("the focused field: %q", field)
	}
	if s = stored(); s.Version != 3 {
		t.Fatalf("a refused save stored: %+v", s)
	}
	checkAxe(t, b, "polls editor, French, with an error")

	b.run(t, "a 360 px phone", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 740, DeviceScaleFactor: 2, Mobile: true})
		return err
	}))
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		b.run(t, "open in "+lang, chromedp.Navigate(base+"/organizer/events/"+ev+"/questions?lang="+lang), chromedp.WaitVisible(css("#prep-1")))
		if w := value(t, b, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
			t.Errorf("the questions tab in %s is %d px wide on a 360 px screen", lang, w)
		}
		checkAxe(t, b, "polls editor, "+lang)
	}
}

// press focuses sel and presses Enter: a button used by keyboard.
func press(sel string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.Focus(css(sel)), chromedp.KeyEvent("\r")}
}

// steps joins groups of steps into one list.
func steps(groups ...[]chromedp.Action[chromedp.Void]) []chromedp.Action[chromedp.Void] {
	var out []chromedp.Action[chromedp.Void]
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// typeIn types text into sel.
func typeIn(sel, text string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.SendKeys(css(sel), text)}
}
