package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	cldr "golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/majlis/majlis/static"
)

// cldrCategories are the CLDR plural categories lang uses for the whole
// numbers majlis counts, straight from golang.org/x/text (not from
// plural, the function under test).
func cldrCategories(t *testing.T, lang string) []string {
	t.Helper()
	names := map[cldr.Form]string{cldr.Other: "other", cldr.Zero: "zero", cldr.One: "one",
		cldr.Two: "two", cldr.Few: "few", cldr.Many: "many"}
	tag := language.MustParse(lang)
	var out []string
	for n := range 10_000 {
		if c := names[cldr.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]; !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// TestPluralsFollowCLDR checks that every plural category comes from
// CLDR: Arabic uses six, English, French and Spanish two.
func TestPluralsFollowCLDR(t *testing.T) {
	want := map[string][]string{
		"ar": {"few", "many", "one", "other", "two", "zero"},
		"en": {"one", "other"},
		"es": {"one", "other"},
		"fr": {"one", "other"},
	}
	for lang, cats := range want {
		if got := cldrCategories(t, lang); !slices.Equal(got, cats) {
			t.Errorf("%s: CLDR categories %v, want %v", lang, got, cats)
		}
		tag := language.MustParse(lang)
		for _, n := range []int{0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111, 1000, 1_000_000} {
			names := map[cldr.Form]string{cldr.Other: "other", cldr.Zero: "zero", cldr.One: "one",
				cldr.Two: "two", cldr.Few: "few", cldr.Many: "many"}
			if got, want := plural(lang, n), names[cldr.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]; got != want {
				t.Errorf("plural(%s, %d) = %s, CLDR says %s", lang, n, got, want)
			}
		}
	}
}

// TestPluralKeysHaveEveryCategory checks that every message counted with
// Nf has, in every catalog, a form for each category its language uses
// (the key itself is "other"), and no form its language never uses: so
// English never says "1 events" and Arabic has its dual and its 3-10
// plural.
func TestPluralKeysHaveEveryCategory(t *testing.T) {
	cs := loadCatalogs()
	keys := map[string]bool{}
	nf := regexp.MustCompile(`(?:\.Nf\s+|\bNf\()"([a-z_]+\.[a-z0-9_.-]+)"`)
	var sources []string
	_ = fs.WalkDir(static.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := static.FS.ReadFile(p)
			sources = append(sources, string(b))
		}
		return err
	})
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if !strings.HasSuffix(f, "_test.go") {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, string(b))
		}
	}
	for _, src := range sources {
		for _, m := range nf.FindAllStringSubmatch(src, -1) {
			keys[m[1]] = true
		}
	}
	for _, c := range cs.byLang {
		for k := range c {
			if base, _, ok := strings.Cut(k, "#"); ok {
				keys[base] = true
			}
		}
	}
	if len(keys) < 3 {
		t.Fatalf("found only the plural keys %v", keys)
	}
	for _, lang := range cs.langs {
		cats := cldrCategories(t, lang)
		for key := range keys {
			for _, cat := range cats {
				if _, ok := cs.byLang[lang][key+"#"+cat]; cat != "other" && !ok {
					t.Errorf("%s: %q has no form %q (%s uses %v)", lang, key, key+"#"+cat, lang, cats)
				}
			}
		}
		for k := range cs.byLang[lang] {
			if _, form, ok := strings.Cut(k, "#"); ok && !slices.Contains(cats, form) {
				t.Errorf("%s: %q is a form %s never uses", lang, k, lang)
			}
		}
	}
}

// TestPluralMessages checks a few counted messages in every language.
func TestPluralMessages(t *testing.T) {
	cs := loadCatalogs()
	tests := []struct {
		lang, key string
		n         int
		want      string
	}{
		{"en", "slots.clashes", 1, "1 event at the same time"},
		{"en", "slots.clashes", 2, "2 events at the same time"},
		{"en", "home.more_past", 1, "Only the most recent past event is shown."},
		{"en", "home.more_past", 20, "Only the 20 most recent past events are shown."},
		{"en", "agenda.minutes", 1, "1 min"},
		{"fr", "slots.clashes", 0, "0 événement au même moment"},
		{"fr", "slots.clashes", 2, "2 événements au même moment"},
		{"es", "slots.clashes", 1, "1 evento a la misma hora"},
		{"ar", "slots.clashes", 0, "لا فعاليات في الوقت نفسه"},
		{"ar", "slots.clashes", 1, "فعالية واحدة في الوقت نفسه"},
		{"ar", "slots.clashes", 2, "فعاليتان في الوقت نفسه"},
		{"ar", "slots.clashes", 3, "3 فعاليات في الوقت نفسه"},
		{"ar", "slots.clashes", 11, "11 فعالية في الوقت نفسه"},
		{"ar", "slots.clashes", 100, "100 فعالية في الوقت نفسه"},
		{"ar", "agenda.minutes", 0, "0 دقيقة"},
		{"ar", "agenda.minutes", 15, "15 دقيقة"},
	}
	for _, tt := range tests {
		if got := cs.in(tt.lang).Nf(tt.key, tt.n); got != tt.want {
			t.Errorf("%s %s %d: %q, want %q", tt.lang, tt.key, tt.n, got, tt.want)
		}
	}
}
