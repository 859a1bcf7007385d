// Package storetest is the conformance suite every store.Store
// implementation must pass: the embedded bbolt store and the Redis store
// run the very same tests, so they behave the same to the rest of majlis.
//
// The suite uses only the store.Store interface. An Opener must return a
// fresh, empty store each time it is called (a new file, a new Redis
// database or key prefix); the suite closes what it opens.
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

// Opener returns a store for one test.
type Opener func(t *testing.T) store.Store

var ctx = context.Background()

// base is the start of the 2021 annual meeting's side event (16:30 CEST).
var base = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

// Event returns a fully populated event (every field set, multilingual
// text including Arabic) for tests.
func Event(id string, start time.Time) agenda.Event {
	return agenda.Event{
		ID: id, Kind: agenda.KindSideEvent, Parent: "am-2021", Series: "side-events",
		Title:       agenda.Text{"ar": "حماية المدافعين عن حقوق الإنسان", "en": "Protecting defenders", "fr": "Protéger les défenseurs", "es": "Proteger a los defensores"},
		Description: agenda.Text{"en": "Line one\nline two, with; punctuation \\ and emoji 🕊", "ar": "مشاورة بشأن خطة العمل العالمية"},
		Start:       start, End: start.Add(90 * time.Minute), TimeZone: "Europe/Zurich",
		Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished,
		Languages: []string{"ar", "en", "fr", "es"}, Location: agenda.Text{"en": "Online", "fr": "En ligne"}, Owner: "org_a", Invitees: []string{"org_b", "org_c"},
		Sequence: 3, Created: base.Add(-48 * time.Hour), Updated: base.Add(-time.Hour),
	}
}

func items(start time.Time) []agenda.Item {
	return []agenda.Item{
		{ID: "opening", Title: agenda.Text{"en": "Welcome and opening", "ar": "الترحيب والافتتاح"}, Start: start, Minutes: 15, Speakers: []agenda.Text{{"en": "OHCHR", "fr": "HCDH"}, {"en": "UNDP"}, {"en": "EU"}}, FloorLanguage: "en", Kind: agenda.ItemOpening},
		{ID: "plan", Title: agenda.Text{"fr": "Présentation du plan d'action"}, Start: start.Add(15 * time.Minute), Minutes: 10, Speakers: []agenda.Text{}, Kind: agenda.ItemPresentation, Parallel: true},
	}
}

func open(t *testing.T, o Opener) store.Store {
	t.Helper()
	s := o(t)
	t.Cleanup(func() { s.Close() })
	return s
}

// CheckEvent fails t unless got equals want in every field but Version;
// times are compared with time.Equal.
func CheckEvent(t testing.TB, got, want agenda.Event) {
	t.Helper()
	times := func(e agenda.Event) [4]time.Time { return [4]time.Time{e.Start, e.End, e.Created, e.Updated} }
	gt, wt := times(got), times(want)
	for i := range gt {
		if !gt[i].Equal(wt[i]) {
			t.Fatalf("event %s: times (start, end, created, updated) differ:\n got %v\nwant %v", want.ID, gt, wt)
		}
	}
	g, w := got, want
	g.Start, g.End, g.Created, g.Updated, g.Version = time.Time{}, time.Time{}, time.Time{}, time.Time{}, 0
	w.Start, w.End, w.Created, w.Updated, w.Version = time.Time{}, time.Time{}, time.Time{}, time.Time{}, 0
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("event %s differs:\n got %+v\nwant %+v", want.ID, g, w)
	}
}

func checkItems(t *testing.T, got, want []agenda.Item) {
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

func mustCreate(t *testing.T, s store.Store, e agenda.Event, a agenda.Agenda) (agenda.Event, agenda.Agenda) {
	t.Helper()
	ev, ag, err := s.CreateEvent(ctx, e, a)
	if err != nil {
		t.Fatalf("create %s: %v", e.ID, err)
	}
	return ev, ag
}

func mustGet(t *testing.T, s store.Store, id string) (agenda.Event, agenda.Agenda) {
	t.Helper()
	e, err := s.GetEvent(ctx, id)
	if err != nil {
		t.Fatalf("get event %s: %v", id, err)
	}
	a, err := s.GetAgenda(ctx, id)
	if err != nil {
		t.Fatalf("get agenda %s: %v", id, err)
	}
	return e, a
}

// wantErr fails t unless err is target (nil: no error).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if target == nil && err != nil {
		t.Fatalf("%s: unexpected error %v", what, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, o Opener)
	}{
		{"create and get", testCreateGet},
		{"update versions", testUpdate},
		{"delete", testDelete},
		{"list order and filters", testList},
		{"list windows: long events, sub-second starts", testListWindows},
		{"agenda", testAgenda},
		{"agenda with event is atomic", testAgendaWithEvent},
		{"concurrent writers", testConcurrent},
		{"series", testSeries},
		{"organizers", testOrganizers},
		{"invitations", testInvites},
		{"invitations: first join, state", testInviteFirstJoin},
		{"sign-in: sessions, links, passkeys, ceremonies, tokens", testSignIn},
		{"returned values are copies", testCopies},
		{"cancelled context", testCancelled},
		{"closed store", testClosed},
		{"empty IDs are invalid", testEmptyIDs},
		{"imported events keep their origin", testImported},
		{"calendar sources, status, pushes, leases", testSources},
		{"agenda releases", testReleases},
		{"audit log", testAudit},
		{"live captions: tokens, lines, the sequence rule", testCaptions},
		{"rate limits", testRateLimits},
		{"attendance: visits, beats, forget, purge", testAttendance},
		{"polls: prepared, answered once per key", testPolls},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, o)
		})
	}
}

func testCreateGet(t *testing.T, o Opener) {
	s := open(t, o)
	e := Event("ev-1", base)
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	e2 := Event("ev-2", base.In(zurich)) // same instant, another zone: compared with time.Equal
	e2.Title, e2.Languages, e2.Invitees = agenda.Text{"ar": "ندوة عبر الإنترنت"}, []string{"ar"}, nil
	tests := []struct {
		name  string
		event agenda.Event
		items []agenda.Item
	}{
		{"every field, with items", e, items(base)},
		{"arabic only, no invitees, no items", e2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, ag := mustCreate(t, s, tc.event, agenda.Agenda{EventID: "ignored", Items: tc.items})
			if ev.Version != 1 || ag.Version != 1 {
				t.Fatalf("versions %d/%d, want 1/1", ev.Version, ag.Version)
			}
			if ag.EventID != tc.event.ID {
				t.Fatalf("agenda event ID %q, want %q", ag.EventID, tc.event.ID)
			}
			CheckEvent(t, ev, tc.event)
			checkItems(t, ag.Items, tc.items)
			read, ra := mustGet(t, s, tc.event.ID)
			if read.Version != 1 || ra.Version != 1 || ra.EventID != tc.event.ID {
				t.Fatalf("read versions %d/%d, agenda event %q", read.Version, ra.Version, ra.EventID)
			}
			CheckEvent(t, read, tc.event)
			checkItems(t, ra.Items, tc.items)
			if ra.Items == nil {
				t.Fatal("agenda items: want an empty, non-nil slice")
			}
			if read.Title["ar"] != tc.event.Title["ar"] {
				t.Fatalf("Arabic title %q, want %q", read.Title["ar"], tc.event.Title["ar"])
			}
		})
	}
	t.Run("duplicate ID", func(t *testing.T) {
		dup := Event("ev-1", base.Add(time.Hour))
		_, _, err := s.CreateEvent(ctx, dup, agenda.Agenda{})
		wantErr(t, "duplicate create", err, agenda.ErrConflict)
		read, _ := mustGet(t, s, "ev-1")
		CheckEvent(t, read, e)
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.GetEvent(ctx, "nope")
		wantErr(t, "get event", err, agenda.ErrNotFound)
		_, err = s.GetAgenda(ctx, "nope")
		wantErr(t, "get agenda", err, agenda.ErrNotFound)
	})
}

func testUpdate(t *testing.T, o Opener) {
	s := open(t, o)
	e := Event("ev-u", base)
	mustCreate(t, s, e, agenda.Agenda{})
	// Steps run in order: each expects the version the previous left.
	tests := []struct {
		name      string
		ifVersion int64
		wantErr   error
		wantV     int64
	}{
		{"right version", 1, nil, 2},
		{"stale version", 1, agenda.ErrConflict, 2},
		{"future version", 9, agenda.ErrConflict, 2},
		{"right version again", 2, nil, 3},
		{"zero: no precondition", 0, nil, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.Title = agenda.Text{"en": tc.name, "ar": "تحديث"}
			got, err := s.UpdateEvent(ctx, e, tc.ifVersion)
			wantErr(t, "update", err, tc.wantErr)
			read, _ := mustGet(t, s, "ev-u")
			if read.Version != tc.wantV {
				t.Fatalf("stored version %d, want %d", read.Version, tc.wantV)
			}
			if err != nil {
				if read.Title["en"] == tc.name {
					t.Fatal("a refused update was applied")
				}
				return
			}
			if got.Version != tc.wantV {
				t.Fatalf("returned version %d, want %d", got.Version, tc.wantV)
			}
			CheckEvent(t, got, e)
			CheckEvent(t, read, e)
		})
	}
	t.Run("missing event", func(t *testing.T) {
		for _, v := range []int64{0, 1} {
			_, err := s.UpdateEvent(ctx, Event("ghost", base), v)
			wantErr(t, fmt.Sprint("update missing, ifVersion ", v), err, agenda.ErrNotFound)
		}
		if _, err := s.GetEvent(ctx, "ghost"); !errors.Is(err, agenda.ErrNotFound) {
			t.Fatalf("update of a missing event created it: %v", err)
		}
	})
	t.Run("update keeps the agenda", func(t *testing.T) {
		_, a := mustGet(t, s, "ev-u")
		if a.Version != 1 {
			t.Fatalf("agenda version %d after event updates, want 1", a.Version)
		}
	})
}

func testDelete(t *testing.T, o Opener) {
	s := open(t, o)
	mustCreate(t, s, Event("ev-d", base), agenda.Agenda{Items: items(base)})
	mustCreate(t, s, Event("ev-keep", base), agenda.Agenda{Items: items(base)})
	if _, err := s.UpdateEvent(ctx, Event("ev-d", base), 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		id        string
		ifVersion int64
		wantErr   error
	}{
		{"stale version", "ev-d", 1, agenda.ErrConflict},
		{"right version", "ev-d", 2, nil},
		{"again", "ev-d", 0, agenda.ErrNotFound},
		{"never existed", "nope", 0, agenda.ErrNotFound},
		{"zero: no precondition", "ev-keep", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.DeleteEvent(ctx, tc.id, tc.ifVersion)
			wantErr(t, "delete", err, tc.wantErr)
			_, gerr := s.GetEvent(ctx, tc.id)
			_, aerr := s.GetAgenda(ctx, tc.id)
			if tc.wantErr == agenda.ErrConflict {
				if gerr != nil || aerr != nil {
					t.Fatalf("refused delete removed something: %v, %v", gerr, aerr)
				}
				return
			}
			wantErr(t, "get event after delete", gerr, agenda.ErrNotFound)
			wantErr(t, "get agenda after delete", aerr, agenda.ErrNotFound)
		})
	}
	t.Run("gone from listings", func(t *testing.T) {
		evs, err := s.ListEvents(ctx, agenda.Filter{})
		if err != nil || len(evs) != 0 {
			t.Fatalf("list after deletes: %v, %d events", err, len(evs))
		}
	})
	t.Run("ID reusable", func(t *testing.T) {
		ev, ag := mustCreate(t, s, Event("ev-d", base), agenda.Agenda{})
		if ev.Version != 1 || ag.Version != 1 || len(ag.Items) != 0 {
			t.Fatalf("recreated: versions %d/%d, %d items", ev.Version, ag.Version, len(ag.Items))
		}
	})
}

func ids(evs []agenda.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func testList(t *testing.T, o Opener) {
	s := open(t, o)
	mk := func(id string, start time.Time, r agenda.Region, k agenda.Kind, parent string) {
		e := Event(id, start)
		e.Region, e.Kind, e.Parent = r, k, parent
		mustCreate(t, s, e, agenda.Agenda{})
	}
	// Created out of order; events last 90 minutes.
	mk("b-late", base.Add(2*time.Hour), agenda.RegionEurope, agenda.KindWebinar, "")
	mk("d-next-day", base.Add(24*time.Hour), agenda.RegionGlobal, agenda.KindAnnualMeeting, "")
	mk("c-same", base, agenda.RegionEurope, agenda.KindSideEvent, "am")
	mk("a-early", base, agenda.RegionAfrica, agenda.KindSideEvent, "am")
	mk("e-other-parent", base.Add(3*time.Hour), agenda.RegionAsiaPacific, agenda.KindGeneralAssembly, "am-2")
	tests := []struct {
		name string
		f    agenda.Filter
		want []string
	}{
		{"all, by start then ID", agenda.Filter{}, []string{"a-early", "c-same", "b-late", "e-other-parent", "d-next-day"}},
		{"region", agenda.Filter{Region: agenda.RegionEurope}, []string{"c-same", "b-late"}},
		{"kind", agenda.Filter{Kind: agenda.KindSideEvent}, []string{"a-early", "c-same"}},
		{"parent", agenda.Filter{Parent: "am"}, []string{"a-early", "c-same"}},
		{"from: ends after", agenda.Filter{From: base.Add(91 * time.Minute)}, []string{"b-late", "e-other-parent", "d-next-day"}},
		{"from: ending exactly at From is out", agenda.Filter{From: base.Add(90 * time.Minute)}, []string{"b-late", "e-other-parent", "d-next-day"}},
		{"to: starting exactly at To is out", agenda.Filter{To: base.Add(2 * time.Hour)}, []string{"a-early", "c-same"}},
		{"to: starts before", agenda.Filter{To: base.Add(2*time.Hour + time.Second)}, []string{"a-early", "c-same", "b-late"}},
		{"window", agenda.Filter{From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, []string{"a-early", "c-same", "b-late"}},
		{"region and kind", agenda.Filter{Region: agenda.RegionEurope, Kind: agenda.KindWebinar}, []string{"b-late"}},
		{"every field", agenda.Filter{From: base, To: base.Add(time.Hour), Region: agenda.RegionAfrica, Kind: agenda.KindSideEvent, Parent: "am"}, []string{"a-early"}},
		{"nothing", agenda.Filter{Region: agenda.RegionAmericas}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := s.ListEvents(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(evs); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for _, e := range evs {
				if e.Version != 1 {
					t.Fatalf("%s listed with version %d, want 1", e.ID, e.Version)
				}
			}
		})
	}
	t.Run("listing follows writes", func(t *testing.T) {
		e, _ := mustGet(t, s, "d-next-day")
		e.Start, e.End = base.Add(-time.Hour), base
		if _, err := s.UpdateEvent(ctx, e, e.Version); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteEvent(ctx, "c-same", 0); err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListEvents(ctx, agenda.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"d-next-day", "a-early", "b-late", "e-other-parent"}
		if got := ids(evs); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if evs[0].Version != 2 || !evs[0].Start.Equal(e.Start) {
			t.Fatalf("moved event listed as version %d at %v", evs[0].Version, evs[0].Start)
		}
		got, _ := mustGet(t, s, "d-next-day")
		CheckEvent(t, evs[0], got)
	})
}

// testListWindows checks time windows against events that a store indexed
// by start might miss: one that began days before the window and is still
// running, and starts that differ by less than a second (ordered by the
// exact start, not by ID within the second).
func testListWindows(t *testing.T, o Opener) {
	s := open(t, o)
	mk := func(id string, start, end time.Time) {
		e := Event(id, start)
		e.End = end
		mustCreate(t, s, e, agenda.Agenda{})
	}
	ms := time.Millisecond
	mk("long", base.Add(-72*time.Hour), base.Add(time.Hour))
	mk("short-before", base.Add(-2*time.Hour), base.Add(-time.Hour))
	mk("z-exact", base, base.Add(2*time.Hour))
	mk("a-subsec", base.Add(500*ms), base.Add(1500*ms))
	tests := []struct {
		name string
		f    agenda.Filter
		want []string
	}{
		{"all: sub-second start orders before ID", agenda.Filter{}, []string{"long", "short-before", "z-exact", "a-subsec"}},
		{"from: the long event is still running", agenda.Filter{From: base}, []string{"long", "z-exact", "a-subsec"}},
		{"from: ends 0.5 s after From", agenda.Filter{From: base.Add(time.Second)}, []string{"long", "z-exact", "a-subsec"}},
		{"from: ends exactly at From (sub-second)", agenda.Filter{From: base.Add(1500 * ms)}, []string{"long", "z-exact"}},
		{"to: starts exactly at To (sub-second)", agenda.Filter{To: base.Add(500 * ms)}, []string{"long", "short-before", "z-exact"}},
		{"to: starts 1 ms before To", agenda.Filter{To: base.Add(501 * ms)}, []string{"long", "short-before", "z-exact", "a-subsec"}},
		{"window inside the long event", agenda.Filter{From: base.Add(-48 * time.Hour), To: base.Add(-47 * time.Hour)}, []string{"long"}},
		{"window after everything", agenda.Filter{From: base.Add(3 * time.Hour)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := s.ListEvents(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(evs); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("shortened, the long event leaves the window", func(t *testing.T) {
		e, _ := mustGet(t, s, "long")
		e.End = e.Start.Add(time.Hour)
		if _, err := s.UpdateEvent(ctx, e, e.Version); err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListEvents(ctx, agenda.Filter{From: base})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(evs), []string{"z-exact", "a-subsec"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func testAgenda(t *testing.T, o Opener) {
	s := open(t, o)
	mustCreate(t, s, Event("ev-a", base), agenda.Agenda{})
	want := items(base)
	tests := []struct {
		name      string
		eventID   string
		items     []agenda.Item
		ifVersion int64
		wantErr   error
		wantV     int64 // stored version afterwards (0: no agenda)
		wantItems int
	}{
		{"right version", "ev-a", want, 1, nil, 2, 2},
		{"stale version", "ev-a", want[:1], 1, agenda.ErrConflict, 2, 2},
		{"future version", "ev-a", want[:1], 7, agenda.ErrConflict, 2, 2},
		{"zero: no precondition", "ev-a", want[1:], 0, nil, 3, 1},
		{"emptied", "ev-a", nil, 3, nil, 4, 0},
		{"event missing", "nope", want, 0, agenda.ErrNotFound, 0, 0},
		{"event missing, with version", "nope", want, 1, agenda.ErrNotFound, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PutAgenda(ctx, agenda.Agenda{EventID: tc.eventID, Items: tc.items}, tc.ifVersion, nil)
			wantErr(t, "put agenda", err, tc.wantErr)
			read, rerr := s.GetAgenda(ctx, tc.eventID)
			if tc.wantV == 0 {
				wantErr(t, "get agenda", rerr, agenda.ErrNotFound)
				return
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if read.Version != tc.wantV || len(read.Items) != tc.wantItems {
				t.Fatalf("stored version %d with %d items, want %d with %d", read.Version, len(read.Items), tc.wantV, tc.wantItems)
			}
			if err == nil {
				if got.Version != tc.wantV || got.EventID != tc.eventID {
					t.Fatalf("returned version %d event %q", got.Version, got.EventID)
				}
				checkItems(t, got.Items, tc.items)
				checkItems(t, read.Items, tc.items)
			}
		})
	}
	t.Run("event untouched without e", func(t *testing.T) {
		e, _ := mustGet(t, s, "ev-a")
		if e.Version != 1 {
			t.Fatalf("event version %d after agenda-only writes, want 1", e.Version)
		}
	})
}

func testAgendaWithEvent(t *testing.T, o Opener) {
	s := open(t, o)
	mustCreate(t, s, Event("ev-ae", base), agenda.Agenda{Items: items(base)})
	mustCreate(t, s, Event("ev-other", base), agenda.Agenda{})
	// Bring the event to version 2, so that version 1 is stale.
	if _, err := s.UpdateEvent(ctx, Event("ev-ae", base), 1); err != nil {
		t.Fatal(err)
	}
	one := items(base)[:1]
	refused := []struct {
		name      string
		event     string
		eventV    int64
		ifVersion int64
		wantErr   error
	}{
		{"stale event version", "ev-ae", 1, 1, agenda.ErrConflict},
		{"future event version", "ev-ae", 5, 1, agenda.ErrConflict},
		{"stale agenda version", "ev-ae", 2, 9, agenda.ErrConflict},
		{"event of another agenda", "ev-other", 1, 1, nil},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			e := Event(tc.event, base)
			e.Version, e.Sequence = tc.eventV, 99
			_, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-ae", Items: one}, tc.ifVersion, &e)
			if err == nil {
				t.Fatal("write accepted")
			}
			if tc.wantErr != nil {
				wantErr(t, "put agenda with event", err, tc.wantErr)
			}
			for _, id := range []string{"ev-ae", "ev-other"} {
				ev, a := mustGet(t, s, id)
				if ev.Sequence == 99 || (id == "ev-ae" && (ev.Version != 2 || a.Version != 1 || len(a.Items) != 2)) || (id == "ev-other" && ev.Version != 1) {
					t.Fatalf("refused write changed %s: event v%d seq %d, agenda v%d with %d items", id, ev.Version, ev.Sequence, a.Version, len(a.Items))
				}
			}
		})
	}
	t.Run("accepted", func(t *testing.T) {
		e := Event("ev-ae", base)
		e.Version, e.Sequence = 2, 4
		a, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-ae", Items: one}, 1, &e)
		if err != nil {
			t.Fatal(err)
		}
		if a.Version != 2 || len(a.Items) != 1 {
			t.Fatalf("returned agenda v%d with %d items", a.Version, len(a.Items))
		}
		ev, ra := mustGet(t, s, "ev-ae")
		if ev.Version != 3 || ev.Sequence != 4 || ra.Version != 2 || len(ra.Items) != 1 {
			t.Fatalf("stored event v%d seq %d, agenda v%d with %d items; want v3 seq 4, v2 with 1", ev.Version, ev.Sequence, ra.Version, len(ra.Items))
		}
		CheckEvent(t, ev, e)
		evs, err := s.ListEvents(ctx, agenda.Filter{})
		if err != nil || len(evs) != 2 || evs[0].ID != "ev-ae" || evs[0].Version != 3 || evs[0].Sequence != 4 {
			t.Fatalf("listing after the joint write: %v %+v", err, evs)
		}
	})
	t.Run("event version zero: no precondition on the event", func(t *testing.T) {
		e := Event("ev-ae", base)
		e.Version, e.Sequence = 0, 5
		if _, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-ae"}, 2, &e); err != nil {
			t.Fatal(err)
		}
		ev, ra := mustGet(t, s, "ev-ae")
		if ev.Version != 4 || ev.Sequence != 5 || ra.Version != 3 {
			t.Fatalf("event v%d seq %d, agenda v%d; want v4 seq 5, v3", ev.Version, ev.Sequence, ra.Version)
		}
	})
}

func testConcurrent(t *testing.T, o Opener) {
	s := open(t, o)
	const writers = 8
	race := func(t *testing.T, write func(i int) error) int {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = write(i)
			}()
		}
		close(start)
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
		return wins
	}
	t.Run("events", func(t *testing.T) {
		mustCreate(t, s, Event("ev-c", base), agenda.Agenda{})
		winner := make([]string, 0, 1)
		var mu sync.Mutex
		wins := race(t, func(i int) error {
			e := Event("ev-c", base)
			e.Title = agenda.Text{"en": fmt.Sprint("writer ", i)}
			_, err := s.UpdateEvent(ctx, e, 1)
			if err == nil {
				mu.Lock()
				winner = append(winner, e.Title["en"])
				mu.Unlock()
			}
			return err
		})
		e, _ := mustGet(t, s, "ev-c")
		if wins != 1 || e.Version != 2 {
			t.Fatalf("%d writers won, version %d; want exactly 1 and 2", wins, e.Version)
		}
		if e.Title["en"] != winner[0] {
			t.Fatalf("stored title %q, but %q won", e.Title["en"], winner[0])
		}
	})
	t.Run("agendas", func(t *testing.T) {
		mustCreate(t, s, Event("ev-ca", base), agenda.Agenda{})
		wins := race(t, func(i int) error {
			_, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-ca", Items: items(base)[:1+i%2]}, 1, nil)
			return err
		})
		_, a := mustGet(t, s, "ev-ca")
		if wins != 1 || a.Version != 2 {
			t.Fatalf("%d writers won, agenda version %d; want exactly 1 and 2", wins, a.Version)
		}
	})
	t.Run("creates of one ID", func(t *testing.T) {
		wins := race(t, func(i int) error {
			_, _, err := s.CreateEvent(ctx, Event("ev-cc", base), agenda.Agenda{})
			return err
		})
		if wins != 1 {
			t.Fatalf("%d creates of one ID succeeded, want 1", wins)
		}
	})
	t.Run("unconditional writes all land", func(t *testing.T) {
		mustCreate(t, s, Event("ev-cu", base), agenda.Agenda{})
		wins := race(t, func(i int) error {
			_, err := s.UpdateEvent(ctx, Event("ev-cu", base), 0)
			return err
		})
		e, _ := mustGet(t, s, "ev-cu")
		if wins != writers || e.Version != 1+writers {
			t.Fatalf("%d writes succeeded, version %d; want %d and %d", wins, e.Version, writers, 1+writers)
		}
	})
}

func testSeries(t *testing.T, o Opener) {
	s := open(t, o)
	ser := agenda.Series{ID: "general-assembly", Title: agenda.Text{"en": "General Assembly", "ar": "الجمعية العامة"},
		Region: agenda.RegionEurope, Owner: "org_ennhri", // its owner is kept
		StandingItems: []agenda.StandingItem{{Title: agenda.Text{"en": "Threats and reprisals", "ar": "التهديدات والأعمال الانتقامية"}, Minutes: 20}}}
	tests := []struct {
		name      string
		series    agenda.Series
		ifVersion int64
		wantErr   error
		wantV     int64 // stored version afterwards (0: none stored)
	}{
		{"create", ser, 0, nil, 1},
		{"stale", ser, 5, agenda.ErrConflict, 1},
		{"precondition on a missing series", agenda.Series{ID: "not-there", Title: agenda.Text{"en": "x"}}, 1, agenda.ErrConflict, 0},
		{"update with right version", ser, 1, nil, 2},
		{"stale again", ser, 1, agenda.ErrConflict, 2},
		{"update, no precondition", ser, 0, nil, 3},
		{"another", agenda.Series{ID: "a-first", Title: agenda.Text{"en": "A"}}, 0, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PutSeries(ctx, tc.series, tc.ifVersion)
			wantErr(t, "put series", err, tc.wantErr)
			read, rerr := s.GetSeries(ctx, tc.series.ID)
			if tc.wantV == 0 {
				wantErr(t, "get series", rerr, agenda.ErrNotFound)
				return
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if read.Version != tc.wantV {
				t.Fatalf("stored version %d, want %d", read.Version, tc.wantV)
			}
			if err == nil && got.Version != tc.wantV {
				t.Fatalf("returned version %d, want %d", got.Version, tc.wantV)
			}
			r := read
			r.Version = 0
			if !reflect.DeepEqual(r, tc.series) {
				t.Fatalf("stored %+v, want %+v", r, tc.series)
			}
		})
	}
	t.Run("not found", func(t *testing.T) {
		_, err := s.GetSeries(ctx, "nope")
		wantErr(t, "get series", err, agenda.ErrNotFound)
	})
	t.Run("list by ID", func(t *testing.T) {
		all, err := s.ListSeries(ctx)
		if err != nil || len(all) != 2 || all[0].ID != "a-first" || all[1].ID != "general-assembly" {
			t.Fatalf("list: %v %+v", err, all)
		}
		if all[1].Version != 3 || all[1].StandingItems[0].Title["ar"] != "التهديدات والأعمال الانتقامية" {
			t.Fatalf("listed %+v", all[1])
		}
	})
}

func testOrganizers(t *testing.T, o Opener) {
	s := open(t, o)
	_, h1 := access.NewToken()
	_, h2 := access.NewToken()
	_, h3 := access.NewToken()
	a := access.Organizer{ID: "org_a", Name: "Head office", Region: agenda.RegionGlobal, TokenHash: h1, Created: base}
	b := access.Organizer{ID: "org_b", Name: "أمانة الشبكة الأفريقية", Region: agenda.RegionAfrica, TokenHash: h2, Created: base.Add(time.Minute)}
	tests := []struct {
		name    string
		o       access.Organizer
		wantErr error
	}{
		{"second by creation", b, nil},
		{"first by creation", a, nil},
		{"duplicate ID", access.Organizer{ID: "org_a", Name: "Other", TokenHash: h3, Created: base}, agenda.ErrConflict},
		{"duplicate token hash", access.Organizer{ID: "org_c", Name: "C", TokenHash: h1, Created: base}, agenda.ErrConflict},
	}
	for _, tc := range tests {
		t.Run("create: "+tc.name, func(t *testing.T) {
			wantErr(t, "create organizer", s.CreateOrganizer(ctx, tc.o), tc.wantErr)
		})
	}
	t.Run("refused creates left no trace", func(t *testing.T) {
		_, err := s.OrganizerByTokenHash(ctx, h3)
		wantErr(t, "by hash of the refused duplicate", err, access.ErrNotFound)
		got, err := s.OrganizerByTokenHash(ctx, h1)
		if err != nil || got.ID != "org_a" || got.Name != "Head office" {
			t.Fatalf("by hash h1: %v %+v", err, got)
		}
	})
	t.Run("by token hash", func(t *testing.T) {
		got, err := s.OrganizerByTokenHash(ctx, h2)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != b.ID || got.Name != b.Name || got.Region != b.Region || got.TokenHash != h2 || !got.Created.Equal(b.Created) || got.Revoked {
			t.Fatalf("got %+v, want %+v", got, b)
		}
	})
	t.Run("unknown hash", func(t *testing.T) {
		_, err := s.OrganizerByTokenHash(ctx, "unknown")
		wantErr(t, "by hash", err, access.ErrNotFound)
	})
	t.Run("list by creation", func(t *testing.T) {
		list, err := s.ListOrganizers(ctx)
		if err != nil || len(list) != 2 || list[0].ID != "org_a" || list[1].ID != "org_b" {
			t.Fatalf("list: %v %+v", err, list)
		}
		if list[1].TokenHash != h2 || list[1].Name != b.Name {
			t.Fatalf("listed %+v", list[1])
		}
	})
	t.Run("revoke", func(t *testing.T) {
		if err := s.RevokeOrganizer(ctx, "org_a"); err != nil {
			t.Fatal(err)
		}
		got, err := s.OrganizerByTokenHash(ctx, h1)
		if err != nil || !got.Revoked || got.ID != "org_a" {
			t.Fatalf("revoked organizer by hash: %v %+v", err, got)
		}
		if other, _ := s.OrganizerByTokenHash(ctx, h2); other.Revoked {
			t.Fatal("revoking org_a revoked org_b")
		}
		list, _ := s.ListOrganizers(ctx)
		if len(list) != 2 || !list[0].Revoked || list[1].Revoked {
			t.Fatalf("list after revoke: %+v", list)
		}
		if err := s.RevokeOrganizer(ctx, "org_a"); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
	})
	t.Run("revoke missing", func(t *testing.T) {
		wantErr(t, "revoke", s.RevokeOrganizer(ctx, "org_zz"), access.ErrNotFound)
	})
}

func testCopies(t *testing.T, o Opener) {
	s := open(t, o)
	in, inItems := Event("ev-x", base), items(base)
	ev, ag := mustCreate(t, s, in, agenda.Agenda{Items: inItems})
	// Mutate what was passed in and what came back from every call.
	in.Title["en"], in.Languages[0], in.Invitees[0], in.Location["en"] = "mutated", "xx", "mallory", "mutated"
	inItems[0].Speakers[0]["en"], inItems[0].Title["en"] = "mallory", "mutated"
	ev.Title["en"], ev.Description["en"], ev.Languages[1] = "mutated", "mutated", "xx"
	ag.Items[0].Speakers[1]["en"], ag.Items[0].Title["ar"] = "mallory", "mutated"
	e, a := mustGet(t, s, "ev-x")
	e.Title["en"], e.Languages[0], e.Invitees[0], e.Location["en"] = "mutated", "xx", "mallory", "mutated"
	a.Items[0].Speakers[0]["en"], a.Items[0].Title["en"] = "mallory", "mutated"
	for _, f := range []agenda.Filter{{}, {Region: agenda.RegionGlobal}} {
		evs, err := s.ListEvents(ctx, f)
		if err != nil || len(evs) != 1 {
			t.Fatalf("list: %v, %d events", err, len(evs))
		}
		evs[0].Title["fr"], evs[0].Languages[2], evs[0].Invitees[1], evs[0].Location["fr"] = "mutated", "xx", "mallory", "mutated"
	}
	check := func(t *testing.T) {
		t.Helper()
		e, a := mustGet(t, s, "ev-x")
		CheckEvent(t, e, Event("ev-x", base))
		checkItems(t, a.Items, items(base))
		evs, _ := s.ListEvents(ctx, agenda.Filter{})
		CheckEvent(t, evs[0], Event("ev-x", base))
	}
	check(t)
	up := Event("ev-x", base)
	got, err := s.UpdateEvent(ctx, up, 0)
	if err != nil {
		t.Fatal(err)
	}
	up.Title["es"], got.Title["ar"], got.Invitees[0] = "mutated", "mutated", "mallory"
	upItems := items(base)
	pa, err := s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-x", Items: upItems}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	upItems[1].Title["fr"], pa.Items[0].Speakers[2]["en"] = "mutated", "mallory"
	check(t)

	t.Run("listed events do not share slices", func(t *testing.T) {
		mustCreate(t, s, Event("ev-y", base.Add(time.Hour)), agenda.Agenda{})
		evs, err := s.ListEvents(ctx, agenda.Filter{})
		if err != nil || len(evs) != 2 {
			t.Fatalf("list: %v, %d events", err, len(evs))
		}
		_ = append(evs[0].Languages, "xx")
		_ = append(evs[0].Invitees, "mallory")
		CheckEvent(t, evs[1], Event("ev-y", base.Add(time.Hour)))
	})
	t.Run("series", func(t *testing.T) {
		ser := agenda.Series{ID: "s", Title: agenda.Text{"en": "S"}, StandingItems: []agenda.StandingItem{{Title: agenda.Text{"en": "T"}, Minutes: 5}}}
		got, err := s.PutSeries(ctx, ser, 0)
		if err != nil {
			t.Fatal(err)
		}
		ser.Title["en"], ser.StandingItems[0].Title["en"] = "mutated", "mutated"
		got.Title["en"], got.StandingItems[0].Minutes = "mutated", 99
		r, _ := s.GetSeries(ctx, "s")
		r.StandingItems[0].Title["en"] = "mutated"
		list, _ := s.ListSeries(ctx)
		list[0].Title["en"] = "mutated"
		r, _ = s.GetSeries(ctx, "s")
		if r.Title["en"] != "S" || r.StandingItems[0].Title["en"] != "T" || r.StandingItems[0].Minutes != 5 {
			t.Fatalf("series changed through a copy: %+v", r)
		}
	})
}

func testCancelled(t *testing.T, o Opener) {
	s := open(t, o)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err := s.CreateEvent(cctx, Event("ev-cx", base), agenda.Agenda{})
	wantErr(t, "create with a cancelled context", err, context.Canceled)
	if _, err := s.GetEvent(ctx, "ev-cx"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("a write with a cancelled context was applied: %v", err)
	}
}

func testClosed(t *testing.T, o Opener) {
	s := o(t)
	mustCreate(t, s, Event("ev-z", base), agenda.Agenda{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetEvent(ctx, "ev-z"); err == nil {
		t.Fatal("GetEvent after Close succeeded")
	}
	if _, err := s.ListEvents(ctx, agenda.Filter{}); err == nil {
		t.Fatal("ListEvents after Close succeeded")
	}
	if _, err := s.UpdateEvent(ctx, Event("ev-z", base), 0); err == nil {
		t.Fatal("UpdateEvent after Close succeeded")
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}

func testEmptyIDs(t *testing.T, o Opener) {
	s := open(t, o)
	_, hash := access.NewToken()
	tests := []struct {
		name  string
		write func() error
	}{
		{"event", func() error {
			_, _, err := s.CreateEvent(ctx, Event("", base), agenda.Agenda{})
			return err
		}},
		{"series", func() error {
			_, err := s.PutSeries(ctx, agenda.Series{Title: agenda.Text{"en": "S"}}, 0)
			return err
		}},
		{"organizer", func() error {
			return s.CreateOrganizer(ctx, access.Organizer{Name: "N", TokenHash: hash, Created: base})
		}},
		{"organizer token hash", func() error {
			return s.CreateOrganizer(ctx, access.Organizer{ID: "org_n", Name: "N", Created: base})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, "write with an empty "+tc.name, tc.write(), agenda.ErrInvalid)
		})
	}
	t.Run("nothing stored", func(t *testing.T) {
		evs, err := s.ListEvents(ctx, agenda.Filter{})
		if err != nil || len(evs) != 0 {
			t.Fatalf("events: %v %v", err, ids(evs))
		}
		ser, err := s.ListSeries(ctx)
		if err != nil || len(ser) != 0 {
			t.Fatalf("series: %v %+v", err, ser)
		}
		orgs, err := s.ListOrganizers(ctx)
		if err != nil || len(orgs) != 0 {
			t.Fatalf("organizers: %v %+v", err, orgs)
		}
		_, err = s.OrganizerByTokenHash(ctx, hash)
		wantErr(t, "organizer by the refused hash", err, access.ErrNotFound)
	})
}

// RunReopen checks that what was acknowledged is there, unchanged and with
// its versions, after the store is closed and opened again (a restart).
// reopen must open the same data that o did.
func RunReopen(t *testing.T, o Opener, reopen Opener) {
	s := o(t)
	e, e2 := Event("ev-r", base), Event("ev-r0", base.Add(-time.Hour))
	mustCreate(t, s, e, agenda.Agenda{Items: items(base)})
	mustCreate(t, s, e2, agenda.Agenda{})
	mustCreate(t, s, Event("ev-gone", base), agenda.Agenda{})
	if _, err := s.UpdateEvent(ctx, e, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteEvent(ctx, "ev-gone", 0); err != nil {
		t.Fatal(err)
	}
	ser := agenda.Series{ID: "ser", Title: agenda.Text{"ar": "السلسلة"}}
	if _, err := s.PutSeries(ctx, ser, 0); err != nil {
		t.Fatal(err)
	}
	_, hash := access.NewToken()
	if err := s.CreateOrganizer(ctx, access.Organizer{ID: "org_r", Name: "R", TokenHash: hash, Created: base}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOrganizer(ctx, "org_r"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := open(t, reopen)
	got, a := mustGet(t, s2, "ev-r")
	CheckEvent(t, got, e)
	checkItems(t, a.Items, items(base))
	if got.Version != 2 || a.Version != 1 {
		t.Fatalf("versions after reopen: event %d, agenda %d; want 2, 1", got.Version, a.Version)
	}
	if _, err := s2.GetEvent(ctx, "ev-gone"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("deleted event after reopen: %v", err)
	}
	evs, err := s2.ListEvents(ctx, agenda.Filter{})
	if err != nil || !reflect.DeepEqual(ids(evs), []string{"ev-r0", "ev-r"}) || evs[1].Version != 2 {
		t.Fatalf("list after reopen: %v %v", err, ids(evs))
	}
	if rs, err := s2.GetSeries(ctx, "ser"); err != nil || rs.Version != 1 || rs.Title["ar"] != "السلسلة" {
		t.Fatalf("series after reopen: %v %+v", err, rs)
	}
	if org, err := s2.OrganizerByTokenHash(ctx, hash); err != nil || org.ID != "org_r" || !org.Revoked {
		t.Fatalf("organizer after reopen: %v %+v", err, org)
	}
	// Versions keep counting from where they were.
	if up, err := s2.UpdateEvent(ctx, e, 2); err != nil || up.Version != 3 {
		t.Fatalf("update after reopen: %v, version %d", err, up.Version)
	}
}
