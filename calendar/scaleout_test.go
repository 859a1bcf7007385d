package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/store"
)

// Two instances on one Redis: while one holds a source's lease, the other
// does not fetch it.
func TestOneInstanceSyncsASource(t *testing.T) {
	t.Parallel()
	url := redistest.Start(t, redistest.Config{}).URL()
	open := func() *store.Redis {
		s, err := store.OpenRedis(ctx, url, store.RedisConfig{Prefix: "sync:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	c := &clock{t: t0}
	src := newICSSource(t, network(3, ""))
	syncers := []*calendar.Syncer{
		calendar.NewSyncer(calendar.SyncConfig{Now: c.Now, Holder: "instance-a"}, a, agenda.New(agenda.Config{Now: c.Now}, a)),
		calendar.NewSyncer(calendar.SyncConfig{Now: c.Now, Holder: "instance-b"}, b, agenda.New(agenda.Config{Now: c.Now}, b)),
	}
	if _, err := a.PutSource(ctx, icsSourceOf(src), 0); err != nil {
		t.Fatal(err)
	}
	if st, err := syncers[0].Sync(ctx, "ennhri"); err != nil || st.Added != 3 {
		t.Fatalf("instance a: %+v, %v", st, err)
	}
	if _, err := syncers[1].Sync(ctx, "ennhri"); !errors.Is(err, calendar.ErrBusy) {
		t.Fatalf("instance b synced a source instance a holds: %v", err)
	}
	if n, _ := src.counts(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	c.Add(2 * time.Hour) // the source is due again, but a's lease holds
	syncers[1].SyncDue(ctx)
	if n, _ := src.counts(); n != 1 {
		t.Fatalf("%d fetches after b's round, want 1", n)
	}
}
