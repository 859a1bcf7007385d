package usertext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Form is the shape of a field: one line, or several.
type Form uint8

const (
	// Line is a one-line text: a display name, a title, a location, a
	// speaker's name. No line break and no tab.
	Line Form = iota
	// Block is a text of several lines: a description, a chat message, a
	// caption. LF and TAB are allowed.
	Block
)

// Len is the length of s in characters (runes): the unit of every limit.
func Len(s string) int { return utf8.RuneCountInString(s) }

// Normalize returns s in the form majlis stores and compares: invalid
// UTF-8 replaced by U+FFFD (one a run), every line break (CR LF, CR, NEL, LS, PS)
// written as LF, NFC, surrounding white space trimmed. It changes nothing a
// reader can see and removes nothing; Problem and Clean deal with what the
// rule forbids.
func Normalize(s string) string {
	if plainASCII(s, true) || (utf8.ValidString(s) && !strings.ContainsAny(s, "\r\u0085\u2028\u2029") && norm.NFC.IsNormalString(s)) {
		return strings.TrimSpace(s)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsAny(s, "\r\u0085\u2028\u2029") {
		var b strings.Builder
		b.Grow(len(s))
		for i, r := range s {
			switch r {
			case '\r':
				if i+1 < len(s) && s[i+1] == '\n' {
					continue // the LF that follows is the line break
				}
				b.WriteByte('\n')
			case '\u0085', '\u2028', '\u2029':
				b.WriteByte('\n')
			default:
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	return strings.TrimSpace(norm.NFC.String(s))
}

// Problem returns why s cannot be stored in a field of form f that holds at
// most max characters, or "" when it can. The reason is written for the
// person who sent s (it ends up in an HTTP 422's fields). s should be
// Normalize'd first: Problem judges the text as given, so a CR LF counts as
// a line break, and invalid UTF-8 is refused.
func Problem(s string, f Form, max int) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	if n := Len(s); n > max {
		return fmt.Sprintf("too long: %d characters, at most %d", n, max)
	}
	if plainASCII(s, f == Block) {
		return ""
	}
	for _, r := range s {
		if Allowed(r, f) {
			continue
		}
		switch {
		case lineBreak(r):
			return "one line only: no line breaks"
		case r == '\t':
			return "no tabs: use spaces"
		case bidiControl(r):
			return fmt.Sprintf("contains U+%04X, a bidirectional override or isolate that can disguise text (the marks U+200E and U+200F are allowed)", r)
		default:
			return fmt.Sprintf("contains the control character U+%04X", r)
		}
	}
	return ""
}

// Allowed reports whether the rule lets r stand in a text of form f: not a
// control character or a bidirectional embedding, override or isolate,
// and in a Line not a line break or a tab either. (Normalize writes every
// line break as LF; Allowed accepts any of them in a Block.)
func Allowed(r rune, f Form) bool {
	switch {
	case lineBreak(r) || r == '\t':
		return f == Block
	case unicode.IsControl(r), bidiControl(r):
		return false
	}
	return true
}

// Clean returns s made acceptable in form f, for text that nobody can be
// asked to correct: Normalize, then control characters and bidirectional
// embeddings, overrides and isolates removed; in a Line, every run of
// spaces, tabs and line breaks becomes one space. It does not shorten s
// (see Truncate). Problem(Clean(s, f), f, Len(Clean(s, f))) is always "".
func Clean(s string, f Form) string {
	if accepted(s, f) {
		return strings.TrimSpace(s)
	}
	s = Normalize(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false // in a Line, the last rune written was a space
	for _, r := range s {
		switch {
		case f == Line && (r == ' ' || r == '\t' || r == '\n'):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case r == '\t' || r == '\n':
		case unicode.IsControl(r), bidiControl(r):
			continue
		}
		b.WriteRune(r)
		space = false
	}
	// Removing a character may have left two runes that compose, or
	// space at either end.
	return strings.TrimSpace(norm.NFC.String(b.String()))
}

// Truncate returns s cut to at most max characters, ending in "…" when
// anything was cut. It never cuts between a character and the combining
// marks, joiners, variation selectors or emoji modifiers that belong to it,
// so an Arabic letter keeps its vowel marks and an emoji sequence is kept
// whole or dropped whole.
func Truncate(s string, max int) string {
	if Len(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	r := []rune(s)[:max] // the last one gives way to "…"
	cut := max - 1
	for cut > 0 && (attached(r[cut]) || r[cut-1] == '\u200d') {
		cut--
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace) + "…"
}

// attached reports whether r belongs to the character before it.
func attached(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) ||
		r == '\u200d' || // ZERO WIDTH JOINER
		(r >= '\ufe00' && r <= '\ufe0f') || (r >= 0xe0100 && r <= 0xe01ef) || // variation selectors
		(r >= 0x1f3fb && r <= 0x1f3ff) || // emoji skin-tone modifiers
		(r >= 0xe0020 && r <= 0xe007f) // emoji tag sequences (flags of England, Scotland, Wales)
}

// lineBreak reports whether r ends a line (Normalize writes each as LF).
func lineBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
}

// bidiControl reports whether r is one of the bidirectional embeddings,
// overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI).
func bidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// accepted reports whether Clean(s, f) is s trimmed: the fast path for
// text that is already clean (almost all of it).
func accepted(s string, f Form) bool {
	if plainASCII(s, f == Block) {
		return f == Block || !strings.Contains(s, "  ")
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && !(f == Block && (c == '\n' || c == '\t'))) || c == 0x7f || (f == Line && c == ' ' && i+1 < len(s) && s[i+1] == ' ') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || lineBreak(r) || unicode.IsControl(r) || bidiControl(r) {
			return false
		}
		i += size
	}
	return norm.NFC.IsNormalString(s)
}

// plainASCII reports whether s is printable ASCII (plus LF and TAB when
// multiline): text every rule accepts as it is, save trimming.
func plainASCII(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if multiline && (c == '\n' || c == '\t') {
			continue
		}
		return false
	}
	return true
}

// CSVCell returns c with a leading apostrophe if a spreadsheet would read
// it as a formula (it starts with =, +, -, @, a tab or a carriage return),
// so that text a person typed never runs in the spreadsheet of whoever
// opens an export; otherwise c unchanged.
func CSVCell(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}
