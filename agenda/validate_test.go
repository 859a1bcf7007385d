package agenda_test

import (
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
)

// TestUserTextRule checks that every user text of an event, an agenda and
// a series follows internal/usertext: what a reader cannot tell apart is
// stored in one form (CR LF from Windows clients becomes LF, NFC), and
// what can disguise text is refused with the field named.
func TestUserTextRule(t *testing.T) {
	t.Parallel()
	const rlo = "\u202e" // RIGHT-TO-LEFT OVERRIDE
	tests := []struct {
		name   string
		event  func(e *agenda.Event)
		items  func(it *agenda.Item)
		field  string                                 // the refused field; "" if accepted
		stored func(agenda.Event, agenda.Item) string // what was stored, when accepted
		want   string
	}{
		{name: "CRLF in a description", event: func(e *agenda.Event) { e.Description = agenda.Text{"en": "Line one\r\nline two\rline three\r\n"} },
			stored: func(e agenda.Event, _ agenda.Item) string { return e.Description["en"] }, want: "Line one\nline two\nline three"},
		{name: "title in NFC", event: func(e *agenda.Event) { e.Title = agenda.Text{"fr": "  Re\u0301union de Gene\u0300ve "} },
			stored: func(e agenda.Event, _ agenda.Item) string { return e.Title["fr"] }, want: "R\u00e9union de Gen\u00e8ve"},
		{name: "Arabic title with a joiner and marks", event: func(e *agenda.Event) {
			e.Title = agenda.Text{"ar": "\u200fالاجتماع ال\u200dسنوي 2021\u200f"}
		},
			stored: func(e agenda.Event, _ agenda.Item) string { return e.Title["ar"] }, want: "\u200fالاجتماع ال\u200dسنوي 2021\u200f"},
		{name: "length in characters after NFC", event: func(e *agenda.Event) {
			e.Location = agenda.Text{"en": strings.Repeat("e\u0301", agenda.MaxLocationRunes)}
		},
			stored: func(e agenda.Event, _ agenda.Item) string { return e.Location["en"] }, want: strings.Repeat("\u00e9", agenda.MaxLocationRunes)},
		{name: "bidi override in a title", event: func(e *agenda.Event) { e.Title = agenda.Text{"en": "Report " + rlo + "fdp.exe"} }, field: "title.en"},
		{name: "bidi isolate in a title", event: func(e *agenda.Event) { e.Title = agenda.Text{"ar": "\u2067تقرير\u2069"} }, field: "title.ar"},
		{name: "bidi override in a description", event: func(e *agenda.Event) { e.Description = agenda.Text{"en": "a" + rlo} }, field: "description.en"},
		{name: "bidi override in a location", event: func(e *agenda.Event) { e.Location = agenda.Text{"en": "Geneva " + rlo + "evil"} }, field: "location.en"},
		{name: "line break in a location", event: func(e *agenda.Event) { e.Location = agenda.Text{"en": "Geneva\r\nRoom XX"} }, field: "location.en"},
		{name: "NUL in a description", event: func(e *agenda.Event) { e.Description = agenda.Text{"en": "a\x00b"} }, field: "description.en"},
		{name: "bidi override in an item title", items: func(it *agenda.Item) { it.Title = agenda.Text{"en": rlo + "Opening"} }, field: "items[0].title.en"},
		{name: "bidi override in a speaker's name", items: func(it *agenda.Item) { it.Speakers = []agenda.Text{{"en": "Ana"}, {"en": "Ali " + rlo}} }, field: "items[0].speakers[1].en"},
		{name: "speaker's name in NFC", items: func(it *agenda.Item) { it.Speakers = []agenda.Text{{"es": " Jose\u0301 "}} },
			stored: func(_ agenda.Event, it agenda.Item) string { return it.Speakers[0]["es"] }, want: "Jos\u00e9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := newService(t)
			e := meeting()
			if tc.event != nil {
				tc.event(&e)
			}
			it := item("a-1", hhmm(8, 0), 10)
			if tc.items != nil {
				tc.items(&it)
			}
			got, ag, err := svc.CreateEvent(ctx, e, []agenda.Item{it})
			if tc.field != "" {
				if f := fieldsOf(t, err); f[tc.field] == "" {
					t.Fatalf("want an error on %q, got %v", tc.field, f)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if s := tc.stored(got, ag.Items[0]); s != tc.want {
				t.Fatalf("stored %q, want %q", s, tc.want)
			}
		})
	}
}

// TestSeriesTextRule checks the same rule on a series' texts.
func TestSeriesTextRule(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	_, err := svc.PutSeries(ctx, agenda.Series{ID: "am-series", Title: agenda.Text{"en": "Annual \u202emeeting"}}, 0)
	if f := fieldsOf(t, err); f["title.en"] == "" {
		t.Fatalf("want an error on title.en, got %v", f)
	}
	ser, err := svc.PutSeries(ctx, agenda.Series{ID: "am-series", Title: agenda.Text{"fr": " Re\u0301union "}}, 0)
	if err != nil || ser.Title["fr"] != "R\u00e9union" {
		t.Fatalf("got %q, %v; want the title in NFC, trimmed", ser.Title["fr"], err)
	}
}

// TestConferenceAddress checks the video meeting address in agenda's one
// validation place: https only, a host, no credentials, a length limit,
// and a change bumps SEQUENCE (calendars must learn the new address).
func TestConferenceAddress(t *testing.T) {
	t.Parallel()
	long := "https://meet.example.org/" + strings.Repeat("a", agenda.MaxConferenceBytes)
	tests := []struct {
		name, url string
		ok        bool
	}{
		{name: "https", url: "https://meet.example.org/j/123?pwd=x", ok: true},
		{name: "none", url: "", ok: true},
		{name: "http", url: "http://meet.example.org/j/123"},
		{name: "javascript", url: "javascript:alert(1)"},
		{name: "no host", url: "https:///j/123"},
		{name: "relative", url: "/j/123"},
		{name: "space inside", url: "https://meet.example.org/j 123"},
		{name: "credentials", url: "https://user:secret@meet.example.org/"},
		{name: "too long", url: long},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := newService(t)
			e := meeting()
			e.Conference = tc.url
			got, _, err := svc.CreateEvent(ctx, e, nil)
			if !tc.ok {
				if f := fieldsOf(t, err); f["conference"] == "" {
					t.Fatalf("want an error on conference, got %v", f)
				}
				return
			}
			if err != nil || got.Conference != tc.url {
				t.Fatalf("got %q, %v", got.Conference, err)
			}
		})
	}
	svc, _ := newService(t)
	e, _, err := svc.CreateEvent(ctx, meeting(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Conference = "https://meet.example.org/new"
	got, err := svc.UpdateEvent(ctx, e, 0)
	if err != nil || got.Sequence != e.Sequence+1 {
		t.Fatalf("sequence %d after a new address (was %d), %v", got.Sequence, e.Sequence, err)
	}
}

// TestShiftWarning: an event's shift warning is 10 to 90 minutes, or 0
// for the default of 30; it is stored, and is no change for calendars.
func TestShiftWarning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		minutes  int
		ok       bool
		inEffect int
	}{
		{name: "unset", minutes: 0, ok: true, inEffect: agenda.DefaultShiftWarning},
		{name: "lowest", minutes: agenda.MinShiftWarning, ok: true, inEffect: 10},
		{name: "highest", minutes: agenda.MaxShiftWarning, ok: true, inEffect: 90},
		{name: "too short", minutes: 9},
		{name: "too long", minutes: 91},
		{name: "negative", minutes: -30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := newService(t)
			e := meeting()
			e.Interpretation.ShiftWarning = tc.minutes
			got, _, err := svc.CreateEvent(ctx, e, nil)
			if !tc.ok {
				if f := fieldsOf(t, err); f["interpretation.shift_warning"] == "" {
					t.Fatalf("want an error on interpretation.shift_warning, got %v", f)
				}
				return
			}
			if err != nil || got.Interpretation.ShiftWarningMinutes() != tc.inEffect {
				t.Fatalf("got %+v, %v", got.Interpretation, err)
			}
		})
	}
	svc, _ := newService(t)
	e, _, err := svc.CreateEvent(ctx, meeting(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Interpretation.ShiftWarning = 45
	got, err := svc.UpdateEvent(ctx, e, 0)
	if err != nil || got.Interpretation.ShiftWarning != 45 || got.Sequence != e.Sequence {
		t.Fatalf("after a new shift warning: %+v sequence %d (was %d), %v", got.Interpretation, got.Sequence, e.Sequence, err)
	}
}
