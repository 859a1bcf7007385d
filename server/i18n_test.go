package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/static"
)

// TestCatalogsComplete checks that every message a page can show exists
// in every language, and that no catalog carries dead messages.
func TestCatalogsComplete(t *testing.T) {
	cs := loadCatalogs() // panics on a missing or extra key
	if want := []string{"ar", "en", "es", "fr"}; !slices.Equal(cs.langs, want) {
		t.Fatalf("interface languages %v, want %v", cs.langs, want)
	}

	used := map[string]bool{}
	// Keys named literally in templates and Go code.
	literal := regexp.MustCompile(`(?:\.(?:T|Tf|Nf)\s+|\b(?:T|Tf|Nf)\(|(?:Title|Body):\s*)"([a-z_]+\.[a-z0-9_.-]+)"`)
	var sources []string
	err := fs.WalkDir(static.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := static.FS.ReadFile(p)
			sources = append(sources, string(b))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, string(b))
	}
	for _, src := range sources {
		for _, m := range literal.FindAllStringSubmatch(src, -1) {
			used[m[1]] = true
		}
	}
	// Keys the session's feature scripts show (the catalog's "js." keys,
	// see sessionStrings) are named literally in static/assets/*.js.
	scriptKey := regexp.MustCompile(`["'](js\.[a-z0-9_.-]+)["']`)
	scripts, _ := fs.Glob(static.FS, "assets/*.js")
	for _, f := range scripts {
		b, _ := static.FS.ReadFile(f)
		for _, m := range scriptKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	// Keys built from domain values.
	for _, r := range agenda.Regions {
		used["region."+string(r)] = true
	}
	for _, k := range agenda.Kinds {
		used["kind."+string(k)] = true
	}
	for _, k := range agenda.ItemKinds {
		used["item."+string(k)] = true
	}
	for _, r := range realtime.Roles {
		used["people_role."+string(r)] = true
	}
	for _, l := range cs.langs {
		used["lang."+l] = true
	}
	for i := range 7 {
		used["weekday."+strconv.Itoa(i)] = true
	}
	for i := 1; i <= 12; i++ {
		used["month."+strconv.Itoa(i)] = true
	}
	used["language.native"] = true

	en := cs.byLang["en"]
	for k := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("message %q is used but not in the catalogs", k)
		}
	}
	for k := range en {
		if base, _, _ := strings.Cut(k, "#"); !used[base] { // a plural form is used with its key
			t.Errorf("message %q is in the catalogs but never shown", k)
		}
	}
	// Placeholders must survive translation.
	placeholder := regexp.MustCompile(`\{[a-z]+\}`)
	for _, lang := range cs.langs {
		for k, msg := range cs.byLang[lang] {
			base, _, _ := strings.Cut(k, "#")
			want := placeholder.FindAllString(en[base], -1)
			got := placeholder.FindAllString(msg, -1)
			slices.Sort(want)
			slices.Sort(got)
			if strings.Contains(k, "#") && len(got) == 0 {
				continue // a plural form may spell the number out ("دقيقتان")
			}
			if !slices.Equal(slices.Compact(want), slices.Compact(got)) {
				t.Errorf("%s %q: placeholders %v, English has %v", lang, k, got, want)
			}
		}
	}
}

func TestPlurals(t *testing.T) {
	cs := loadCatalogs()
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"ar", 1, "دقيقة واحدة"},
		{"ar", 2, "دقيقتان"},
		{"ar", 5, "5 دقائق"},
		{"ar", 10, "10 دقائق"},
		{"ar", 15, "15 دقيقة"},
		{"ar", 103, "103 دقائق"},
		{"ar", 100, "100 دقيقة"},
		{"en", 1, "1 min"},
		{"fr", 90, "90 min"},
	}
	for _, tt := range tests {
		if got := cs.in(tt.lang).Nf("agenda.minutes", tt.n); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	cs := loadCatalogs()
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, time.July, 1, 14, 30, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	tests := []struct{ lang, want string }{
		{"en", "Thursday 1 July 2021, 16:30–18:00"},
		{"fr", "jeudi 1er juillet 2021, 16:30–18:00"},
		{"es", "jueves, 1 de julio de 2021, 16:30–18:00"},
		// Isolated left to right: in an Arabic paragraph the bidi
		// algorithm would otherwise show 18:00–16:30.
		{"ar", "الخميس 1 يوليو 2021، \u206616:30–18:00\u2069"},
	}
	for _, tt := range tests {
		if got := cs.in(tt.lang).span(start, end, zurich); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.lang, got, tt.want)
		}
	}
	// Across midnight in the viewer's zone, both dates are shown.
	late := time.Date(2021, time.July, 1, 21, 30, 0, 0, time.UTC)
	if got, want := cs.in("en").span(late, late.Add(time.Hour), zurich), "Thursday 1 July 2021, 23:30 – Friday 2 July 2021, 00:30"; got != want {
		t.Errorf("across midnight: %q, want %q", got, want)
	}
}
