package server

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	cldr "golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/majlis/majlis/static"
)

// catalog is one interface language's messages, key → text with {name}
// placeholders.
type catalog map[string]string

// catalogs holds every interface language, loaded once from static/i18n.
type catalogs struct {
	langs   []string // sorted; "en" is the fallback
	order   []string // the matcher's languages, "en" first
	byLang  map[string]catalog
	matcher language.Matcher
}

// loadCatalogs reads static/i18n/LANG.json and the feature catalogs
// static/i18n/AREA/LANG.json (one folder per part of the product, so that
// its messages live beside each other), merged per language. A broken or
// incomplete catalog, or a key defined twice, is a broken build, so it
// panics at start-up rather than showing a user a missing string.
func loadCatalogs() *catalogs {
	files, err := fs.Glob(static.FS, "i18n/*.json")
	if err != nil || len(files) == 0 {
		panic("server: no message catalogs in static/i18n")
	}
	areas, err := fs.Glob(static.FS, "i18n/*/*.json")
	if err != nil {
		panic(err)
	}
	cs := &catalogs{byLang: map[string]catalog{}}
	for _, f := range append(files, areas...) {
		raw, err := static.FS.ReadFile(f)
		if err != nil {
			panic(err)
		}
		var c catalog
		if err := json.Unmarshal(raw, &c); err != nil {
			panic(fmt.Sprintf("server: catalog %s: %v", f, err))
		}
		lang := strings.TrimSuffix(path.Base(f), ".json")
		all, ok := cs.byLang[lang]
		if !ok {
			if path.Dir(f) != "i18n" {
				panic(fmt.Sprintf("server: catalog %s: no i18n/%s.json", f, lang))
			}
			all = catalog{}
			cs.byLang[lang] = all
			cs.langs = append(cs.langs, lang)
		}
		for k, v := range c {
			if _, dup := all[k]; dup {
				panic(fmt.Sprintf("server: catalog %s: message %q defined twice", f, k))
			}
			all[k] = v
		}
	}
	en, ok := cs.byLang["en"]
	if !ok {
		panic("server: no English catalog (the fallback)")
	}
	for lang, c := range cs.byLang {
		for k := range c {
			// Plural forms ("key#few") are per language; their base key is not.
			if base, form, ok := strings.Cut(k, "#"); ok {
				if _, ok := en[base]; !ok || !slices.Contains(pluralForms, form) {
					panic(fmt.Sprintf("server: catalog %s: plural %q of unknown key or form", lang, k))
				}
			}
		}
		for k := range en {
			if strings.TrimSpace(c[k]) == "" {
				panic(fmt.Sprintf("server: catalog %s has no message %q", lang, k))
			}
		}
		for k := range c {
			if _, ok := en[k]; !ok && !strings.Contains(k, "#") {
				panic(fmt.Sprintf("server: catalog %s has message %q that en lacks", lang, k))
			}
		}
	}
	slices.Sort(cs.langs)
	// The fallback must come first: the matcher answers with index 0 when
	// nothing matches.
	tags := []language.Tag{language.English}
	cs.order = []string{"en"}
	for _, l := range cs.langs {
		if l != "en" {
			tags = append(tags, language.MustParse(l))
			cs.order = append(cs.order, l)
		}
	}
	cs.matcher = language.NewMatcher(tags)
	return cs
}

// has reports whether lang is an interface language.
func (cs *catalogs) has(lang string) bool { _, ok := cs.byLang[lang]; return ok }

// base reads a ?lang= value as a BCP 47 tag (any case) and answers its
// language when that is an interface language: "fr-CA" → "fr",
// "es-419" → "es", "EN" → "en".
func (cs *catalogs) base(tag string) (string, bool) {
	if len(tag) > maxParam {
		return "", false
	}
	t, err := language.Parse(tag)
	if err != nil {
		return "", false
	}
	b, conf := t.Base()
	if conf != language.Exact || !cs.has(b.String()) { // "und" guesses English
		return "", false
	}
	return b.String(), true
}

// negotiate picks the interface language for an Accept-Language header.
func (cs *catalogs) negotiate(acceptLanguage string) string {
	if len(acceptLanguage) > 512 { // a hostile header should not cost parsing time
		acceptLanguage = acceptLanguage[:512]
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, conf := cs.matcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return cs.order[i]
}

// rtl reports whether lang is written right to left.
func rtl(lang string) bool {
	switch lang {
	case "ar", "fa", "he", "ur":
		return true
	}
	return false
}

// dir is the HTML dir attribute value for lang.
func dir(lang string) string {
	if rtl(lang) {
		return "rtl"
	}
	return "ltr"
}

// messages formats text in one language.
type messages struct {
	lang string
	c    catalog
	en   catalog
}

func (cs *catalogs) in(lang string) messages {
	c, ok := cs.byLang[lang]
	if !ok {
		lang, c = "en", cs.byLang["en"]
	}
	return messages{lang: lang, c: c, en: cs.byLang["en"]}
}

// T returns the message for key. An unknown key is a programming error
// that the catalog test catches; at run time it shows the key rather than
// nothing.
func (m messages) T(key string) string {
	if s, ok := m.c[key]; ok {
		return s
	}
	if s, ok := m.en[key]; ok {
		return s
	}
	return key
}

// keysWithPrefix lists the (English) catalog's keys that start with prefix,
// sorted; plural forms are left out.
func (m messages) keysWithPrefix(prefix string) []string {
	var keys []string
	for k := range m.en {
		if strings.HasPrefix(k, prefix) && !strings.Contains(k, "#") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Tf returns the message for key with each {name} replaced; args are
// name, value pairs.
func (m messages) Tf(key string, args ...any) string {
	s := m.T(key)
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return s
}

// pluralForms are the CLDR plural categories a catalog key may be
// specialised for, as "key#form"; the key itself is "other". Which of them
// a language needs comes from CLDR (TestPluralKeysHaveEveryCategory).
var pluralForms = []string{"zero", "one", "two", "few", "many"}

// pluralNames names golang.org/x/text's plural forms as catalogs do.
var pluralNames = map[cldr.Form]string{cldr.Other: "other", cldr.Zero: "zero", cldr.One: "one",
	cldr.Two: "two", cldr.Few: "few", cldr.Many: "many"}

// plural returns n's CLDR plural category in lang (cardinal, a whole
// number), from the CLDR tables of golang.org/x/text: Arabic has six
// (zero, one, two, few, many, other), English, French and Spanish two.
func plural(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	return pluralNames[cldr.Cardinal.MatchPlural(language.Make(lang), n, 0, 0, 0, 0)]
}

// Nf returns the message for key in the plural form n needs, with {n}
// replaced; a language without that form uses the key itself.
func (m messages) Nf(key string, n int) string {
	if s, ok := m.c[key+"#"+plural(m.lang, n)]; ok {
		return strings.ReplaceAll(s, "{n}", strconv.Itoa(n))
	}
	return m.Tf(key, "n", n)
}

// date formats t's calendar date, e.g. "Thursday 1 July 2021",
// "jeudi 1er juillet 2021", "jueves, 1 de julio de 2021".
func (m messages) date(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = m.T("date.day1")
	}
	return m.Tf("date.format",
		"weekday", m.T("weekday."+strconv.Itoa(int(t.Weekday()))),
		"day", day,
		"month", m.T("month."+strconv.Itoa(int(t.Month()))),
		"year", strconv.Itoa(t.Year()))
}

// span formats the interval [start, end) in loc: one date and two clock
// times when both fall on the same day there, two dates otherwise.
func (m messages) span(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	if sameDay(s, e) {
		return m.Tf("date.with_time", "date", m.date(s), "time", m.ltr(s.Format("15:04")+"–"+e.Format("15:04")))
	}
	return m.Tf("date.range",
		"start", m.Tf("date.with_time", "date", m.date(s), "time", m.ltr(s.Format("15:04"))),
		"end", m.Tf("date.with_time", "date", m.date(e), "time", m.ltr(e.Format("15:04"))))
}

// clock formats [start, end) in loc as "16:30–16:45", prefixed with the
// date when the item does not fall on day.
func (m messages) clock(start, end time.Time, loc *time.Location, day time.Time) string {
	s, e := start.In(loc), end.In(loc)
	if !sameDay(s, day.In(loc)) || !sameDay(s, e) {
		return m.span(start, end, loc)
	}
	return m.ltr(s.Format("15:04") + "–" + e.Format("15:04"))
}

// ltr isolates a clock time, range or zone label in a right-to-left
// language (U+2066 LEFT-TO-RIGHT ISOLATE … U+2069 POP DIRECTIONAL
// ISOLATE): otherwise digits around a dash take the paragraph's direction
// and "16:30–18:00" shows as "18:00–16:30".
func (m messages) ltr(s string) string {
	if !rtl(m.lang) {
		return s
	}
	return "\u2066" + s + "\u2069"
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// zoneLabel names a zone with its UTC offset at t: "Europe/Zurich
// (UTC+02:00)", or "UTC".
func zoneLabel(loc *time.Location, t time.Time) string {
	name := loc.String()
	if name == "UTC" || name == "" {
		return "UTC"
	}
	_, off := t.In(loc).Zone()
	return name + " (" + utcOffset(off) + ")"
}

// utcOffset formats an offset in seconds as "UTC+02:00" or "UTC−03:00".
func utcOffset(off int) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
}
