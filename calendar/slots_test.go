package calendar

import (
	"errors"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

var (
	allFour = []agenda.Region{agenda.RegionAfrica, agenda.RegionAmericas, agenda.RegionAsiaPacific, agenda.RegionEurope}
	euAP    = []agenda.Region{agenda.RegionEurope, agenda.RegionAsiaPacific}
)

// utcDay is the query for the UTC day of y-m-d.
func utcDay(y int, m time.Month, d int, dur time.Duration, regions []agenda.Region) SlotQuery {
	from, to := Day(y, m, d, time.UTC)
	return SlotQuery{From: from, To: to, Duration: dur, Regions: regions}
}

func slotAt(t *testing.T, slots []Slot, start time.Time) (Slot, int) {
	t.Helper()
	for i, s := range slots {
		if s.Start.Equal(start) {
			return s, i
		}
	}
	t.Fatalf("no slot starts at %v", start)
	return Slot{}, 0
}

// TestSlotLocalTimes checks each region's local time and minutes outside
// working hours for one slot, on dates around the offset changes of
// Sydney (first Sunday of October, first Sunday of April) and Europe (last
// Sunday of March, last Sunday of October), which move in opposite
// directions, and Mexico City, which stopped changing in October 2022.
func TestSlotLocalTimes(t *testing.T) {
	t.Parallel()
	p := NewPlanner(PlannerConfig{})
	type want struct {
		start   string // RFC 3339 in the region's reference zone
		outside int
	}
	tests := []struct {
		name    string
		start   time.Time
		dur     time.Duration
		regions []agenda.Region
		want    []want
		end     string // the first region's local end, when it matters
	}{
		{name: "the 2021 consultation: 16:30 in Geneva was 00:30 in Sydney",
			start: time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: allFour,
			want: []want{{"2021-07-01T17:30:00+03:00", 0}, {"2021-07-01T09:30:00-05:00", 0}, {"2021-07-02T00:30:00+10:00", 90}, {"2021-07-01T16:30:00+02:00", 0}}},
		{name: "Mexico City kept UTC-6 all year from 2023",
			start: time.Date(2026, 7, 1, 14, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: []agenda.Region{agenda.RegionAmericas},
			want: []want{{"2026-07-01T08:30:00-06:00", 0}}},
		{name: "both on summer offsets before Sydney moves (8 h apart)",
			start: time.Date(2026, 10, 1, 8, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: euAP,
			want: []want{{"2026-10-01T10:30:00+02:00", 0}, {"2026-10-01T18:30:00+10:00", 0}}},
		{name: "Sydney on daylight time, Europe still on summer time (9 h)",
			start: time.Date(2026, 10, 7, 8, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: euAP,
			want: []want{{"2026-10-07T10:30:00+02:00", 0}, {"2026-10-07T19:30:00+11:00", 60}}},
		{name: "Europe back on winter time (10 h)",
			start: time.Date(2026, 10, 28, 8, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: euAP,
			want: []want{{"2026-10-28T09:30:00+01:00", 0}, {"2026-10-28T19:30:00+11:00", 60}}},
		{name: "Europe on summer time, Sydney not yet off daylight time (9 h)",
			start: time.Date(2027, 3, 31, 8, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: euAP,
			want: []want{{"2027-03-31T10:30:00+02:00", 0}, {"2027-03-31T19:30:00+11:00", 60}}},
		{name: "Sydney back on standard time (8 h)",
			start: time.Date(2027, 4, 7, 8, 30, 0, 0, time.UTC), dur: 90 * time.Minute, regions: euAP,
			want: []want{{"2027-04-07T10:30:00+02:00", 0}, {"2027-04-07T18:30:00+10:00", 0}}},
		{name: "Sunday is outside working hours all day",
			start: time.Date(2026, 10, 4, 10, 0, 0, 0, time.UTC), dur: time.Hour, regions: []agenda.Region{agenda.RegionEurope},
			want: []want{{"2026-10-04T12:00:00+02:00", 60}}},
		{name: "Sunday evening in UTC is Monday morning in Sydney",
			start: time.Date(2026, 10, 4, 22, 0, 0, 0, time.UTC), dur: time.Hour, regions: []agenda.Region{agenda.RegionAsiaPacific},
			want: []want{{"2026-10-05T09:00:00+11:00", 0}}},
		{name: "two hours across Sydney's change: 01:00 to 04:00 on the clock; Saturday in Nairobi",
			start: time.Date(2026, 10, 3, 15, 0, 0, 0, time.UTC), dur: 2 * time.Hour, regions: []agenda.Region{agenda.RegionAsiaPacific, agenda.RegionAfrica},
			want: []want{{"2026-10-04T01:00:00+10:00", 120}, {"2026-10-03T18:00:00+03:00", 120}}, end: "2026-10-04T04:00:00+11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			y, m, d := tt.start.Date()
			slots, err := p.Slots(utcDay(y, m, d, tt.dur, tt.regions), nil)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := slotAt(t, slots, tt.start)
			if len(s.Fits) != len(tt.want) {
				t.Fatalf("%d fits, want %d", len(s.Fits), len(tt.want))
			}
			for i, w := range tt.want {
				f := s.Fits[i]
				if got := f.Start.Format(time.RFC3339); got != w.start || f.Outside != w.outside || f.Inside() != (w.outside == 0) {
					t.Errorf("%s: starts %s, %d min outside; want %s, %d", f.Region, got, f.Outside, w.start, w.outside)
				}
				if got, want := f.End.Sub(f.Start), tt.dur; got != want {
					t.Errorf("%s: lasts %v, want %v", f.Region, got, want)
				}
			}
			if got := s.Fits[0].End.Format(time.RFC3339); tt.end != "" && got != tt.end {
				t.Errorf("%s: ends %s, want %s", s.Fits[0].Region, got, tt.end)
			}
		})
	}
}

// TestSlotRanking checks which start wins and how many starts fit every
// region's working hours as the gap between Europe and Sydney goes from 8
// to 10 hours and back.
func TestSlotRanking(t *testing.T) {
	t.Parallel()
	p := NewPlanner(PlannerConfig{})
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		query      SlotQuery
		events     []agenda.Event
		wantBest   time.Time
		wantInside int // starts that suit every region
	}{
		{name: "8 h apart: 06:00–10:00 UTC is everyone's working day",
			query: utcDay(2026, 10, 1, 90*time.Minute, euAP), wantBest: utc(2026, 10, 1, 6, 0), wantInside: 6},
		{name: "9 h apart after Sydney's change",
			query: utcDay(2026, 10, 7, 90*time.Minute, euAP), wantBest: utc(2026, 10, 7, 6, 0), wantInside: 4},
		{name: "10 h apart after Europe's change",
			query: utcDay(2026, 10, 28, 90*time.Minute, euAP), wantBest: utc(2026, 10, 28, 7, 0), wantInside: 2},
		{name: "10 h apart before Europe's spring change",
			query: utcDay(2027, 3, 25, 90*time.Minute, euAP), wantBest: utc(2027, 3, 25, 7, 0), wantInside: 2},
		{name: "8 h apart after Sydney's autumn change",
			query: utcDay(2027, 4, 7, 90*time.Minute, euAP), wantBest: utc(2027, 4, 7, 6, 0), wantInside: 6},
		{name: "a clash pushes the best slot past it; other regions' and cancelled events do not count",
			query: utcDay(2026, 10, 1, 90*time.Minute, euAP),
			events: []agenda.Event{
				ev("eu", agenda.RegionEurope, utc(2026, 10, 1, 6, 0), 90*time.Minute),
				ev("af", agenda.RegionAfrica, utc(2026, 10, 1, 7, 30), time.Hour),
				with(ev("gone", agenda.RegionAsiaPacific, utc(2026, 10, 1, 7, 30), time.Hour), agenda.StatusCancelled),
			},
			wantBest: utc(2026, 10, 1, 7, 30), wantInside: 6},
		{name: "all four networks: nobody works at the same time; Americas and Sydney share the stretch",
			query: utcDay(2021, 7, 1, 90*time.Minute, allFour), wantBest: utc(2021, 7, 1, 10, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			slots, err := p.Slots(tt.query, tt.events)
			if err != nil {
				t.Fatal(err)
			}
			if got := slots[0].Start; !got.Equal(tt.wantBest) {
				t.Errorf("best slot %v, want %v", got, tt.wantBest)
			}
			inside := 0
			for i, s := range slots {
				if s.Worst == 0 {
					inside++
					if i >= tt.wantInside {
						t.Errorf("slot %v suits everyone but ranks %d", s.Start, i)
					}
				}
				if i > 0 {
					prev := slots[i-1]
					if prev.Worst > s.Worst || (prev.Worst == s.Worst && prev.Total > s.Total) {
						t.Errorf("slot %v (worst %d, total %d) ranks after %v (worst %d, total %d)", s.Start, s.Worst, s.Total, prev.Start, prev.Worst, prev.Total)
					}
				}
			}
			if inside != tt.wantInside {
				t.Errorf("%d slots suit every region, want %d", inside, tt.wantInside)
			}
		})
	}
}

func with(e agenda.Event, s agenda.Status) agenda.Event { e.Status = s; return e }

// TestConsultationRanksLow: the 2021 consultation's start, 00:30 to 02:00
// in Sydney, is among the worst a planner could pick for Asia-Pacific.
func TestConsultationRanksLow(t *testing.T) {
	t.Parallel()
	p := NewPlanner(PlannerConfig{})
	slots, err := p.Slots(utcDay(2021, 7, 1, 90*time.Minute, allFour), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, rank := slotAt(t, slots, time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC))
	if rank < len(slots)*3/4 {
		t.Errorf("the consultation's slot ranks %d of %d; want it in the last quarter", rank+1, len(slots))
	}
	ap := s.Fits[2]
	if ap.Region != agenda.RegionAsiaPacific || ap.Night != 90 || ap.Stretch != 6*60 || s.Worst != ap.Stretch {
		t.Errorf("Asia-Pacific: %+v, slot worst %d; want 90 min at night reaching 02:00, 6 h past 20:00", ap, s.Worst)
	}
	best := slots[0]
	if best.Worst >= ap.Stretch/2 {
		t.Errorf("the best slot %v asks %d min of its worst-off region; want under half of the consultation's", best.Start, best.Worst)
	}
}

func TestDay(t *testing.T) {
	t.Parallel()
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlanner(PlannerConfig{})
	tests := []struct {
		name  string
		y     int
		m     time.Month
		d     int
		loc   *time.Location
		hours time.Duration
		slots int
	}{
		{"UTC day", 2027, 3, 28, time.UTC, 24 * time.Hour, 48},
		{"Brussels springs forward", 2027, 3, 28, brussels, 23 * time.Hour, 46},
		{"Brussels falls back", 2026, 10, 25, brussels, 25 * time.Hour, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from, to := Day(tt.y, tt.m, tt.d, tt.loc)
			if got := to.Sub(from); got != tt.hours {
				t.Errorf("day lasts %v, want %v", got, tt.hours)
			}
			slots, err := p.Slots(SlotQuery{From: from, To: to, Duration: time.Hour, Regions: euAP}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) != tt.slots {
				t.Errorf("%d candidate starts, want %d", len(slots), tt.slots)
			}
		})
	}
}

func TestSlotQueryErrors(t *testing.T) {
	t.Parallel()
	p := NewPlanner(PlannerConfig{})
	ok := utcDay(2026, 10, 1, time.Hour, euAP)
	tests := []struct {
		name  string
		query func(q *SlotQuery)
	}{
		{"too short", func(q *SlotQuery) { q.Duration = 10 * time.Minute }},
		{"too long", func(q *SlotQuery) { q.Duration = 13 * time.Hour }},
		{"no regions", func(q *SlotQuery) { q.Regions = nil }},
		{"unknown region", func(q *SlotQuery) { q.Regions = []agenda.Region{"antarctica"} }},
		{"repeated region", func(q *SlotQuery) { q.Regions = []agenda.Region{agenda.RegionEurope, agenda.RegionEurope} }},
		{"step too small", func(q *SlotQuery) { q.Step = time.Minute }},
		{"too many starts", func(q *SlotQuery) { q.To = q.From.Add(7 * 24 * time.Hour) }},
		{"empty range", func(q *SlotQuery) { q.To = q.From }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := ok
			tt.query(&q)
			if _, err := p.Slots(q, nil); !errors.Is(err, ErrBadQuery) {
				t.Errorf("error %v, want ErrBadQuery", err)
			}
		})
	}
}

func TestHourKinds(t *testing.T) {
	t.Parallel()
	p := NewPlanner(PlannerConfig{Hours: map[agenda.Region]WorkingHours{
		// A network whose weekend is Friday and Saturday, working 09:00–17:00.
		agenda.RegionAfrica: {Start: 9 * time.Hour, End: 17 * time.Hour,
			Days: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}},
	}})
	utc := func(mo time.Month, d, h int) time.Time { return time.Date(2026, mo, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		region agenda.Region
		at     time.Time
		want   HourKind
	}{
		{"Brussels Thursday 12:00", agenda.RegionEurope, utc(10, 1, 10), HourWorking},
		{"Brussels Thursday 21:00", agenda.RegionEurope, utc(10, 1, 19), HourOff},
		{"Brussels Thursday 23:00", agenda.RegionEurope, utc(10, 1, 21), HourNight},
		{"Brussels Sunday 12:00", agenda.RegionEurope, utc(10, 4, 10), HourOff},
		{"Brussels 08:00 after falling back", agenda.RegionEurope, utc(10, 26, 7), HourWorking},
		{"Brussels 07:00 after falling back", agenda.RegionEurope, utc(10, 26, 6), HourOff},
		{"Nairobi Friday 12:00 (weekend)", agenda.RegionAfrica, utc(10, 2, 9), HourOff},
		{"Nairobi Sunday 12:00 (working day)", agenda.RegionAfrica, utc(10, 4, 9), HourWorking},
		{"Nairobi Sunday 17:30 (after hours)", agenda.RegionAfrica, time.Date(2026, 10, 4, 14, 30, 0, 0, time.UTC), HourOff},
		{"Sydney 06:00", agenda.RegionAsiaPacific, utc(10, 6, 19), HourNight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := p.Kind(tt.region, tt.at); got != tt.want {
				t.Errorf("%s at %v: %s, want %s", tt.region, tt.at, got, tt.want)
			}
		})
	}
	// The same configuration scores a Friday meeting outside working hours.
	slots, err := p.Slots(utcDay(2026, 10, 2, time.Hour, []agenda.Region{agenda.RegionAfrica}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := slotAt(t, slots, utc(10, 2, 9)); s.Fits[0].Outside != 60 {
		t.Errorf("Friday in Nairobi: %d min outside, want 60", s.Fits[0].Outside)
	}
}
