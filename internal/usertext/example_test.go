package usertext_test

import (
	"fmt"

	"github.com/majlis/majlis/internal/usertext"
)

func Example() {
	// An API field: normalise, then refuse what the rule forbids.
	title := usertext.Normalize("Invoice \u202egnp.exe\r\n")
	fmt.Println(usertext.Problem(title, usertext.Line, 300))
	// A description from a Windows client: CR LF becomes LF.
	fmt.Printf("%q\n", usertext.Normalize("Line one\r\nline two"))
	// A display name nobody can be asked to correct: cleaned.
	fmt.Printf("%q\n", usertext.Clean("Eve \u202egnp.exe\n(host)", usertext.Line))
	// Output:
	// contains U+202E, a bidirectional override or isolate that can disguise text (the marks U+200E and U+200F are allowed)
	// "Line one\nline two"
	// "Eve gnp.exe (host)"
}
