package ballot_test

import (
	"strings"
	"testing"

	"github.com/majlis/majlis/ballot"
)

// FuzzNormalizeReceipt: a code typed by a voter is outside input. Any
// input is refused or normalised to the printed form, which normalises to
// itself; never a panic.
func FuzzNormalizeReceipt(f *testing.F) {
	f.Add("ABCD-EFGH-IJKL-MNOP-QRST-UVWX")
	f.Add("abcd efgh ijkl mnop qrst uvwx")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := ballot.NormalizeReceipt(s)
		if !ok {
			if code != "" {
				t.Fatalf("refused %q but returned %q", s, code)
			}
			return
		}
		if len(code) != 29 || strings.Count(code, "-") != 5 || code != strings.ToUpper(code) {
			t.Fatalf("%q normalised to %q", s, code)
		}
		if again, ok := ballot.NormalizeReceipt(code); !ok || again != code {
			t.Fatalf("%q does not normalise to itself: %q", code, again)
		}
	})
}
