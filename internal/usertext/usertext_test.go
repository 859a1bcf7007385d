package usertext_test

import (
	"strings"
	"testing"

	"github.com/majlis/majlis/internal/usertext"
)

// Tricky inputs, shared by the tests below.
const (
	arabicZWJ   = "ال\u200dعربية"   // a joiner inside an Arabic word
	arabicZWNJ  = "می\u200cخواهم"   // Persian: a non-joiner inside a word
	family      = "👩\u200d👩\u200d👧" // an emoji ZWJ sequence
	thumbsTone  = "👍🏽"              // an emoji with a skin-tone modifier
	scotland    = "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
	decomposed  = "Cafe\u0301 de Gene\u0300ve" // e + COMBINING ACUTE: NFC makes é
	composed    = "Caf\u00e9 de Gen\u00e8ve"
	arabicMarks = "مُحَمَّد"                      // Arabic letters with vowel marks
	rlm         = "\u200fمرحبا Majlis\u200f 2021" // RLM is legitimate in Arabic text
	spoof       = "invoice\u202egnp.exe"          // RLO: shows as "invoiceexe.png"
	isolate     = "\u2067admin\u2069 (organizer)" // RLI … PDI
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, given, want string
	}{
		{"plain", "  Annual meeting ", "Annual meeting"},
		{"CRLF becomes LF", "line one\r\nline two\r\n", "line one\nline two"},
		{"lone CR becomes LF", "one\rtwo", "one\ntwo"},
		{"CR CR LF is two breaks", "one\r\r\ntwo", "one\n\ntwo"},
		{"NEL, LS and PS become LF", "a\u0085b\u2028c\u2029d", "a\nb\nc\nd"},
		{"NFC", decomposed, composed},
		{"invalid UTF-8, one U+FFFD a run", "ok\xff\xfebad", "ok\uFFFDbad"},
		{"keeps what Problem refuses", "a\x00b" + spoof, "a\x00b" + spoof},
		{"Arabic joiners survive", arabicZWJ + " " + arabicZWNJ, arabicZWJ + " " + arabicZWNJ},
		{"emoji survive", family + thumbsTone + scotland, family + thumbsTone + scotland},
		{"marks survive", rlm, rlm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := usertext.Normalize(tc.given); got != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.given, got, tc.want)
			}
		})
	}
}

func TestProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		given string
		form  usertext.Form
		max   int
		want  string // a part of the reason; "" for none
	}{
		{"plain line", "Annual meeting 2021", usertext.Line, 300, ""},
		{"Arabic with marks and joiners", arabicMarks + " " + arabicZWJ + " " + rlm, usertext.Line, 300, ""},
		{"emoji sequences", family + thumbsTone + scotland, usertext.Line, 300, ""},
		{"line break in a line", "a\nBEGIN:VEVENT", usertext.Line, 300, "one line only"},
		{"CRLF in a line", "a\r\nb", usertext.Line, 300, "one line only"},
		{"LS in a line", "a\u2028b", usertext.Line, 300, "one line only"},
		{"tab in a line", "a\tb", usertext.Line, 300, "no tabs"},
		{"line breaks and tabs in a block", "a\n\tb\nc", usertext.Block, 300, ""},
		{"NUL", "a\x00b", usertext.Block, 300, "U+0000"},
		{"ESC", "a\x1b[31mred", usertext.Line, 300, "U+001B"},
		{"DEL", "a\x7f", usertext.Line, 300, "U+007F"},
		{"C1", "a\u009bb", usertext.Block, 300, "U+009B"},
		{"RLO spoofing", spoof, usertext.Line, 300, "U+202E"},
		{"isolate", isolate, usertext.Block, 300, "U+2067"},
		{"LRE", "\u202aabc\u202c", usertext.Line, 300, "U+202A"},
		{"invalid UTF-8", "ok\xffbad", usertext.Line, 300, "UTF-8"},
		{"length is in characters, not bytes", strings.Repeat("ع", 300), usertext.Line, 300, ""},
		{"one character too many", strings.Repeat("ع", 301), usertext.Line, 300, "301 characters, at most 300"},
		{"emoji count as characters", strings.Repeat("🎤", 10), usertext.Line, 10, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := usertext.Problem(tc.given, tc.form, tc.max)
			if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("Problem(%q) = %q, want %q", tc.given, got, tc.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		given string
		form  usertext.Form
		want  string
	}{
		{"plain", "  hello  ", usertext.Line, "hello"},
		{"runs of space in a line", "Ali   Hassan", usertext.Line, "Ali Hassan"},
		{"line breaks and tabs in a line", "a\r\nb\tc\n\nd", usertext.Line, "a b c d"},
		{"line breaks in a block", "  a\r\nb\rc\n\n\td  \n", usertext.Block, "a\nb\nc\n\n\td"},
		{"controls dropped", "a\x00b\x1bc\x7fd\u0085e", usertext.Block, "abcd\ne"},
		{"RLO dropped", spoof, usertext.Line, "invoicegnp.exe"},
		{"isolates dropped", isolate, usertext.Line, "admin (organizer)"},
		{"all nine bidi controls dropped", "\u202a\u202b\u202c\u202d\u202ex\u2066\u2067\u2068\u2069", usertext.Line, "x"},
		{"marks kept", rlm, usertext.Line, rlm},
		{"Arabic joiners kept", arabicZWJ + " " + arabicZWNJ, usertext.Line, arabicZWJ + " " + arabicZWNJ},
		{"emoji kept", family + " " + thumbsTone + " " + scotland, usertext.Block, family + " " + thumbsTone + " " + scotland},
		{"combining marks kept and composed", decomposed, usertext.Line, composed},
		{"composes across a dropped control", "e\x00\u0301", usertext.Line, "\u00e9"},
		{"invalid UTF-8", "\xffbad", usertext.Line, "\uFFFDbad"},
		{"only controls", "\x00\u202e\n", usertext.Line, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := usertext.Clean(tc.given, tc.form)
			if got != tc.want {
				t.Fatalf("Clean(%q) = %q, want %q", tc.given, got, tc.want)
			}
			if p := usertext.Problem(got, tc.form, usertext.Len(got)); p != "" {
				t.Fatalf("Problem(Clean(%q)) = %q, want none", tc.given, p)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		given string
		max   int
		want  string
	}{
		{"short enough", "hello", 5, "hello"},
		{"cut", "hello world", 6, "hello…"},
		{"no space before the ellipsis", "hello world", 7, "hello…"},
		{"Arabic by characters", "مرحبا بكم", 4, "مرح…"},
		{"vowel marks stay with their letter", "مُحَمَّد", 4, "مُ…"},
		{"emoji sequence kept whole or dropped", "ab" + family, 4, "ab…"},
		{"skin tone stays with its emoji", "a" + thumbsTone + "bc", 3, "a…"},
		{"zero", "hello", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := usertext.Truncate(tc.given, tc.max)
			if got != tc.want {
				t.Fatalf("Truncate(%q, %d) = %q, want %q", tc.given, tc.max, got, tc.want)
			}
			if usertext.Len(got) > tc.max {
				t.Fatalf("Truncate(%q, %d) = %q: %d characters", tc.given, tc.max, got, usertext.Len(got))
			}
		})
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "a\r\nb", spoof, isolate, family, decomposed, "\xff\x00\u2028", arabicMarks} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, form := range []usertext.Form{usertext.Line, usertext.Block} {
			c := usertext.Clean(s, form)
			if p := usertext.Problem(c, form, usertext.Len(c)); p != "" {
				t.Fatalf("Problem(Clean(%q, %d)) = %q", s, form, p)
			}
			if again := usertext.Clean(c, form); again != c {
				t.Fatalf("Clean is not idempotent on %q: %q then %q", s, c, again)
			}
			if n := usertext.Normalize(c); n != c {
				t.Fatalf("Clean(%q) = %q is not normalised: %q", s, c, n)
			}
		}
	})
}

// BenchmarkClean measures the common case: text that is already clean, as
// every stored text is when a feed is written.
func BenchmarkClean(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"ascii", "Protecting and promoting human rights defenders and civic space: consultation on the Global Action Plan"},
		{"arabic", "حماية المدافعين عن حقوق الإنسان والفضاء المدني وتعزيزهم: مشاورة بشأن خطة العمل العالمية"},
		{"dirty", "Line one\r\nline two \u202eevil\x00"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				usertext.Clean(bc.text, usertext.Block)
			}
		})
	}
}
