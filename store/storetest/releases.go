package storetest

import (
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

// testReleases: an agenda's releases are stored with it, written with its
// event in one transaction, and go with it.
func testReleases(t *testing.T, o Opener) {
	s := open(t, o)
	e := Event("released", base)
	its := items(base)
	r1 := agenda.Release{Number: 1, Published: base.Add(-time.Hour), By: "org_a", Items: nil}
	r2 := agenda.Release{Number: 2, Published: base.Add(-30 * time.Minute), Note: "ما الذي تغيّر", Items: []agenda.Item{}}
	r3 := agenda.Release{Number: 3, Published: base.Add(-time.Minute), By: "org_b", Note: "Item moved", Items: its}
	ev, ag := mustCreate(t, s, e, agenda.Agenda{EventID: e.ID, Items: its, Releases: []agenda.Release{r1}})
	check := func(t *testing.T, got []agenda.Release, want ...agenda.Release) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d releases, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.Number != w.Number || !g.Published.Equal(w.Published) || g.By != w.By || g.Note != w.Note || (g.Items == nil) != (w.Items == nil) {
				t.Fatalf("release %d: got %+v, want %+v", i, g, w)
			}
			checkItems(t, g.Items, w.Items)
		}
	}
	t.Run("created with its first release", func(t *testing.T) {
		_, got := mustGet(t, s, e.ID)
		check(t, got.Releases, r1)
	})
	t.Run("released with the event", func(t *testing.T) {
		ev.Sequence++
		a := ag
		a.Releases = []agenda.Release{r1, r2, r3}
		if _, err := s.PutAgenda(ctx, a, ag.Version, &ev); err != nil {
			t.Fatal(err)
		}
		gotE, got := mustGet(t, s, e.ID)
		check(t, got.Releases, r1, r2, r3)
		if gotE.Sequence != ev.Sequence || gotE.Version != ev.Version+1 {
			t.Fatalf("event: sequence %d version %d", gotE.Sequence, gotE.Version)
		}
		p, n := got.Published()
		if n != 3 || len(p.Items) != len(its) {
			t.Fatalf("published: release %d, %d items", n, len(p.Items))
		}
	})
	t.Run("a stale event refuses the release", func(t *testing.T) {
		_, cur := mustGet(t, s, e.ID)
		a := cur
		a.Releases = []agenda.Release{r1}
		_, err := s.PutAgenda(ctx, a, cur.Version, &ev) // ev.Version is one behind now
		wantErr(t, "stale event", err, agenda.ErrConflict)
		_, got := mustGet(t, s, e.ID)
		check(t, got.Releases, r1, r2, r3)
	})
	t.Run("deleted with the event", func(t *testing.T) {
		if err := s.DeleteEvent(ctx, e.ID, 0); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, s, e, agenda.Agenda{EventID: e.ID})
		_, got := mustGet(t, s, e.ID)
		check(t, got.Releases)
	})
}
