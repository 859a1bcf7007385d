package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
)

// BenchListEvents lists the events of a store seeded with 10,000 events an
// hour apart from start, in the five regions in turn: all of them, one
// region (2,000 match), and a 30-day window (720 match). Both stores run
// it, so that their figures compare.
func BenchListEvents(b *testing.B, s store.Store, start time.Time) {
	for _, f := range []struct {
		name string
		f    agenda.Filter
	}{
		{"all", agenda.Filter{}},
		{"region", agenda.Filter{Region: agenda.RegionEurope}},
		{"month", agenda.Filter{From: start.Add(5000 * time.Hour), To: start.Add(5720 * time.Hour)}},
	} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ListEvents(context.Background(), f.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
