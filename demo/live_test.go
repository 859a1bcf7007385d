package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/demo"
	"github.com/majlis/majlis/store"
)

// TestLoadLiveMovesThePublishedAgenda: a restart a few minutes later moves
// the live webinar to now, and what readers get — the agenda's latest
// release — moves with it (it kept the first start's times).
func TestLoadLiveMovesThePublishedAgenda(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := agenda.New(agenda.Config{}, st)
	first := time.Date(2026, 12, 2, 9, 0, 30, 0, time.UTC)
	for _, now := range []time.Time{first, first.Add(3 * time.Minute)} {
		e, err := demo.LoadLive(ctx, svc, now)
		if err != nil {
			t.Fatal(err)
		}
		a, err := st.GetAgenda(ctx, demo.LiveID)
		if err != nil || len(a.Releases) == 0 {
			t.Fatalf("agenda %+v, %v", a, err)
		}
		published := a.Releases[len(a.Releases)-1].Items
		if len(published) != 5 || !published[0].Start.Equal(e.Start) || !e.Start.Equal(now.Truncate(time.Minute).Add(-10*time.Minute)) {
			t.Fatalf("started at %v: the event starts %v, its published agenda %v", now, e.Start, published)
		}
	}
}
