package registration_test

import (
	"fmt"
	"time"

	"github.com/majlis/majlis/registration"
)

func ExampleFormatWhen() {
	start := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	for _, lang := range []string{"en", "fr", "es", "ar"} {
		fmt.Println(registration.FormatWhen(start, end, "Europe/Brussels", lang))
	}
	// Output:
	// Thursday 1 July 2021, 16:30–18:00 (Europe/Brussels, UTC+02:00)
	// jeudi 1er juillet 2021, 16 h 30–18 h 00 (Europe/Brussels, UTC+02:00)
	// jueves 1 de julio de 2021, 16:30–18:00 (Europe/Brussels, UTC+02:00)
	// الخميس 1 يوليو 2021، 16:30–18:00 (Europe/Brussels، UTC+02:00)
}

func ExampleSafeCell() {
	fmt.Println(registration.SafeCell("=HYPERLINK(\"http://evil.example\")"))
	fmt.Println(registration.SafeCell("Amina"))
	// Output:
	// '=HYPERLINK("http://evil.example")
	// Amina
}
