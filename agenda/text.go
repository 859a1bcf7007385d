package agenda

import (
	"encoding/json"
	"slices"
)

// Languages are the alliance's working languages (ISO 639-1), in the
// documented fallback order: English, French, Spanish, Arabic.
var Languages = []string{"en", "fr", "es", "ar"}

// KnownLanguage reports whether code is one of Languages.
func KnownLanguage(code string) bool { return slices.Contains(Languages, code) }

// Text is a string in several languages, keyed by ISO 639-1 code.
//
// In JSON it is an object ({"en": "Online", "fr": "En ligne"}); a plain
// string, as locations and speakers were before they had languages (in
// stored data and from older API clients), is read as English, the first
// language of the fallback order.
type Text map[string]string

// PlainLanguage is the language a plain JSON string is read as (see Text).
const PlainLanguage = "en"

// UnmarshalJSON reads an object of languages, or a plain string (see Text).
func (t *Text) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text{}
		if s != "" {
			(*t)[PlainLanguage] = s
		}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// In returns the text in lang, falling back first to English, then French,
// Spanish and Arabic, then to any language present. The second result is
// the language actually returned.
func (t Text) In(lang string) (string, string) {
	if s := t[lang]; s != "" {
		return s, lang
	}
	for _, l := range Languages {
		if s := t[l]; s != "" {
			return s, l
		}
	}
	for l, s := range t {
		if s != "" {
			return s, l
		}
	}
	return "", ""
}

// Get is In without the language.
func (t Text) Get(lang string) string { s, _ := t.In(lang); return s }

// Clone returns a copy of t.
func (t Text) Clone() Text {
	if t == nil {
		return nil
	}
	c := make(Text, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}
