package calendar

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/agenda"
)

var update = flag.Bool("update", false, "rewrite testdata/demo.ics")

// decode parses data with go-ical's decoder and returns the calendar and
// its VEVENTs by UID.
func decode(t *testing.T, data []byte) (*ical.Calendar, map[string]*ical.Component) {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("go-ical decode: %v\n%s", err, data)
	}
	byUID := map[string]*ical.Component{}
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		uid := text(t, c, ical.PropUID)
		if _, dup := byUID[uid]; dup {
			t.Fatalf("duplicate UID %q", uid)
		}
		byUID[uid] = c
	}
	return cal, byUID
}

// text returns a TEXT property's unescaped value, "" when absent.
func text(t *testing.T, c *ical.Component, name string) string {
	t.Helper()
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// instant decodes a DATE-TIME property to an instant (go-ical loads a TZID
// by name from zoneinfo).
func instant(t *testing.T, c *ical.Component, name string) time.Time {
	t.Helper()
	v, err := c.Props.DateTime(name, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v.UTC()
}

func encode(t *testing.T, f Feed) []byte {
	t.Helper()
	data, err := f.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	checkLines(t, data)
	return data
}

// checkLines asserts RFC 5545 §3.1 framing: CRLF line ends only, at most
// 75 octets a line, each line valid UTF-8 on its own.
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatalf("output does not end with CRLF")
	}
	lines := bytes.Split(data[:len(data)-2], []byte("\r\n"))
	for i, l := range lines {
		if len(l) > maxLine {
			t.Fatalf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Fatalf("line %d is not valid UTF-8: %q", i+1, l)
		}
		if bytes.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if i == 0 && len(l) > 0 && l[0] == ' ' {
			t.Fatalf("first line is a continuation")
		}
	}
}

// TestFeedRoundTrip decodes the demo feed in every language with go-ical
// and compares every event with what the Go side expects.
func TestFeedRoundTrip(t *testing.T) {
	for _, lang := range agenda.Languages {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			f := demoFeed(lang)
			cal, byUID := decode(t, encode(t, f))
			for _, p := range []struct{ name, want string }{
				{ical.PropVersion, "2.0"}, {ical.PropProductID, ProdID}, {ical.PropCalendarScale, "GREGORIAN"},
				{ical.PropMethod, "PUBLISH"}, {ical.PropName, f.Name[lang]}, {"X-WR-CALNAME", f.Name[lang]},
			} {
				if got := text(t, cal.Component, p.name); got != p.want {
					t.Fatalf("%s = %q, want %q", p.name, got, p.want)
				}
			}
			if got := cal.Props.Get(ical.PropRefreshInterval); got == nil || got.Value != "PT1H" || got.Params.Get(ical.ParamValue) != "DURATION" {
				t.Fatalf("REFRESH-INTERVAL = %+v, want VALUE=DURATION:PT1H", got)
			}
			if got := cal.Props.Get("X-PUBLISHED-TTL"); got == nil || got.Value != "PT1H" {
				t.Fatalf("X-PUBLISHED-TTL = %+v, want PT1H", got)
			}
			tzids := map[string]bool{}
			for _, c := range cal.Children {
				if c.Name == ical.CompTimezone {
					tzids[text(t, c, ical.PropTimezoneID)] = true
				}
			}
			want := expectedEvents(f)
			if len(byUID) != len(want) {
				t.Fatalf("got %d VEVENTs, want %d", len(byUID), len(want))
			}
			for _, w := range want {
				c, ok := byUID[w.UID]
				if !ok {
					t.Fatalf("no VEVENT %q", w.UID)
				}
				if got := text(t, c, ical.PropSummary); got != w.Summary {
					t.Fatalf("%s SUMMARY = %q, want %q", w.UID, got, w.Summary)
				}
				desc := text(t, c, ical.PropDescription)
				for _, part := range w.DescriptionHas {
					if !strings.Contains(desc, part) {
						t.Fatalf("%s DESCRIPTION %q lacks %q", w.UID, desc, part)
					}
				}
				if got := instant(t, c, ical.PropDateTimeStart); !got.Equal(w.Start) {
					t.Fatalf("%s DTSTART = %s, want %s", w.UID, got, w.Start)
				}
				if got := instant(t, c, ical.PropDateTimeEnd); !got.Equal(w.End) {
					t.Fatalf("%s DTEND = %s, want %s", w.UID, got, w.End)
				}
				if tzid := c.Props.Get(ical.PropDateTimeStart).Params.Get(ical.PropTimezoneID); !tzids[tzid] {
					t.Fatalf("%s: TZID %q has no VTIMEZONE", w.UID, tzid)
				}
				if got := c.Props.Get(ical.PropStatus).Value; got != w.Status {
					t.Fatalf("%s STATUS = %q, want %q", w.UID, got, w.Status)
				}
				if got := c.Props.Get(ical.PropSequence).Value; got != w.Sequence {
					t.Fatalf("%s SEQUENCE = %q, want %q", w.UID, got, w.Sequence)
				}
				if got := instant(t, c, ical.PropDateTimeStamp); !got.Equal(w.Stamp) {
					t.Fatalf("%s DTSTAMP = %s, want %s", w.UID, got, w.Stamp)
				}
				rel := c.Props.Get(ical.PropRelatedTo)
				switch {
				case w.Parent == "" && rel != nil:
					t.Fatalf("%s: unexpected RELATED-TO %q", w.UID, rel.Value)
				case w.Parent != "" && (rel == nil || rel.Value != w.Parent || rel.Params.Get(ical.ParamRelationshipType) != "PARENT"):
					t.Fatalf("%s RELATED-TO = %+v, want PARENT %q", w.UID, rel, w.Parent)
				}
			}
		})
	}
}

// wantEvent is what a VEVENT must decode to, computed from the fixture
// without the feed code.
type wantEvent struct {
	UID, Summary, Status, Sequence, Parent string
	Start, End, Stamp                      time.Time
	DescriptionHas                         []string
}

var agendaWord = map[string]string{"en": "Agenda", "fr": "Ordre du jour", "es": "Orden del día", "ar": "جدول الأعمال"}

func expectedEvents(f Feed) []wantEvent {
	var out []wantEvent
	for _, e := range f.Events {
		status := "CONFIRMED"
		if e.Status == agenda.StatusCancelled {
			status = "CANCELLED"
		}
		w := wantEvent{UID: e.ID + "@majlis", Summary: e.Title[f.Lang], Status: status,
			Sequence: strconv.Itoa(e.Sequence), Start: e.Start, End: e.End, Stamp: e.Updated,
			DescriptionHas: []string{e.Description[f.Lang]}}
		if e.Parent != "" {
			w.Parent = e.Parent + "@majlis"
		}
		ag, ok := f.Agendas[e.ID]
		if ok {
			w.DescriptionHas = append(w.DescriptionHas, agendaWord[f.Lang]+" (Europe/Zurich, UTC+02:00):")
		}
		for _, it := range ag.Items {
			loc, _ := time.LoadLocation(e.TimeZone)
			w.DescriptionHas = append(w.DescriptionHas, it.Start.In(loc).Format("15:04")+"–"+it.End().In(loc).Format("15:04")+" "+it.Title[f.Lang])
		}
		out = append(out, w)
		if !f.Items {
			continue
		}
		for _, it := range ag.Items {
			out = append(out, wantEvent{UID: e.ID + "/" + it.ID + "@majlis",
				Summary: it.Title[f.Lang] + " (" + e.Title[f.Lang] + ")", Status: status, Sequence: strconv.Itoa(e.Sequence),
				Start: it.Start, End: it.End(), Stamp: e.Updated, Parent: e.ID + "@majlis"})
		}
	}
	return out
}

// TestZoneInstants checks the instants of events in zones with and
// without DST, and in a zone whose rules changed between the two dates.
func TestZoneInstants(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		local time.Time // wall clock, in UTC's representation
		want  time.Time
	}{
		{"zurich summer 2021", "Europe/Zurich", time.Date(2021, 7, 1, 16, 30, 0, 0, time.UTC), time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)},
		{"mexico city 2021 CDT", "America/Mexico_City", time.Date(2021, 7, 1, 10, 0, 0, 0, time.UTC), time.Date(2021, 7, 1, 15, 0, 0, 0, time.UTC)},
		{"mexico city 2026 no DST", "America/Mexico_City", time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)},
		{"sydney summer", "Australia/Sydney", time.Date(2026, 12, 9, 14, 0, 0, 0, time.UTC), time.Date(2026, 12, 9, 3, 0, 0, 0, time.UTC)},
		{"nairobi", "Africa/Nairobi", time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC), time.Date(2027, 1, 20, 7, 0, 0, 0, time.UTC)},
		{"utc", "UTC", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
	}
	var events []agenda.Event
	for i, tt := range tests {
		events = append(events, agenda.Event{ID: "ev" + strconv.Itoa(i), Kind: agenda.KindWebinar, Region: agenda.RegionAmericas,
			Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: tt.zone,
			Start: tt.want, End: tt.want.Add(time.Hour), Updated: stamp, Title: agenda.Text{"en": tt.name}})
	}
	// One feed, so that Mexico City's VTIMEZONE must be right for both
	// 2021 and 2026.
	f := Feed{Events: events, BaseURL: "https://majlis.example.org"}
	data := encode(t, f)
	cal, byUID := decode(t, data)
	vtzs := map[string]*ical.Component{}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			vtzs[text(t, c, ical.PropTimezoneID)] = c
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := byUID["ev"+strconv.Itoa(i)+"@majlis"]
			p := c.Props.Get(ical.PropDateTimeStart)
			if got := instant(t, c, ical.PropDateTimeStart); !got.Equal(tt.want) {
				t.Fatalf("DTSTART %q decodes to %s, want %s", p.Value, got, tt.want)
			}
			if tt.zone == "UTC" {
				if p.Value != tt.want.Format("20060102T150405Z") || p.Params.Get(ical.PropTimezoneID) != "" {
					t.Fatalf("UTC DTSTART = %+v, want Z form without TZID", p)
				}
				if vtzs["UTC"] != nil {
					t.Fatalf("VTIMEZONE for UTC")
				}
				return
			}
			if p.Value != tt.local.Format("20060102T150405") {
				t.Fatalf("DTSTART local = %q, want %s", p.Value, tt.local.Format("20060102T150405"))
			}
			// The same instant through the VTIMEZONE itself, as Outlook
			// and clients without the zone read it.
			vtz := vtzs[tt.zone]
			if vtz == nil {
				t.Fatalf("no VTIMEZONE for %s", tt.zone)
			}
			localAsUTC := tt.local
			// The local time maps to the instant local − offset, where the
			// offset is the one in force at that instant.
			os := onsets(t, vtz, tt.want.AddDate(1, 0, 0))
			off := offsetAt(t, os, tt.want)
			if got := localAsUTC.Add(-time.Duration(off) * time.Second); !got.Equal(tt.want) {
				t.Fatalf("through VTIMEZONE: %s, want %s", got, tt.want)
			}
		})
	}
}

// TestCancelled checks that a cancelled event stays in the feed with
// STATUS:CANCELLED and its sequence, and drafts never appear.
func TestCancelled(t *testing.T) {
	f := demoFeed("en")
	f.Events[0].Status = agenda.StatusCancelled
	f.Events[0].Sequence = 3
	draft := f.Events[1]
	draft.ID, draft.Status = "draft-1", agenda.StatusDraft
	f.Events = append(f.Events, draft)
	_, byUID := decode(t, encode(t, f))
	c := byUID[consultationID+"@majlis"]
	if c == nil {
		t.Fatalf("cancelled event left out")
	}
	if got := c.Props.Get(ical.PropStatus).Value; got != "CANCELLED" {
		t.Fatalf("STATUS = %q, want CANCELLED", got)
	}
	if got := c.Props.Get(ical.PropSequence).Value; got != "3" {
		t.Fatalf("SEQUENCE = %q, want 3", got)
	}
	if got := text(t, c, ical.PropSummary); !strings.HasPrefix(got, "Cancelled: ") {
		t.Fatalf("SUMMARY = %q, want a Cancelled: prefix", got)
	}
	if it := byUID[consultationID+"/closing@majlis"]; it == nil || it.Props.Get(ical.PropStatus).Value != "CANCELLED" {
		t.Fatalf("items of a cancelled event must be cancelled too")
	}
	if byUID["draft-1@majlis"] != nil {
		t.Fatalf("draft emitted")
	}
}

// TestAudience checks that events more restricted than the feed's
// audience never appear, and CLASS follows visibility.
func TestAudience(t *testing.T) {
	ev := func(id string, v agenda.Visibility) agenda.Event {
		return agenda.Event{ID: id, Kind: agenda.KindWebinar, Region: agenda.RegionEurope, Visibility: v,
			Status: agenda.StatusPublished, TimeZone: "Europe/Brussels", Updated: stamp,
			Start: date(2027, 1, 27).Add(13 * time.Hour), End: date(2027, 1, 27).Add(14 * time.Hour), Title: agenda.Text{"en": id}}
	}
	events := []agenda.Event{ev("pub", agenda.VisibilityPublic), ev("mem", agenda.VisibilityMembers),
		ev("conf", agenda.VisibilityConfidential), ev("odd", agenda.Visibility("secret"))}
	tests := []struct {
		name     string
		audience agenda.Visibility
		want     map[string]string // UID → CLASS
	}{
		{"default is public", "", map[string]string{"pub@majlis": "PUBLIC"}},
		{"members", agenda.VisibilityMembers, map[string]string{"pub@majlis": "PUBLIC", "mem@majlis": "PRIVATE"}},
		{"confidential", agenda.VisibilityConfidential, map[string]string{"pub@majlis": "PUBLIC", "mem@majlis": "PRIVATE",
			"conf@majlis": "CONFIDENTIAL", "odd@majlis": "CONFIDENTIAL"}},
		{"unknown audience is public", "everyone", map[string]string{"pub@majlis": "PUBLIC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, byUID := decode(t, encode(t, Feed{Events: events, Audience: tt.audience}))
			if len(byUID) != len(tt.want) {
				t.Fatalf("got %d events, want %d", len(byUID), len(tt.want))
			}
			for uid, class := range tt.want {
				c := byUID[uid]
				if c == nil {
					t.Fatalf("no %s", uid)
				}
				if got := c.Props.Get(ical.PropClass).Value; got != class {
					t.Fatalf("%s CLASS = %q, want %q", uid, got, class)
				}
				if c.Props.Get(ical.PropURL) != nil {
					t.Fatalf("URL without BaseURL")
				}
			}
		})
	}
}

// TestDeterministic checks that equal input gives equal bytes, whatever
// the order of events and of map iteration.
func TestDeterministic(t *testing.T) {
	f := demoFeed("fr")
	want := encode(t, f)
	for i := range 20 {
		g := demoFeed("fr")
		rand.New(rand.NewPCG(uint64(i), 1)).Shuffle(len(g.Events), func(a, b int) { g.Events[a], g.Events[b] = g.Events[b], g.Events[a] })
		if got := encode(t, g); !bytes.Equal(got, want) {
			t.Fatalf("run %d differs:\n%s\nwant:\n%s", i, got, want)
		}
	}
}

func TestFeedDefaults(t *testing.T) {
	e := agenda.Event{ID: "w", Kind: agenda.KindWebinar, Region: agenda.RegionAfrica, Visibility: agenda.VisibilityPublic,
		Status: agenda.StatusPublished, Start: date(2027, 1, 20), End: date(2027, 1, 20).Add(time.Hour), Title: agenda.Text{"fr": "Webinaire"}}
	tests := []struct {
		name            string
		feed            Feed
		uid, refresh    string
		location, title string
	}{
		{"no base URL", Feed{Events: []agenda.Event{e}}, "w@majlis", "PT1H", "Online", "Webinaire"},
		{"host from base URL", Feed{Events: []agenda.Event{e}, BaseURL: "https://majlis.example.org:8443/x", RefreshInterval: 90 * time.Minute, Lang: "es"},
			"w@majlis", "PT1H30M", "En línea", "Webinaire"},
		{"daily refresh, arabic", Feed{Events: []agenda.Event{e}, RefreshInterval: 48 * time.Hour, Lang: "ar"}, "w@majlis", "P2D", "عبر الإنترنت", "Webinaire"},
		{"tiny refresh", Feed{Events: []agenda.Event{e}, RefreshInterval: time.Second}, "w@majlis", "PT1M", "Online", "Webinaire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cal, byUID := decode(t, encode(t, tt.feed))
			c := byUID[tt.uid]
			if c == nil {
				t.Fatalf("no UID %q in %v", tt.uid, byUID)
			}
			if got := cal.Props.Get(ical.PropRefreshInterval).Value; got != tt.refresh {
				t.Fatalf("REFRESH-INTERVAL = %q, want %q", got, tt.refresh)
			}
			if got := text(t, c, ical.PropLocation); got != tt.location {
				t.Fatalf("LOCATION = %q, want %q", got, tt.location)
			}
			if got := text(t, c, ical.PropSummary); got != tt.title {
				t.Fatalf("SUMMARY = %q, want %q", got, tt.title)
			}
			if got := c.Props.Get(ical.PropSummary).Params.Get(ical.ParamLanguage); got != "fr" {
				t.Fatalf("SUMMARY LANGUAGE = %q, want the fallback's fr", got)
			}
			if cal.Props.Get(ical.PropName) != nil {
				t.Fatalf("NAME without a name")
			}
		})
	}
}

func TestFeedInvalid(t *testing.T) {
	good := agenda.Event{ID: "x", Status: agenda.StatusPublished, Visibility: agenda.VisibilityPublic,
		Start: date(2027, 1, 1), End: date(2027, 1, 1).Add(time.Hour)}
	noID := good
	noID.ID = ""
	backwards := good
	backwards.End = good.Start.Add(-time.Minute)
	for _, e := range []agenda.Event{noID, backwards} {
		if _, err := (Feed{Events: []agenda.Event{e}}).Encode(); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Encode(%+v) error = %v, want ErrInvalid", e, err)
		}
	}
}

// TestUIDsIgnoreBaseURL: moving the service to another base URL changes
// links, never UIDs (nor RELATED-TO), so subscribed calendars update their
// events in place instead of duplicating every one of them.
func TestUIDsIgnoreBaseURL(t *testing.T) {
	tests := []struct {
		name      string
		base, dom string
		expect    string
	}{
		{"trial host", "http://localhost:8080", "", "@majlis"},
		{"real domain", "https://majlis.example.org", "", "@majlis"},
		{"another real domain", "https://events.alliance.example:8443/", "", "@majlis"},
		{"configured domain", "https://events.alliance.example", "alliance.example", "@alliance.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := demoFeed("en")
			f.BaseURL, f.UIDDomain = tt.base, tt.dom
			_, byUID := decode(t, encode(t, f))
			for _, uid := range []string{meetingID + tt.expect, consultationID + tt.expect, consultationID + "/closing" + tt.expect} {
				if byUID[uid] == nil {
					t.Fatalf("no event with UID %q", uid)
				}
			}
			if got := text(t, byUID[consultationID+tt.expect], ical.PropRelatedTo); got != meetingID+tt.expect {
				t.Fatalf("RELATED-TO = %q, want %q", got, meetingID+tt.expect)
			}
		})
	}
}

// TestParentShownOnlyToItsAudience: a public side event names its meeting
// (RELATED-TO) only when the feed could carry the meeting itself; the ID
// of a hidden meeting never appears.
func TestParentShownOnlyToItsAudience(t *testing.T) {
	meeting := func(v agenda.Visibility, s agenda.Status) agenda.Event {
		f := demoFeed("en")
		m := f.Events[1]
		m.ID, m.Visibility, m.Status = "hidden-meeting", v, s
		return m
	}
	tests := []struct {
		name     string
		audience agenda.Visibility
		inFeed   []agenda.Event // besides the side event
		parents  []agenda.Event
		expect   bool
	}{
		{"public parent in the feed", "", []agenda.Event{meeting(agenda.VisibilityPublic, agenda.StatusPublished)}, nil, true},
		{"public parent outside the feed", "", nil, []agenda.Event{meeting(agenda.VisibilityPublic, agenda.StatusPublished)}, true},
		{"cancelled public parent", "", nil, []agenda.Event{meeting(agenda.VisibilityPublic, agenda.StatusCancelled)}, true},
		{"unknown parent", "", nil, nil, false},
		{"confidential parent in a public feed", "", []agenda.Event{meeting(agenda.VisibilityConfidential, agenda.StatusPublished)}, nil, false},
		{"members parent in a public feed", "", nil, []agenda.Event{meeting(agenda.VisibilityMembers, agenda.StatusPublished)}, false},
		{"draft parent", "", []agenda.Event{meeting(agenda.VisibilityPublic, agenda.StatusDraft)}, nil, false},
		{"draft parent in a private feed", agenda.VisibilityConfidential, nil, []agenda.Event{meeting(agenda.VisibilityPublic, agenda.StatusDraft)}, false},
		{"members parent in a members feed", agenda.VisibilityMembers, nil, []agenda.Event{meeting(agenda.VisibilityMembers, agenda.StatusPublished)}, true},
		{"confidential parent in a private feed", agenda.VisibilityConfidential, nil, []agenda.Event{meeting(agenda.VisibilityConfidential, agenda.StatusPublished)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			side := demoFeed("en").Events[0]
			side.Parent = "hidden-meeting"
			f := Feed{Lang: "en", Audience: tt.audience, Events: append([]agenda.Event{side}, tt.inFeed...), Parents: tt.parents}
			data := encode(t, f)
			_, byUID := decode(t, data)
			got := text(t, byUID[consultationID+"@majlis"], ical.PropRelatedTo)
			if tt.expect && got != "hidden-meeting@majlis" {
				t.Fatalf("RELATED-TO = %q, want the meeting", got)
			}
			if !tt.expect && bytes.Contains(data, []byte("hidden-meeting")) {
				t.Fatalf("the feed names a parent its readers may not see:\n%s", data)
			}
		})
	}
}
