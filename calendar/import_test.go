package calendar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// recurring is a regional calendar as Thunderbird or Outlook write them:
// a weekly meeting in Brussels across the end of March (when Europe moves
// to summer time) with one week skipped (EXDATE) and one moved
// (RECURRENCE-ID), a floating event, an all-day event, Windows and unknown
// zone names, a confidential event and a cancelled one.
const recurring = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:weekly@ennhri\r\nDTSTAMP:20270101T000000Z\r\n" +
	"DTSTART;TZID=Europe/Brussels:20270315T090000\r\nDTEND;TZID=Europe/Brussels:20270315T100000\r\n" +
	"RRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE;TZID=Europe/Brussels:20270322T090000\r\n" +
	"SUMMARY;LANGUAGE=fr:Réunion hebdomadaire\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:weekly@ennhri\r\nDTSTAMP:20270101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Brussels:20270405T090000\r\n" +
	"DTSTART;TZID=Europe/Brussels:20270405T140000\r\nDTEND;TZID=Europe/Brussels:20270405T150000\r\n" +
	"SUMMARY;LANGUAGE=fr:Réunion hebdomadaire (après-midi)\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:floating@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270301T100000\r\nDURATION:PT90M\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:allday@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;VALUE=DATE:20270310\r\nDTEND;VALUE=DATE:20270312\r\nSUMMARY:Two days\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:windows@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;TZID=W. Europe Standard Time:20270301T090000\r\nDTEND;TZID=W. Europe Standard Time:20270301T100000\r\nSUMMARY:Outlook\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:unknown-zone@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;TZID=Mars/Olympus:20270301T090000\r\nDTEND;TZID=Mars/Olympus:20270301T100000\r\nSUMMARY:Mars\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:secret@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\nCLASS:CONFIDENTIAL\r\nSUMMARY:Reprisals case\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:cancelled@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270302T090000Z\r\nDTEND:20270302T100000Z\r\nSTATUS:CANCELLED\r\nSUMMARY:Off\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:old@ennhri\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20200302T090000Z\r\nDTEND:20200302T100000Z\r\nSUMMARY:Long ago\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestParseRecurrencesZonesAndAllDay(t *testing.T) {
	t.Parallel()
	nairobi, _ := time.LoadLocation("Africa/Nairobi")
	got, err := calendar.Parse([]byte(recurring), calendar.ParseConfig{Zone: nairobi, From: t0, To: t0.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	type want struct {
		key, title, zone string
		start, end       time.Time
		allDay           bool
		status           agenda.Status
	}
	tests := []want{
		// Brussels is UTC+1 until 28 March 2027, then UTC+2: 09:00 local stays 09:00.
		{"weekly@ennhri#2027-03-15T08:00:00Z", "Réunion hebdomadaire", "Europe/Brussels", utc("2027-03-15T08:00:00Z"), utc("2027-03-15T09:00:00Z"), false, agenda.StatusPublished},
		{"weekly@ennhri#2027-03-29T07:00:00Z", "Réunion hebdomadaire", "Europe/Brussels", utc("2027-03-29T07:00:00Z"), utc("2027-03-29T08:00:00Z"), false, agenda.StatusPublished},
		{"weekly@ennhri#2027-04-05T07:00:00Z", "Réunion hebdomadaire (après-midi)", "Europe/Brussels", utc("2027-04-05T12:00:00Z"), utc("2027-04-05T13:00:00Z"), false, agenda.StatusPublished},
		{"weekly@ennhri#2027-04-12T07:00:00Z", "Réunion hebdomadaire", "Europe/Brussels", utc("2027-04-12T07:00:00Z"), utc("2027-04-12T08:00:00Z"), false, agenda.StatusPublished},
		// Floating: read in the region's zone (Nairobi, UTC+3).
		{"floating@ennhri", "Floating", "Africa/Nairobi", utc("2027-03-01T07:00:00Z"), utc("2027-03-01T08:30:00Z"), false, agenda.StatusPublished},
		{"allday@ennhri", "Two days", "Africa/Nairobi", utc("2027-03-09T21:00:00Z"), utc("2027-03-11T21:00:00Z"), true, agenda.StatusPublished},
		{"windows@ennhri", "Outlook", "Europe/Berlin", utc("2027-03-01T08:00:00Z"), utc("2027-03-01T09:00:00Z"), false, agenda.StatusPublished},
		{"unknown-zone@ennhri", "Mars", "Africa/Nairobi", utc("2027-03-01T06:00:00Z"), utc("2027-03-01T07:00:00Z"), false, agenda.StatusPublished},
		{"cancelled@ennhri", "Off", "UTC", utc("2027-03-02T09:00:00Z"), utc("2027-03-02T10:00:00Z"), false, agenda.StatusCancelled},
	}
	byKey := map[string]agenda.Event{}
	for _, e := range got.Events {
		k := e.Origin.UID
		if e.Origin.RecurrenceID != "" {
			k += "#" + e.Origin.RecurrenceID
		}
		byKey[k] = e
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			e, ok := byKey[tc.key]
			if !ok {
				t.Fatalf("missing; got %v", keysOf(byKey))
			}
			title, _ := e.Title.In("en")
			if title != tc.title || e.TimeZone != tc.zone || !e.Start.Equal(tc.start) || !e.End.Equal(tc.end) || e.AllDay != tc.allDay || e.Status != tc.status {
				t.Fatalf("got %q %s %v–%v all-day %v %s\nwant %q %s %v–%v all-day %v %s", title, e.TimeZone, e.Start, e.End, e.AllDay, e.Status,
					tc.title, tc.zone, tc.start, tc.end, tc.allDay, tc.status)
			}
		})
	}
	if len(got.Events) != len(tests) {
		t.Errorf("%d events, want %d (no EXDATE'd week, no confidential or out-of-window event): %v", len(got.Events), len(tests), keysOf(byKey))
	}
	if e := byKey["weekly@ennhri#2027-03-15T08:00:00Z"]; e.Title["fr"] == "" {
		t.Errorf("LANGUAGE=fr not kept: %v", e.Title)
	}
	if !slices.ContainsFunc(got.Warnings, func(w string) bool { return strings.Contains(w, "Mars/Olympus") }) {
		t.Errorf("no warning for the unknown zone: %v", got.Warnings)
	}
}

func TestParseRefusesWhatIsNotOneCalendar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		given  string
		expect error
	}{
		{"empty", "", calendar.ErrMalformed},
		{"html", "<html><body>maintenance</body></html>", calendar.ErrMalformed},
		{"unterminated", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", calendar.ErrMalformed},
		{"two calendars", vcalendar("") + vcalendar(""), calendar.ErrMalformed},
		{"too many events", network(30, ""), calendar.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := calendar.Parse([]byte(tc.given), calendar.ParseConfig{From: t0, To: t0.AddDate(2, 0, 0), MaxEvents: 20})
			if !errors.Is(err, tc.expect) {
				t.Fatalf("got %v, want %v", err, tc.expect)
			}
		})
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
