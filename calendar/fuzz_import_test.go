package calendar_test

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// FuzzImport feeds arbitrary bytes to the importer, as a hostile or
// broken regional calendar would: it never panics, stays within its
// limits, and everything it returns is an event majlis can store (times
// in order and in the window, a UID, texts within their limits and valid
// UTF-8). Seeds: testdata/fuzz/FuzzImport and the calendars of the tests.
func FuzzImport(f *testing.F) {
	f.Add([]byte(recurring))
	f.Add([]byte(network(3, "REFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n")))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270301T090000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:y\r\nDTSTART;VALUE=DATE:20270301\r\nRRULE:FREQ=DAILY;UNTIL=20270310\r\nEXDATE;VALUE=DATE:20270302,20270303\r\nRDATE;VALUE=DATE:20270320\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	zone, _ := time.LoadLocation("Australia/Sydney")
	cfg := calendar.ParseConfig{Zone: zone, From: t0, To: t0.AddDate(1, 0, 0), MaxEvents: 500}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := calendar.Parse(data, cfg)
		if err != nil {
			return
		}
		if len(got.Events) > cfg.MaxEvents || len(got.Warnings) > 20 {
			t.Fatalf("%d events, %d warnings", len(got.Events), len(got.Warnings))
		}
		for _, e := range got.Events {
			if e.Origin == nil || e.Origin.UID == "" || len(e.Origin.UID) > calendar.MaxUIDLength {
				t.Fatalf("event without a usable UID: %+v", e.Origin)
			}
			if !e.End.After(e.Start) || e.End.Sub(e.Start) > agenda.MaxEventDuration || !e.End.After(cfg.From) || !e.Start.Before(cfg.To) {
				t.Fatalf("event %q: %v–%v", e.Origin.UID, e.Start, e.End)
			}
			if _, err := time.LoadLocation(e.TimeZone); err != nil {
				t.Fatalf("event %q: zone %q: %v", e.Origin.UID, e.TimeZone, err)
			}
			for _, texts := range []agenda.Text{e.Title, e.Description} {
				for lang, s := range texts {
					if !utf8.ValidString(s) || utf8.RuneCountInString(s) > agenda.MaxDescriptionRunes || lang == "" {
						t.Fatalf("event %q: text %q: %q", e.Origin.UID, lang, s)
					}
				}
			}
			if e.Visibility == agenda.VisibilityConfidential {
				t.Fatalf("a confidential event was imported")
			}
		}
	})
}
