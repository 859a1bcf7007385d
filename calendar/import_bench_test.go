package calendar_test

import (
	"testing"
	"time"

	"github.com/majlis/majlis/calendar"
)

// BenchmarkParse reads a regional calendar of 500 events plus a daily
// recurring one expanded over the window.
func BenchmarkParse(b *testing.B) {
	data := []byte(network(500, ""))
	data = append(data[:len(data)-len("END:VCALENDAR\r\n")],
		[]byte("BEGIN:VEVENT\r\nUID:daily@ennhri\r\nDTSTART;TZID=Europe/Brussels:20270101T090000\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY\r\nSUMMARY:Daily\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")...)
	cfg := calendar.ParseConfig{From: t0.Add(-30 * 24 * time.Hour), To: t0.Add(400 * 24 * time.Hour), MaxEvents: 5000}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := calendar.Parse(data, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResync fetches again (over loopback HTTP) a 300-event calendar that changed its
// ETag but not its events: every event is compared, none written (the
// common case of a feed regenerated on a schedule).
func BenchmarkResync(b *testing.B) {
	src := newICSSource(b, network(300, ""))
	h := newHarness(b, calendar.SyncConfig{Future: 7 * 365 * 24 * time.Hour}) // all 300 in the window
	if _, err := h.store.PutSource(ctx, icsSourceOf(src), 0); err != nil {
		b.Fatal(err)
	}
	if _, err := h.sync.Sync(ctx, "ennhri"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		src.set(func(s *icsSource) { s.version++ })
		st, err := h.sync.Sync(ctx, "ennhri")
		if err != nil || st.Updated != 0 || st.Result != calendar.ResultChanged {
			b.Fatalf("%+v, %v", st, err)
		}
	}
}

// BenchmarkFirstImport imports a 300-event calendar into an empty bbolt
// store: one durable (fsynced) write per event.
func BenchmarkFirstImport(b *testing.B) {
	src := newICSSource(b, network(300, ""))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, calendar.SyncConfig{Future: 7 * 365 * 24 * time.Hour})
		if _, err := h.store.PutSource(ctx, icsSourceOf(src), 0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if st, err := h.sync.Sync(ctx, "ennhri"); err != nil || st.Added != 300 {
			b.Fatalf("%+v, %v", st, err)
		}
	}
}
