package calendar

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/demo"
)

// demoNow is the clock the real demo data is loaded with, so that its
// DTSTAMPs (from the events' Updated time) are fixed.
var demoNow = time.Date(2026, time.November, 1, 9, 0, 0, 0, time.UTC)

// realDemo loads the demo data (the same as `majlis serve --demo`) into a
// fresh store and returns its events and agendas, plus a members-only and
// a cancelled event to exercise audiences and STATUS.
func realDemo(t *testing.T) ([]agenda.Event, map[string]agenda.Agenda) {
	t.Helper()
	st := newDemoStore()
	ctx := context.Background()
	svc := agenda.New(agenda.Config{Now: func() time.Time { return demoNow }}, st)
	if _, err := demo.Load(ctx, svc); err != nil {
		t.Fatal(err)
	}
	events, err := st.ListEvents(ctx, agenda.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	agendas := map[string]agenda.Agenda{}
	for _, e := range events {
		if a, err := st.GetAgenda(ctx, e.ID); err == nil {
			agendas[e.ID] = a
		}
	}
	return events, agendas
}

func demoName() agenda.Text {
	return agenda.Text{"en": "Alliance calendar", "fr": "Calendrier de l'Alliance", "es": "Calendario de la Alianza", "ar": "تقويم التحالف"}
}

// TestRealDemoGolden compares the English feed of the real demo data, with
// agenda items, with testdata/demo.ics; `go test ./calendar/ -run
// RealDemoGolden -update` rewrites it. The 2021 consultation must start at
// 16:30 Zurich time, 14:30 UTC, on 1 July 2021.
func TestRealDemoGolden(t *testing.T) {
	events, agendas := realDemo(t)
	f := Feed{Name: demoName(), Lang: "en", BaseURL: "https://majlis.example.org", Events: events, Agendas: agendas, Items: true}
	data := encode(t, f)
	path := filepath.Join("testdata", "demo.ics")
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(data, golden) {
		t.Fatalf("feed differs from %s (run with -update if intended):\n%s", path, data)
	}
	_, byUID := decode(t, golden)
	c := byUID[demo.ConsultationID+"@majlis"]
	if c == nil {
		t.Fatal("the golden feed has no consultation")
	}
	if got := instant(t, c, ical.PropDateTimeStart); !got.Equal(time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)) {
		t.Fatalf("consultation DTSTART %s", got)
	}
	if p := c.Props.Get(ical.PropDateTimeStart); p.Value != "20210701T163000" || p.Params.Get(ical.PropTimezoneID) != "Europe/Zurich" {
		t.Fatalf("consultation DTSTART %+v", p)
	}
	n := 0
	for uid := range byUID {
		if strings.HasPrefix(uid, demo.ConsultationID+"/") {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d agenda item VEVENTs for the consultation, want 5", n)
	}
}

// python finds an interpreter with the icalendar module: $MAJLIS_PYTHON,
// else python3 on PATH, else Debian's /usr/bin/python3 (where
// python3-icalendar installs it, when a pyenv or venv python3 comes first).
// Missing, the test fails with how to install it.
func python(t *testing.T) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if py := os.Getenv("MAJLIS_PYTHON"); py != "" {
		candidates = []string{py}
	}
	var tried []string
	for _, py := range candidates {
		out, err := exec.Command(py, "-c", "import icalendar").CombinedOutput()
		if err == nil {
			return py
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", py, err, bytes.TrimSpace(out)))
	}
	t.Fatalf("no python3 can import icalendar (%s): install Debian's python3-icalendar (sudo apt-get install python3-icalendar), or set MAJLIS_PYTHON; scripts/test does this", strings.Join(tried, "; "))
	return ""
}

type pyEvent struct {
	UID, Summary, Description, Location, Start, End, TZID, Status, Related string
	Sequence                                                               int
	Categories                                                             []string
}

type pyFeed struct {
	Name, Calname string
	Events        []pyEvent
}

// TestIndependentParser writes every kind of feed in every language and
// reads them back with Python's icalendar (an independent implementation,
// which also resolves each TZID through our VTIMEZONE) and with go-ical:
// both must see the same events, instants and texts as we put in.
func TestIndependentParser(t *testing.T) {
	py := python(t)
	events, agendas := realDemo(t)
	// A members-only event and a cancelled one, in zones with and without
	// daylight saving time and with a changed rule (Mexico City).
	extra := []agenda.Event{
		{ID: "members-briefing", Kind: agenda.KindWebinar, Region: agenda.RegionAmericas, Visibility: agenda.VisibilityMembers,
			Status: agenda.StatusPublished, TimeZone: "America/Mexico_City", Start: time.Date(2021, 7, 6, 15, 0, 0, 0, time.UTC),
			End: time.Date(2021, 7, 6, 16, 0, 0, 0, time.UTC), Title: agenda.Text{"es": "Sesión informativa; sólo miembros, \\ con coma, y punto y coma"},
			Updated: demoNow, Sequence: 2},
		{ID: "cancelled-webinar", Kind: agenda.KindWebinar, Region: agenda.RegionAsiaPacific, Visibility: agenda.VisibilityPublic,
			Status: agenda.StatusCancelled, TimeZone: "Australia/Sydney", Start: time.Date(2027, 3, 3, 22, 0, 0, 0, time.UTC),
			End: time.Date(2027, 3, 3, 23, 30, 0, 0, time.UTC), Title: agenda.Text{"en": "Webinar\r\nwith a line break 🎤", "ar": "ندوة ملغاة"},
			Updated: demoNow, Sequence: 4},
	}
	events = append(events, extra...)
	type variant struct {
		name string
		feed Feed
	}
	var variants []variant
	dir := t.TempDir()
	var paths []string
	for _, lang := range []string{"ar", "en", "fr", "es"} {
		for _, v := range []variant{
			{"public", Feed{Audience: agenda.VisibilityPublic}},
			{"members", Feed{Audience: agenda.VisibilityMembers}},
			{"items", Feed{Items: true}},
		} {
			v.name = lang + "-" + v.name
			v.feed.Name, v.feed.Lang, v.feed.BaseURL = demoName(), lang, "https://majlis.example.org"
			v.feed.Events, v.feed.Agendas = events, agendas
			data := encode(t, v.feed)
			p := filepath.Join(dir, v.name+".ics")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			variants = append(variants, v)
			paths = append(paths, p)
		}
	}
	cmd := exec.Command(py, append([]string{filepath.Join("testdata", "icalendar_dump.py")}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python icalendar: %v\n%s", err, stderr.String())
	}
	var feeds []pyFeed
	if err := json.Unmarshal(out, &feeds); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	if len(feeds) != len(variants) {
		t.Fatalf("%d feeds parsed, want %d", len(feeds), len(variants))
	}
	for i, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			got := feeds[i]
			if want, _ := v.feed.Name.In(v.feed.Lang); got.Name != want || got.Calname != want {
				t.Errorf("NAME %q, X-WR-CALNAME %q, want %q", got.Name, got.Calname, want)
			}
			_, byUID := decode(t, encode(t, v.feed))
			want := map[string]agenda.Event{}
			for _, e := range v.feed.Events {
				if v.feed.included(e) {
					want[v.feed.UID(e.ID)] = e
				}
			}
			nItems := 0
			for _, pe := range got.Events {
				ge := byUID[pe.UID]
				if ge == nil {
					t.Fatalf("go-ical does not see %s", pe.UID)
				}
				// Both parsers agree on every field.
				if pe.Summary != text(t, ge, ical.PropSummary) || pe.Description != text(t, ge, ical.PropDescription) ||
					pe.Location != text(t, ge, ical.PropLocation) {
					t.Errorf("%s: python and go-ical read different texts", pe.UID)
				}
				if pe.Start != instant(t, ge, ical.PropDateTimeStart).Format(time.RFC3339) || pe.End != instant(t, ge, ical.PropDateTimeEnd).Format(time.RFC3339) {
					t.Errorf("%s: python reads %s–%s, go-ical %s–%s", pe.UID, pe.Start, pe.End,
						instant(t, ge, ical.PropDateTimeStart), instant(t, ge, ical.PropDateTimeEnd))
				}
				e, isEvent := want[pe.UID]
				if !isEvent {
					nItems++
					if !v.feed.Items || !strings.Contains(pe.UID, "/") {
						t.Errorf("unexpected VEVENT %s", pe.UID)
					}
					continue
				}
				// And they read what we wrote.
				title, _ := e.Title.In(v.feed.Lang)
				title = cleanText(title)
				if e.Status == agenda.StatusCancelled {
					title = labelsFor(v.feed.Lang).cancelled + title
				}
				if pe.Summary != title {
					t.Errorf("%s SUMMARY %q, want %q", pe.UID, pe.Summary, title)
				}
				if pe.Start != e.Start.UTC().Format(time.RFC3339) || pe.End != e.End.UTC().Format(time.RFC3339) {
					t.Errorf("%s: %s–%s, want %s–%s", pe.UID, pe.Start, pe.End, e.Start.UTC(), e.End.UTC())
				}
				if pe.TZID != e.TimeZone {
					t.Errorf("%s TZID %q, want %q", pe.UID, pe.TZID, e.TimeZone)
				}
				wantStatus := map[agenda.Status]string{agenda.StatusPublished: "CONFIRMED", agenda.StatusCancelled: "CANCELLED"}[e.Status]
				if pe.Status != wantStatus || pe.Sequence != e.Sequence {
					t.Errorf("%s: %s/%d, want %s/%d", pe.UID, pe.Status, pe.Sequence, wantStatus, e.Sequence)
				}
				if !slices.Equal(pe.Categories, []string{string(e.Kind), string(e.Region)}) {
					t.Errorf("%s CATEGORIES %v", pe.UID, pe.Categories)
				}
				if (e.Parent == "") != (pe.Related == "") || (e.Parent != "" && pe.Related != v.feed.UID(e.Parent)) {
					t.Errorf("%s RELATED-TO %q, parent %q", pe.UID, pe.Related, e.Parent)
				}
				delete(want, pe.UID)
			}
			if len(want) > 0 {
				t.Errorf("python did not find %v", keys(want))
			}
			if v.feed.Items && nItems == 0 {
				t.Error("no agenda item VEVENTs")
			}
			if v.feed.Audience == agenda.VisibilityPublic {
				for _, pe := range got.Events {
					if pe.UID == v.feed.UID("members-briefing") {
						t.Error("a members-only event is in a public feed")
					}
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDSTTransitions writes events at both sides of both daylight saving
// transitions in several zones and reads them back with go-ical and with
// Python's icalendar: every instant reads back exactly. A local time in the
// hour repeated when daylight saving time ends names two instants, so such
// events go out in UTC; every other one keeps its zone (TZID).
func TestDSTTransitions(t *testing.T) {
	py := python(t)
	utc := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		zone  string
		start time.Time
		inUTC bool
	}{
		{"Brussels before spring gap", "Europe/Brussels", utc(2027, 3, 28, 0, 30), false}, // 01:30 CET
		{"Brussels after spring gap", "Europe/Brussels", utc(2027, 3, 28, 1, 30), false},  // 03:30 CEST
		{"Brussels before repeated hour", "Europe/Brussels", utc(2027, 10, 30, 23, 30), false},
		{"Brussels repeated hour, first", "Europe/Brussels", utc(2027, 10, 31, 0, 30), true},  // 02:30 CEST
		{"Brussels repeated hour, second", "Europe/Brussels", utc(2027, 10, 31, 1, 30), true}, // 02:30 CET
		{"Brussels after repeated hour", "Europe/Brussels", utc(2027, 10, 31, 2, 30), false},
		{"Mexico City 2021 before spring gap", "America/Mexico_City", utc(2021, 4, 4, 7, 30), false},
		{"Mexico City 2021 after spring gap", "America/Mexico_City", utc(2021, 4, 4, 8, 30), false},
		{"Mexico City 2021 repeated hour, first", "America/Mexico_City", utc(2021, 10, 31, 6, 30), true},
		{"Mexico City 2021 repeated hour, second", "America/Mexico_City", utc(2021, 10, 31, 7, 30), true},
		{"Mexico City 2022 last repeated hour", "America/Mexico_City", utc(2022, 10, 30, 6, 30), true},
		{"Mexico City 2023, no more DST", "America/Mexico_City", utc(2023, 10, 29, 7, 30), false},
		{"Mexico City 2027 spring, no more DST", "America/Mexico_City", utc(2027, 4, 4, 8, 30), false},
		{"Sydney repeated hour, first", "Australia/Sydney", utc(2027, 4, 3, 15, 30), true},  // 02:30 AEDT
		{"Sydney repeated hour, second", "Australia/Sydney", utc(2027, 4, 3, 16, 30), true}, // 02:30 AEST
		{"Sydney after repeated hour", "Australia/Sydney", utc(2027, 4, 3, 17, 30), false},
		{"Sydney before spring gap", "Australia/Sydney", utc(2027, 10, 2, 15, 30), false},
		{"Sydney after spring gap", "Australia/Sydney", utc(2027, 10, 2, 16, 30), false},
		{"New York before spring gap", "America/New_York", utc(2027, 3, 14, 6, 30), false},
		{"New York after spring gap", "America/New_York", utc(2027, 3, 14, 7, 30), false},
		{"New York repeated hour, first", "America/New_York", utc(2027, 11, 7, 5, 30), true},
		{"New York repeated hour, second", "America/New_York", utc(2027, 11, 7, 6, 30), true},
		{"New York after repeated hour", "America/New_York", utc(2027, 11, 7, 7, 30), false},
	}
	var events []agenda.Event
	for i, tt := range tests {
		// Half an hour long: the end is on the same side of the change.
		events = append(events, agenda.Event{ID: "dst-" + strconv.Itoa(i), Kind: agenda.KindWebinar, Region: agenda.RegionGlobal,
			Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: tt.zone, Updated: demoNow,
			Start: tt.start, End: tt.start.Add(15 * time.Minute), Title: agenda.Text{"en": tt.name}})
	}
	f := Feed{Lang: "en", Events: events}
	data := encode(t, f)
	p := filepath.Join(t.TempDir(), "dst.ics")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, filepath.Join("testdata", "icalendar_dump.py"), p).Output()
	if err != nil {
		t.Fatalf("python icalendar: %v", err)
	}
	var feeds []pyFeed
	if err := json.Unmarshal(out, &feeds); err != nil || len(feeds) != 1 {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	byPy := map[string]pyEvent{}
	for _, pe := range feeds[0].Events {
		byPy[pe.UID] = pe
	}
	_, byUID := decode(t, data)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid := f.UID("dst-" + strconv.Itoa(i))
			c, pe := byUID[uid], byPy[uid]
			if c == nil || pe.UID == "" {
				t.Fatalf("%s missing", uid)
			}
			end := tt.start.Add(15 * time.Minute)
			dt := c.Props.Get(ical.PropDateTimeStart)
			if got := instant(t, c, ical.PropDateTimeStart); !got.Equal(tt.start) || !instant(t, c, ical.PropDateTimeEnd).Equal(end) {
				t.Errorf("go-ical reads DTSTART %s %v as %s, want %s", dt.Value, dt.Params, got, tt.start)
			}
			if pe.Start != tt.start.Format(time.RFC3339) || pe.End != end.Format(time.RFC3339) {
				t.Errorf("python reads DTSTART %s %v as %s–%s, want %s", dt.Value, dt.Params, pe.Start, pe.End, tt.start)
			}
			wantTZID := tt.zone
			if tt.inUTC {
				wantTZID = ""
			}
			if got := dt.Params.Get(ical.PropTimezoneID); got != wantTZID || pe.TZID != wantTZID {
				t.Errorf("DTSTART TZID %q (python %q), want %q", got, pe.TZID, wantTZID)
			}
		})
	}
}

// TestUnwritableYears: an event whose times need a year outside
// MinYear–MaxYear in UTC or in its zone (9999-12-31T12:00Z is 10000-01-01 in
// Pacific/Kiritimati) is left out, and the feed stays readable by go-ical
// and Python's icalendar, with every other event in it. Events near the
// limits that can be written are kept, and so is their VTIMEZONE.
func TestUnwritableYears(t *testing.T) {
	py := python(t)
	ev := func(id, zone string, start time.Time) agenda.Event {
		return agenda.Event{ID: id, Kind: agenda.KindWebinar, Region: agenda.RegionAsiaPacific, Visibility: agenda.VisibilityPublic,
			Status: agenda.StatusPublished, TimeZone: zone, Updated: demoNow, Start: start, End: start.Add(time.Hour),
			Title: agenda.Text{"en": id}}
	}
	tests := []struct {
		event  agenda.Event
		expect bool
	}{
		{ev("ordinary", "Pacific/Kiritimati", time.Date(2027, 5, 5, 1, 0, 0, 0, time.UTC)), true},
		{ev("kiritimati-10000", "Pacific/Kiritimati", time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)), false},
		{ev("utc-10000", "UTC", time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)), false}, // ends in 10000
		{ev("kiritimati-9999", "Pacific/Kiritimati", time.Date(9999, 12, 30, 12, 0, 0, 0, time.UTC)), false},
		{ev("kiritimati-9998", "Pacific/Kiritimati", time.Date(9998, 12, 31, 8, 0, 0, 0, time.UTC)), true},
		{ev("kiritimati-into-9999", "Pacific/Kiritimati", time.Date(9998, 12, 31, 9, 30, 0, 0, time.UTC)), false},
		{ev("new-york-year-0", "America/New_York", time.Date(1, 1, 1, 2, 0, 0, 0, time.UTC)), false},
		{ev("new-york-1899", "America/New_York", time.Date(1900, 1, 1, 2, 0, 0, 0, time.UTC)), false},
		{ev("brussels-1900", "Europe/Brussels", time.Date(1900, 1, 2, 12, 0, 0, 0, time.UTC)), true},
	}
	var events []agenda.Event
	for _, tt := range tests {
		events = append(events, tt.event)
	}
	for _, items := range []bool{false, true} {
		f := Feed{Lang: "en", Events: events, Items: items,
			Agendas: map[string]agenda.Agenda{"kiritimati-10000": {Items: []agenda.Item{{ID: "late", Start: events[1].Start, Minutes: 30, Title: agenda.Text{"en": "late"}}}}}}
		data := encode(t, f)
		if bytes.Contains(data, []byte("10000")) || bytes.Contains(data, []byte(":0000")) {
			t.Fatalf("a five-digit year or year zero was written:\n%s", data)
		}
		p := filepath.Join(t.TempDir(), "years.ics")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, filepath.Join("testdata", "icalendar_dump.py"), p).CombinedOutput()
		if err != nil {
			t.Fatalf("python icalendar cannot read the feed: %v\n%s", err, out)
		}
		_, byUID := decode(t, data)
		for _, tt := range tests {
			c := byUID[f.UID(tt.event.ID)]
			if (c != nil) != tt.expect {
				t.Errorf("%s in the feed: %v, want %v", tt.event.ID, c != nil, tt.expect)
			}
			if c != nil && !instant(t, c, ical.PropDateTimeStart).Equal(tt.event.Start) {
				t.Errorf("%s starts %s, want %s", tt.event.ID, instant(t, c, ical.PropDateTimeStart), tt.event.Start)
			}
		}
	}
}
