// Package storetest is the conformance suite every store.Store
// implementation must pass: the embedded bbolt store and the Redis store
// run the very same tests, so they behave the same to the rest of majlis.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
)

// Opener returns a fresh, empty store for one test; the suite closes it.
type Opener func(t *testing.T) store.Store

var ctx = context.Background()

var base = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

// Event returns a fully populated event for tests.
func Event(id string, start time.Time) agenda.Event {
	return agenda.Event{
		ID: id, Kind: agenda.KindSideEvent, Parent: "am-2021", Series: "side-events",
		Title:       agenda.Text{"ar": "حماية المدافعين عن حقوق الإنسان", "en": "Protecting defenders", "fr": "Protéger", "es": "Proteger"},
		Description: agenda.Text{"en": "Line one\nline two, with; punctuation \\ and emoji 🕊"},
		Start:       start, End: start.Add(90 * time.Minute), TimeZone: "Europe/Zurich",
		Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished,
		Languages: []string{"ar", "en", "fr", "es"}, Location: "Online", Owner: "org_a", Invitees: []string{"org_b"},
		Sequence: 3, Created: base.Add(-48 * time.Hour), Updated: base.Add(-time.Hour),
	}
}

func items(start time.Time) []agenda.Item {
	return []agenda.Item{
		{ID: "opening", Title: agenda.Text{"en": "Welcome", "ar": "الترحيب"}, Start: start, Minutes: 15, Speakers: []string{"OHCHR", "UNDP"}, FloorLanguage: "en", Kind: agenda.ItemOpening},
		{ID: "talk", Title: agenda.Text{"fr": "Présentation"}, Start: start.Add(15 * time.Minute), Minutes: 10, Speakers: []string{}, Kind: agenda.ItemPresentation, Parallel: true},
	}
}

func open(t *testing.T, o Opener) store.Store {
	t.Helper()
	s := o(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func sameEvent(t *testing.T, got, want agenda.Event) {
	t.Helper()
	if !got.Start.Equal(want.Start) || !got.End.Equal(want.End) || !got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated) {
		t.Fatalf("times differ:\n got %v %v %v %v\nwant %v %v %v %v", got.Start, got.End, got.Created, got.Updated, want.Start, want.End, want.Created, want.Updated)
	}
	g, w := got, want
	g.Start, g.End, g.Created, g.Updated, g.Version = time.Time{}, time.Time{}, time.Time{}, time.Time{}, 0
	w.Start, w.End, w.Created, w.Updated, w.Version = time.Time{}, time.Time{}, time.Time{}, time.Time{}, 0
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("event differs:\n got %+v\nwant %+v", g, w)
	}
}

func sameItems(t *testing.T, got, want []agenda.Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Start.Equal(w.Start) {
			t.Fatalf("item %d start %v, want %v", i, g.Start, w.Start)
		}
		g.Start, w.Start = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("item %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	t.Run("events", func(t *testing.T) { t.Parallel(); testEvents(t, o) })
	t.Run("list", func(t *testing.T) { t.Parallel(); testList(t, o) })
	t.Run("agenda", func(t *testing.T) { t.Parallel(); testAgenda(t, o) })
	t.Run("concurrent writers", func(t *testing.T) { t.Parallel(); testConcurrent(t, o) })
	t.Run("series", func(t *testing.T) { t.Parallel(); testSeries(t, o) })
	t.Run("organizers", func(t *testing.T) { t.Parallel(); testOrganizers(t, o) })
	t.Run("copies", func(t *testing.T) { t.Parallel(); testCopies(t, o) })
	t.Run("ping", func(t *testing.T) {
		t.Parallel()
		if err := open(t, o).Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func testEvents(t *testing.T, o Opener) {
	s := open(t, o)
	e := Event("ev-1", base)
	got, ag, err := s.CreateEvent(ctx, e, agenda.Agenda{Items: items(base)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || ag.Version != 1 || ag.EventID != "ev-1" {
		t.Fatalf("versions %d/%d, event id %q; want 1/1, ev-1", got.Version, ag.Version, ag.EventID)
	}
	sameEvent(t, got, e)
	read, err := s.GetEvent(ctx, "ev-1")
	if err != nil || read.Version != 1 {
		t.Fatalf("get: %v version %d", err, read.Version)
	}
	sameEvent(t, read, e)
	if _, _, err := s.CreateEvent(ctx, e, agenda.Agenda{}); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("duplicate create: want ErrConflict, got %v", err)
	}
	if _, err := s.GetEvent(ctx, "nope"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("missing: want ErrNotFound, got %v", err)
	}
	tests := []struct {
		name      string
		ifVersion int64
		wantErr   error
		wantV     int64
	}{
		{"right version", 1, nil, 2},
		{"stale version", 1, agenda.ErrConflict, 2},
		{"future version", 9, agenda.ErrConflict, 2},
		{"no precondition", 0, nil, 3},
	}
	for _, tc := range tests {
		e.Title = agenda.Text{"en": tc.name}
		got, err := s.UpdateEvent(ctx, e, tc.ifVersion)
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
			t.Fatalf("%s: err %v, want %v", tc.name, err, tc.wantErr)
		}
		read, _ := s.GetEvent(ctx, "ev-1")
		if read.Version != tc.wantV {
			t.Fatalf("%s: stored version %d, want %d", tc.name, read.Version, tc.wantV)
		}
		if err == nil && (got.Version != tc.wantV || read.Title["en"] != tc.name) {
			t.Fatalf("%s: update not applied: %+v", tc.name, read)
		}
		if err != nil && read.Title["en"] == tc.name {
			t.Fatalf("%s: a refused update was applied", tc.name)
		}
	}
	missing := Event("ghost", base)
	if _, err := s.UpdateEvent(ctx, missing, 0); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	if err := s.DeleteEvent(ctx, "ev-1", 1); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := s.DeleteEvent(ctx, "ev-1", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetEvent(ctx, "ev-1"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("deleted event: %v", err)
	}
	if _, err := s.GetAgenda(ctx, "ev-1"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("deleted event's agenda: %v", err)
	}
	if err := s.DeleteEvent(ctx, "ev-1", 0); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func testList(t *testing.T, o Opener) {
	s := open(t, o)
	mk := func(id string, start time.Time, r agenda.Region, k agenda.Kind, parent string) {
		e := Event(id, start)
		e.Region, e.Kind, e.Parent = r, k, parent
		if _, _, err := s.CreateEvent(ctx, e, agenda.Agenda{}); err != nil {
			t.Fatal(err)
		}
	}
	mk("b-late", base.Add(2*time.Hour), agenda.RegionEurope, agenda.KindWebinar, "")
	mk("a-early", base, agenda.RegionAfrica, agenda.KindSideEvent, "am")
	mk("c-same", base, agenda.RegionEurope, agenda.KindSideEvent, "am")
	mk("d-next-day", base.Add(24*time.Hour), agenda.RegionGlobal, agenda.KindAnnualMeeting, "")
	tests := []struct {
		name string
		f    agenda.Filter
		want []string
	}{
		{"all, by start then id", agenda.Filter{}, []string{"a-early", "c-same", "b-late", "d-next-day"}},
		{"region", agenda.Filter{Region: agenda.RegionEurope}, []string{"c-same", "b-late"}},
		{"kind", agenda.Filter{Kind: agenda.KindSideEvent}, []string{"a-early", "c-same"}},
		{"parent", agenda.Filter{Parent: "am"}, []string{"a-early", "c-same"}},
		{"from: ends after", agenda.Filter{From: base.Add(91 * time.Minute)}, []string{"b-late", "d-next-day"}},
		{"to: starts before", agenda.Filter{To: base.Add(2 * time.Hour)}, []string{"a-early", "c-same"}},
		{"window", agenda.Filter{From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, []string{"a-early", "c-same", "b-late"}},
		{"nothing", agenda.Filter{Region: agenda.RegionAmericas}, nil},
	}
	for _, tc := range tests {
		evs, err := s.ListEvents(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.ID)
			if e.Version != 1 {
				t.Fatalf("%s: listed version %d", tc.name, e.Version)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func testAgenda(t *testing.T, o Opener) {
	s := open(t, o)
	e := Event("ev-a", base)
	if _, _, err := s.CreateEvent(ctx, e, agenda.Agenda{}); err != nil {
		t.Fatal(err)
	}
	ag, err := s.GetAgenda(ctx, "ev-a")
	if err != nil || ag.Version != 1 || len(ag.Items) != 0 || ag.Items == nil {
		t.Fatalf("empty agenda: %+v %v (items must be an empty, non-nil slice)", ag, err)
	}
	want := items(base)
	ag, err = s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-a", Items: want}, 1, nil)
	if err != nil || ag.Version != 2 {
		t.Fatalf("put: %v version %d", err, ag.Version)
	}
	read, _ := s.GetAgenda(ctx, "ev-a")
	sameItems(t, read.Items, want)
	if _, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-a"}, 1, nil); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale put: %v", err)
	}
	if _, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "nope"}, 0, nil); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("agenda of a missing event: %v", err)
	}
	if _, err := s.GetAgenda(ctx, "nope"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("get agenda of a missing event: %v", err)
	}
	// With the event, atomically: a stale event version changes nothing.
	ev, _ := s.GetEvent(ctx, "ev-a")
	stale := ev
	stale.Version, stale.Sequence = ev.Version-1+10, 99
	if _, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-a", Items: want[:1]}, 2, &stale); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale event in PutAgenda: %v", err)
	}
	if a, _ := s.GetAgenda(ctx, "ev-a"); a.Version != 2 || len(a.Items) != 2 {
		t.Fatalf("agenda changed by a refused write: %+v", a)
	}
	if e2, _ := s.GetEvent(ctx, "ev-a"); e2.Version != ev.Version || e2.Sequence == 99 {
		t.Fatalf("event changed by a refused write: %+v", e2)
	}
	ev.Sequence = 4
	if _, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-a", Items: want[:1]}, 2, &ev); err != nil {
		t.Fatal(err)
	}
	e3, _ := s.GetEvent(ctx, "ev-a")
	a3, _ := s.GetAgenda(ctx, "ev-a")
	if e3.Sequence != 4 || e3.Version != ev.Version+1 || a3.Version != 3 || len(a3.Items) != 1 {
		t.Fatalf("atomic write: event seq %d v%d, agenda v%d with %d items", e3.Sequence, e3.Version, a3.Version, len(a3.Items))
	}
}

func testConcurrent(t *testing.T, o Opener) {
	s := open(t, o)
	if _, _, err := s.CreateEvent(ctx, Event("ev-c", base), agenda.Agenda{}); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := Event("ev-c", base)
			e.Title = agenda.Text{"en": fmt.Sprint("writer ", i)}
			_, errs[i] = s.UpdateEvent(ctx, e, 1)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, agenda.ErrConflict):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if e, _ := s.GetEvent(ctx, "ev-c"); wins != 1 || e.Version != 2 {
		t.Fatalf("%d writers won, version %d; want exactly 1 and 2", wins, e.Version)
	}
}

func testSeries(t *testing.T, o Opener) {
	s := open(t, o)
	ser := agenda.Series{ID: "general-assembly", Title: agenda.Text{"en": "General Assembly"},
		StandingItems: []agenda.StandingItem{{Title: agenda.Text{"en": "Threats and reprisals", "ar": "التهديدات والأعمال الانتقامية"}, Minutes: 20}}}
	got, err := s.PutSeries(ctx, ser, 0)
	if err != nil || got.Version != 1 {
		t.Fatalf("create: %v v%d", err, got.Version)
	}
	if _, err := s.PutSeries(ctx, ser, 5); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale: %v", err)
	}
	if _, err := s.PutSeries(ctx, agenda.Series{ID: "not-there", Title: agenda.Text{"en": "x"}}, 1); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("conditional write to a missing series: %v", err)
	}
	got, err = s.PutSeries(ctx, ser, 1)
	if err != nil || got.Version != 2 {
		t.Fatalf("update: %v v%d", err, got.Version)
	}
	read, err := s.GetSeries(ctx, "general-assembly")
	if err != nil || read.Version != 2 || !reflect.DeepEqual(read.StandingItems, ser.StandingItems) {
		t.Fatalf("get: %v %+v", err, read)
	}
	if _, err := s.GetSeries(ctx, "nope"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := s.PutSeries(ctx, agenda.Series{ID: "a-first", Title: agenda.Text{"en": "A"}}, 0); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListSeries(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "a-first" || all[1].ID != "general-assembly" {
		t.Fatalf("list: %v %+v", err, all)
	}
}

func testOrganizers(t *testing.T, o Opener) {
	s := open(t, o)
	_, h1 := access.NewToken()
	_, h2 := access.NewToken()
	a := access.Organizer{ID: "org_a", Name: "Head office", Region: agenda.RegionGlobal, TokenHash: h1, Created: base}
	b := access.Organizer{ID: "org_b", Name: "أمانة الشبكة الأفريقية", Region: agenda.RegionAfrica, TokenHash: h2, Created: base.Add(time.Minute)}
	for _, x := range []access.Organizer{b, a} {
		if err := s.CreateOrganizer(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	dup := a
	dup.TokenHash = "other"
	if err := s.CreateOrganizer(ctx, dup); err == nil {
		t.Fatal("duplicate organizer ID accepted")
	}
	same := access.Organizer{ID: "org_c", Name: "C", TokenHash: h1, Created: base}
	if err := s.CreateOrganizer(ctx, same); err == nil {
		t.Fatal("duplicate token hash accepted")
	}
	got, err := s.OrganizerByTokenHash(ctx, h2)
	if err != nil || got.ID != "org_b" || got.Name != b.Name || got.Region != agenda.RegionAfrica || got.TokenHash != h2 || !got.Created.Equal(b.Created) {
		t.Fatalf("by hash: %v %+v", err, got)
	}
	if _, err := s.OrganizerByTokenHash(ctx, "unknown"); !errors.Is(err, access.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	list, err := s.ListOrganizers(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "org_a" || list[1].ID != "org_b" {
		t.Fatalf("list (by creation): %v %+v", err, list)
	}
	if err := s.RevokeOrganizer(ctx, "org_a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OrganizerByTokenHash(ctx, h1); !got.Revoked {
		t.Fatal("revocation not stored")
	}
	if err := s.RevokeOrganizer(ctx, "org_zz"); !errors.Is(err, access.ErrNotFound) {
		t.Fatalf("revoke missing: %v", err)
	}
}

func testCopies(t *testing.T, o Opener) {
	s := open(t, o)
	if _, _, err := s.CreateEvent(ctx, Event("ev-x", base), agenda.Agenda{Items: items(base)}); err != nil {
		t.Fatal(err)
	}
	e, _ := s.GetEvent(ctx, "ev-x")
	e.Title["en"], e.Languages[0], e.Invitees[0] = "mutated", "xx", "mallory"
	a, _ := s.GetAgenda(ctx, "ev-x")
	a.Items[0].Speakers[0], a.Items[0].Title["en"] = "mallory", "mutated"
	evs, _ := s.ListEvents(ctx, agenda.Filter{})
	evs[0].Title["fr"] = "mutated"
	e2, _ := s.GetEvent(ctx, "ev-x")
	a2, _ := s.GetAgenda(ctx, "ev-x")
	sameEvent(t, e2, Event("ev-x", base))
	sameItems(t, a2.Items, items(base))
}

// RunReopen checks that what was acknowledged is there after the store is
// closed and opened again (a restart).
func RunReopen(t *testing.T, o Opener, reopen Opener) {
	s := o(t)
	e := Event("ev-r", base)
	if _, _, err := s.CreateEvent(ctx, e, agenda.Agenda{Items: items(base)}); err != nil {
		t.Fatal(err)
	}
	_, hash := access.NewToken()
	if err := s.CreateOrganizer(ctx, access.Organizer{ID: "org_r", Name: "R", TokenHash: hash, Created: base}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, reopen)
	got, err := s2.GetEvent(ctx, "ev-r")
	if err != nil {
		t.Fatal(err)
	}
	sameEvent(t, got, e)
	a, _ := s2.GetAgenda(ctx, "ev-r")
	sameItems(t, a.Items, items(base))
	if o, err := s2.OrganizerByTokenHash(ctx, hash); err != nil || o.ID != "org_r" {
		t.Fatalf("organizer after reopen: %v", err)
	}
}
