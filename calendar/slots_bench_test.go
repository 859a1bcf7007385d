package calendar

import (
	"strconv"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

// dayOfEvents is n one-hour events spread over the 24 h from start, in
// every region in turn.
func dayOfEvents(n int, start time.Time) []agenda.Event {
	out := make([]agenda.Event, n)
	for i := range out {
		r := agenda.Regions[i%len(agenda.Regions)]
		out[i] = ev("e"+strconv.Itoa(i), r, start.Add(time.Duration(i)*24*time.Hour/time.Duration(n)), time.Hour)
	}
	return out
}

// BenchmarkSlots: what GET /api/v1/slots computes — the default search
// (four regions, 30-minute steps over a UTC day) and the largest one
// allowed (five regions, 15-minute steps over a 25-hour day), with the
// day's events to count clashes against.
func BenchmarkSlots(b *testing.B) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		b.Fatal(err)
	}
	p := NewPlanner(PlannerConfig{})
	from, to := Day(2021, 7, 1, time.UTC)
	longFrom, longTo := Day(2026, 10, 25, brussels)
	cases := []struct {
		name   string
		query  SlotQuery
		events []agenda.Event
	}{
		{"default-48-starts-4-regions-100-events", SlotQuery{From: from, To: to, Duration: 90 * time.Minute, Regions: allFour}, dayOfEvents(100, from)},
		{"largest-100-starts-5-regions-1000-events", SlotQuery{From: longFrom, To: longTo, Duration: 12 * time.Hour, Step: 15 * time.Minute, Regions: agenda.Regions},
			dayOfEvents(1000, longFrom)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Slots(c.query, c.events); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClashes1000: one event against a thousand candidates (what
// every POST and PATCH of an event adds, plus the listing).
func BenchmarkClashes1000(b *testing.B) {
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	cands := dayOfEvents(1000, start)
	e := ev("mine", agenda.RegionGlobal, start.Add(9*time.Hour), 2*time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		Clashes(e, cands, nil)
	}
}
