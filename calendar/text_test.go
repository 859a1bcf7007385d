package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/agenda"
)

// TestTextRule checks that texts written to a feed and read from a
// regional calendar follow internal/usertext: no bidirectional override
// or isolate (it could make a title show as something else in every
// subscriber's calendar), one LF per line break, NFC, and limits counted
// in characters; Arabic joiners, marks and emoji sequences survive.
func TestTextRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, given, want string
	}{
		{"override", "Invoice \u202egnp.exe", "Invoice gnp.exe"},
		{"isolates", "\u2067admin\u2069 meeting", "admin meeting"},
		{"embedding", "\u202bنص\u202c", "نص"},
		{"marks and joiners kept", "\u200fال\u200dعربية 2021\u200f", "\u200fال\u200dعربية 2021\u200f"},
		{"emoji sequence kept", "Family 👩\u200d👩\u200d👧", "Family 👩\u200d👩\u200d👧"},
		{"NFC", "Re\u0301union", "R\u00e9union"},
	}
	for _, tc := range tests {
		t.Run("feed/"+tc.name, func(t *testing.T) {
			t.Parallel()
			e := agenda.Event{ID: "text-rule", Kind: agenda.KindWebinar, Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic,
				Status: agenda.StatusPublished, TimeZone: "UTC", Start: time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC),
				End: time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC), Title: agenda.Text{"en": tc.given},
				Description: agenda.Text{"en": tc.given + "\r\n" + tc.given}, Location: agenda.Text{"en": tc.given}}
			cal, _ := decode(t, encode(t, Feed{Lang: "en", Events: []agenda.Event{e}}))
			ev := cal.Events()
			if len(ev) != 1 {
				t.Fatalf("%d events, want 1", len(ev))
			}
			for _, p := range []struct{ name, want string }{
				{ical.PropSummary, tc.want}, {ical.PropLocation, tc.want}, {ical.PropDescription, tc.want + "\n" + tc.want},
			} {
				if got := text(t, ev[0].Component, p.name); got != p.want {
					t.Errorf("%s = %q, want %q", p.name, got, p.want)
				}
			}
		})
		t.Run("import/"+tc.name, func(t *testing.T) {
			t.Parallel()
			esc := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`)
			data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:rule@ennhri\r\nDTSTAMP:20270101T000000Z\r\n" +
				"DTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\nSUMMARY:" + esc.Replace(tc.given) + "\r\n" +
				"DESCRIPTION:" + esc.Replace(tc.given) + `\n` + esc.Replace(tc.given) + "\r\nLOCATION:" + esc.Replace(tc.given) + "\r\n" +
				"END:VEVENT\r\nEND:VCALENDAR\r\n"
			got, err := Parse([]byte(data), ParseConfig{Zone: time.UTC, From: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil || len(got.Events) != 1 {
				t.Fatalf("Parse: %v, %d events", err, len(got.Events))
			}
			e := got.Events[0]
			if s := e.Title.Get("en"); s != tc.want {
				t.Errorf("title %q, want %q", s, tc.want)
			}
			if s := e.Description.Get("en"); s != tc.want+"\n"+tc.want {
				t.Errorf("description %q, want %q", s, tc.want+"\n"+tc.want)
			}
			if s := e.Location.Get("en"); s != tc.want {
				t.Errorf("location %q, want %q", s, tc.want)
			}
		})
	}
}

// TestImportClipsByCharacters checks that an imported title too long for
// majlis is cut by characters, never inside an emoji sequence or between
// an Arabic letter and its vowel mark.
func TestImportClipsByCharacters(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ع", agenda.MaxTitleRunes-2) + "👩\u200d👩\u200d👧 and more"
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:long@ennhri\r\nDTSTAMP:20270101T000000Z\r\n" +
		"DTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\nSUMMARY:" + long + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	got, err := Parse([]byte(data), ParseConfig{Zone: time.UTC, From: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(got.Events) != 1 {
		t.Fatalf("Parse: %v", err)
	}
	want := strings.Repeat("ع", agenda.MaxTitleRunes-2) + "…"
	if s := got.Events[0].Title.Get("en"); s != want {
		t.Fatalf("title ends %q, want %q", s[len(s)-20:], want[len(want)-20:])
	}
}
