package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/store"
)

// registryBrowser serves a registry of two institutions and signs head
// office in to a browser on a 360 px phone.
func registryBrowser(t *testing.T) (string, *store.Bolt, *browser) {
	t.Helper()
	base, st, _, _ := localhostServer(t)
	ctx := context.Background()
	f := &fixture{t: t, st: st}
	f.namedOrganizer("org_ho", "Head office", agenda.RegionGlobal)
	putInstitution(t, st, "northvale-chr", institution.StatusA)
	putInstitution(t, st, "southmere-ombuds", institution.StatusB)
	o, err := st.GetOrganizer(ctx, "org_ho")
	if err != nil {
		t.Fatal(err)
	}
	link, l1 := access.NewLink(o, "", time.Now().UTC())
	if err := st.CreateLink(ctx, l1); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, "Europe/Zurich")
	b.run(t, "sign in with the link", chromedp.Navigate(base+"/organizer/sign-in?lang=en"), chromedp.WaitReady(css(`body`)))
	if status := value(t, b, "sign in", chromedp.Evaluate[int](`fetch("/organizer/sign-in", {method: "POST", redirect: "manual",
		body: new URLSearchParams({link: "`+link+`"})}).then(r => r.status === 0 ? 303 : r.status)`, chromedp.EvalAwaitPromise)); status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", status)
	}
	phone(t, b)
	return base, st, b
}

// fits fails unless the page in b fits 360 px, runs in lang's direction
// and passes axe-core.
func fits(t *testing.T, b *browser, what, lang string) {
	t.Helper()
	if w := value(t, b, "width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 360 {
		t.Errorf("%s is %d px wide on a 360 px screen", what, w)
	}
	if d := value(t, b, "dir", chromedp.AttributeValue(css(`html`), "dir")); (lang == "ar") != (d.Value == "rtl") {
		t.Errorf("%s: dir=%q", what, d.Value)
	}
	checkAxe(t, b, what)
}

// TestInstitutionPagesInBrowser: the registry's list, form and import
// with its preview fit a 360 px phone and pass axe-core in four languages
// (Arabic right to left), its delegates named in words.
func TestInstitutionPagesInBrowser(t *testing.T) {
	base, st, b := registryBrowser(t)
	in, err := st.GetInstitution(context.Background(), "northvale-chr")
	if err != nil {
		t.Fatal(err)
	}
	in.Delegates = []institution.Delegate{{Ref: "organizer:org_ho"}, {Ref: "invite:inv-gone", Alternate: true}}
	if _, err := st.PutInstitution(context.Background(), in, in.Version); err != nil {
		t.Fatal(err)
	}
	csv := "id,name_en,country,region,status,accredited_on\\nnorthvale-chr,Northvale (fictional),KE,africa,B,2024-05-01\\nbad row,x,ZZZ,mars,Q,\\n"
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		q := "?lang=" + lang + "&tz=Europe/Zurich"
		for _, pg := range []struct{ path, ready string }{
			{"/organizer/institutions", "#institutions"},
			{"/organizer/institutions/northvale-chr", "#history"},
			{"/organizer/institutions/import", "#preview-import"}, // then its preview, below
		} {
			b.run(t, "open "+pg.path+" in "+lang, chromedp.Navigate(base+pg.path+q), chromedp.WaitVisible(css(pg.ready)))
			fits(t, b, pg.path+" in "+lang, lang)
			if pg.ready != "#history" {
				continue
			}
			if who := value(t, b, "the first delegate in "+lang, chromedp.Text(css(`#delegate-0-who`))); !strings.Contains(who, "Head office") {
				t.Errorf("the first delegate in %s: %q", lang, who)
			}
		}
		value(t, b, "paste a file in "+lang, chromedp.Evaluate[bool](`document.getElementById("import-csv").value = "`+csv+`"; true`))
		b.run(t, "preview an import in "+lang, chromedp.Click(css(`#preview-import`)), chromedp.WaitVisible(css(`#plan`)))
		fits(t, b, "the import's preview in "+lang, lang)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}

// TestInstitutionFormsByKeyboard: head office filters the registry's list
// and corrects a refused change with the keyboard only, in Arabic.
func TestInstitutionFormsByKeyboard(t *testing.T) {
	base, st, b := registryBrowser(t)
	ctx := context.Background()
	b.run(t, "filter the list with the keyboard",
		chromedp.Navigate(base+"/organizer/institutions?lang=ar&tz=Europe/Zurich"),
		chromedp.WaitVisible(css(`#institutions`)),
		chromedp.Focus(css(`#filter-q`)),
		chromedp.KeyEvent("south"),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#institution-southmere-ombuds`)),
	)
	if n := value(t, b, "rows", chromedp.Evaluate[int](`document.querySelectorAll("#institutions tbody tr").length`)); n != 1 {
		t.Fatalf("filtered to %d rows", n)
	}
	b.run(t, "open the form in Arabic",
		chromedp.Navigate(base+"/organizer/institutions/northvale-chr?lang=ar&tz=Europe/Zurich"),
		chromedp.WaitVisible(css(`#country`)))
	value(t, b, "empty the country", chromedp.Evaluate[bool](`document.getElementById("country").select(); true`))
	b.run(t, "a refused change, with the keyboard",
		chromedp.Focus(css(`#country`)),
		chromedp.KeyEvent(kb.Delete),
		chromedp.KeyEvent("1A"), // two characters (maxlength), not a country
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#errors`)),
	)
	fits(t, b, "a refused form in ar", "ar")
	if !value(t, b, "the error links its input", chromedp.Evaluate[bool](`!!document.querySelector('#errors a[href="#country"]') && document.getElementById("country").getAttribute("aria-invalid") === "true"`)) {
		t.Fatal("the refused country is not linked from the errors, or not marked invalid")
	}
	b.run(t, "go to the country", chromedp.Focus(css(`#country`)))
	value(t, b, "select the country", chromedp.Evaluate[bool](`document.getElementById("country").select(); true`))
	b.run(t, "correct it with the keyboard",
		chromedp.KeyEvent("KE"),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`p.saved`)),
	)
	if in, err := st.GetInstitution(ctx, "northvale-chr"); err != nil || in.Country != "KE" || in.Version != 2 {
		t.Fatalf("after the keyboard: %+v %v", in, err)
	}
	if !strings.Contains(value(t, b, "saved", chromedp.Text(css(`p.saved`))), "تم الحفظ") {
		t.Fatal("no saved message in Arabic")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		// The refused form is answered 422, on purpose.
		if !strings.Contains(p, "status of 422") {
			t.Errorf("browser console: %s", p)
		}
	}
}
