package server

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/majlis/majlis/calendar"
)

// FuzzSlotParams feeds arbitrary query strings to the slot search parser:
// it must never panic, must name the parameter at fault, and what it
// accepts must be a search the planner answers within its limits.
func FuzzSlotParams(f *testing.F) {
	for _, seed := range []string{
		"date=2021-07-01&duration=90m",
		"date=2021-07-01&duration=PT1H30M&regions=africa,europe&step=15m&limit=100&zone=Australia/Sydney",
		"date=2026-10-25&duration=1h&zone=Europe/Brussels&regions=europe&regions=asia-pacific",
		"date=2021-02-30&duration=90m",
		"date=2021-07-01&duration=PT99H99M",
		"date=2021-07-01&duration=-90m",
		"date=2021-07-01&duration=90m&regions=,,,europe,",
		"date=2021-07-01&duration=9223372036854775807ns",
		"date=%00&duration=%FF",
	} {
		f.Add(seed)
	}
	planner := calendar.NewPlanner(calendar.PlannerConfig{})
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, field, why := parseSlotParams(q, time.UTC)
		if field != "" {
			if why == "" || !slices.Contains([]string{"date", "duration", "regions", "step", "limit", "zone"}, field) {
				t.Fatalf("%q: field %q, why %q", raw, field, why)
			}
			return
		}
		if p.limit < 1 || p.limit > maxSlotLimit {
			t.Fatalf("%q: limit %d accepted", raw, p.limit)
		}
		slots, err := planner.Slots(p.query, nil)
		if err != nil {
			t.Fatalf("%q: accepted, but the planner says %v", raw, err)
		}
		if len(slots) == 0 || len(slots) > 100 {
			t.Fatalf("%q: %d slots", raw, len(slots))
		}
	})
}
