package calendar

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// parseOffset reads a UTC-OFFSET (RFC 5545 §3.3.14) as seconds.
func parseOffset(t *testing.T, s string) int {
	t.Helper()
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		t.Fatalf("bad UTC-OFFSET %q", s)
	}
	n := func(i int) int {
		v, err := strconv.Atoi(s[i : i+2])
		if err != nil {
			t.Fatalf("bad UTC-OFFSET %q", s)
		}
		return v
	}
	sec := n(1)*3600 + n(3)*60
	if len(s) == 7 {
		sec += n(5)
	}
	if s[0] == '-' {
		sec = -sec
	}
	return sec
}

type onset struct {
	at     time.Time
	offset int
	dst    bool
}

// onsets evaluates a VTIMEZONE the way RFC 5545 §3.6.5 defines it,
// independently of the code that wrote it: every observance's DTSTART,
// RRULE recurrences (expanded with rrule-go through go-ical) and RDATEs,
// each local onset read in its TZOFFSETFROM. It returns them up to until.
func onsets(t *testing.T, vtz *ical.Component, until time.Time) []onset {
	t.Helper()
	var out []onset
	for _, obs := range vtz.Children {
		from := parseOffset(t, obs.Props.Get(ical.PropTimezoneOffsetFrom).Value)
		to := parseOffset(t, obs.Props.Get(ical.PropTimezoneOffsetTo).Value)
		start, err := obs.Props.DateTime(ical.PropDateTimeStart, time.UTC)
		if err != nil {
			t.Fatalf("observance DTSTART: %v", err)
		}
		locals := []time.Time{start}
		set, err := obs.RecurrenceSet(time.UTC)
		if err != nil {
			t.Fatalf("observance RRULE: %v", err)
		}
		if set != nil {
			locals = set.Between(start, until.Add(48*time.Hour), true)
		}
		for _, rd := range obs.Props.Values(ical.PropRecurrenceDates) {
			l, err := rd.DateTime(time.UTC)
			if err != nil {
				t.Fatalf("observance RDATE: %v", err)
			}
			locals = append(locals, l)
		}
		for _, l := range locals {
			out = append(out, onset{at: l.Add(-time.Duration(from) * time.Second), offset: to, dst: obs.Name == ical.CompTimezoneDaylight})
		}
	}
	return out
}

// offsetAt is the TZOFFSETTO of the latest onset at or before at.
func offsetAt(t *testing.T, os []onset, at time.Time) int {
	t.Helper()
	var best *onset
	for i := range os {
		if !os[i].at.After(at) && (best == nil || os[i].at.After(best.at)) {
			best = &os[i]
		}
	}
	if best == nil {
		t.Fatalf("no observance in force at %s", at)
	}
	return best.offset
}

// TestVTimezoneMatchesZoneinfo checks, every three hours over the span
// and at every transition ±1s, that the generated VTIMEZONE gives the
// same offset as Go's zoneinfo: zones with regular DST in both
// hemispheres, zones whose rules changed (Mexico City 2022, Tehran 2022,
// Casablanca's Ramadan), odd offsets and fixed zones.
func TestVTimezoneMatchesZoneinfo(t *testing.T) {
	tests := []struct {
		zone     string
		from, to time.Time
		rrule    bool // expect the RRULE tail
	}{
		{"Europe/Zurich", date(2020, 7, 1), date(2022, 7, 1), true},
		{"Europe/Brussels", date(2025, 1, 27), date(2028, 1, 27), true},
		{"Australia/Sydney", date(2025, 12, 9), date(2027, 12, 9), true},
		{"America/New_York", date(2005, 1, 1), date(2009, 1, 1), true}, // US rules changed in 2007
		{"America/Mexico_City", date(2020, 7, 1), date(2027, 7, 1), false},
		{"America/Mexico_City", date(2019, 1, 1), date(2021, 12, 31), true},
		{"Asia/Tehran", date(2020, 1, 1), date(2024, 1, 1), false},
		{"Africa/Casablanca", date(2022, 1, 1), date(2025, 1, 1), false},
		{"Europe/Dublin", date(2024, 1, 1), date(2026, 1, 1), true},
		{"Pacific/Chatham", date(2024, 1, 1), date(2026, 1, 1), true},
		{"America/St_Johns", date(2024, 1, 1), date(2026, 1, 1), true},
		{"Asia/Kolkata", date(2024, 1, 1), date(2026, 1, 1), false},
		{"Africa/Nairobi", date(2026, 1, 20), date(2028, 1, 20), false},
		{"Antarctica/Troll", date(2024, 1, 1), date(2026, 1, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.zone+"/"+tt.from.Format("2006"), func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatalf("zoneinfo: %v", err)
			}
			vtz := vtimezone(tt.zone, loc, tt.from, tt.to)
			// Through the encoder and go-ical's decoder, as a client sees it.
			cal := ical.NewCalendar()
			cal.Children = append(cal.Children, vtz)
			data, err := Marshal(cal)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, data)
			}
			vtz = back.Children[0]
			hasRRule := false
			for _, obs := range vtz.Children {
				if obs.Props.Get(ical.PropRecurrenceRule) != nil {
					hasRRule = true
				}
			}
			if hasRRule != tt.rrule {
				t.Fatalf("RRULE tail = %v, want %v\n%s", hasRRule, tt.rrule, data)
			}
			os := onsets(t, vtz, tt.to)
			check := func(at time.Time) {
				_, want := at.In(loc).Zone()
				if got := offsetAt(t, os, at); got != want {
					t.Fatalf("offset at %s = %d, want %d\n%s", at.UTC(), got, want, data)
				}
			}
			for at := tt.from; !at.After(tt.to); at = at.Add(3 * time.Hour) {
				check(at)
			}
			trs, _ := transitions(loc, tt.from, tt.to)
			for _, tr := range trs {
				if tr.at.After(tt.from) {
					check(tr.at.Add(-time.Second))
					check(tr.at)
				}
			}
		})
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestVTimezoneFixed checks that a zone with no transition in the span is
// one STANDARD with its fixed offset, as Outlook wants.
func TestVTimezoneFixed(t *testing.T) {
	tests := []struct {
		zone   string
		offset string
	}{
		{"Africa/Nairobi", "+0300"},
		{"Asia/Kolkata", "+0530"},
		{"America/Mexico_City", "-0600"}, // no DST since 2022
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatalf("zoneinfo: %v", err)
			}
			vtz := vtimezone(tt.zone, loc, date(2025, 2, 10), date(2028, 2, 10))
			if len(vtz.Children) != 1 {
				t.Fatalf("got %d observances, want 1", len(vtz.Children))
			}
			obs := vtz.Children[0]
			if obs.Name != ical.CompTimezoneStandard {
				t.Fatalf("observance %s, want STANDARD", obs.Name)
			}
			for _, p := range []string{ical.PropTimezoneOffsetFrom, ical.PropTimezoneOffsetTo} {
				if got := obs.Props.Get(p).Value; got != tt.offset {
					t.Fatalf("%s = %q, want %q", p, got, tt.offset)
				}
			}
		})
	}
}

func TestUTCOffset(t *testing.T) {
	tests := []struct {
		sec  int
		want string
	}{
		{0, "+0000"}, {7200, "+0200"}, {-21600, "-0600"}, {19800, "+0530"},
		{-12600, "-0330"}, {45900, "+1245"}, {-17762, "-045602"},
	}
	for _, tt := range tests {
		if got := utcOffset(tt.sec); got != tt.want {
			t.Fatalf("utcOffset(%d) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}
