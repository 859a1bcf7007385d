package agenda_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
)

func newService(t testing.TB) (*agenda.Service, *store.Bolt) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return agenda.New(agenda.Config{}, st), st
}

var (
	day   = time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)
	hhmm  = func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	ctx   = context.Background()
	title = agenda.Text{"en": "Annual meeting", "ar": "الاجتماع السنوي"}
)

func meeting() agenda.Event {
	return agenda.Event{ID: "am-2021", Kind: agenda.KindAnnualMeeting, Title: title, Start: hhmm(7, 0), End: hhmm(17, 0),
		TimeZone: "Europe/Zurich", Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic,
		Status: agenda.StatusPublished, Languages: []string{"ar", "en", "fr", "es"}}
}

func sideEvent() agenda.Event {
	e := meeting()
	e.ID, e.Kind, e.Parent = "side-1", agenda.KindSideEvent, "am-2021"
	e.Start, e.End = hhmm(14, 30), hhmm(16, 0)
	e.Title = agenda.Text{"fr": "Consultation"}
	return e
}

func item(id string, start time.Time, min int) agenda.Item {
	return agenda.Item{ID: id, Title: agenda.Text{"en": "Item " + id}, Start: start, Minutes: min, Kind: agenda.ItemPresentation}
}

// fieldsOf returns the field names of a validation error, or fails.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *agenda.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, agenda.ErrInvalid) {
		t.Fatalf("want a *ValidationError matching ErrInvalid, got %v", err)
	}
	return ve.Fields
}

func TestCreateEventRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		given func(e *agenda.Event)
		field string
	}{
		{"no title in any language", func(e *agenda.Event) { e.Title = agenda.Text{"en": "  "} }, "title"},
		{"unknown language code", func(e *agenda.Event) { e.Title = agenda.Text{"en": "x", "de": "y"} }, "title.de"},
		{"country code instead of language", func(e *agenda.Event) { e.Languages = []string{"ar", "EN"} }, "languages[1]"},
		{"end before start", func(e *agenda.Event) { e.End = e.Start.Add(-time.Hour) }, "end"},
		{"end equals start", func(e *agenda.Event) { e.End = e.Start }, "end"},
		{"no start", func(e *agenda.Event) { e.Start = time.Time{} }, "start"},
		{"unknown zone", func(e *agenda.Event) { e.TimeZone = "Mars/Olympus" }, "timezone"},
		{"no zone", func(e *agenda.Event) { e.TimeZone = "" }, "timezone"},
		{"unknown region", func(e *agenda.Event) { e.Region = "antarctica" }, "region"},
		{"unknown kind", func(e *agenda.Event) { e.Kind = "party" }, "kind"},
		{"unknown visibility", func(e *agenda.Event) { e.Visibility = "secret" }, "visibility"},
		{"bad id", func(e *agenda.Event) { e.ID = "Has Spaces" }, "id"},
		{"title with a line break", func(e *agenda.Event) { e.Title = agenda.Text{"en": "a\r\nBEGIN:VEVENT"} }, "title.en"},
		{"title too long", func(e *agenda.Event) { e.Title = agenda.Text{"en": strings.Repeat("x", 301)} }, "title.en"},
		{"too long", func(e *agenda.Event) { e.End = e.Start.Add(61 * 24 * time.Hour) }, "end"},
		{"year 10000 in its zone", func(e *agenda.Event) {
			e.TimeZone, e.Start = "Pacific/Kiritimati", time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
			e.End = e.Start.Add(time.Hour)
		}, "start"},
		{"before 1900", func(e *agenda.Event) { e.Start = time.Date(1899, 12, 1, 12, 0, 0, 0, time.UTC) }, "start"},
		{"annual meeting with parent", func(e *agenda.Event) { e.Parent = "x" }, "parent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := newService(t)
			e := meeting()
			tc.given(&e)
			_, _, err := svc.CreateEvent(ctx, e, nil)
			if f := fieldsOf(t, err); f[tc.field] == "" {
				t.Fatalf("want an error on %q, got %v", tc.field, f)
			}
			if all, _ := st.ListEvents(ctx, agenda.Filter{}); len(all) != 0 {
				t.Fatalf("a rejected event was stored: %v", all)
			}
		})
	}
}

func TestChildEventRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		given func(e *agenda.Event)
		field string
	}{
		{"side event without parent", func(e *agenda.Event) { e.Parent = "" }, "parent"},
		{"parent does not exist", func(e *agenda.Event) { e.Parent = "nope-nope" }, "parent"},
		{"outside the parent's dates", func(e *agenda.Event) { e.End = hhmm(18, 0) }, "start"},
		{"parent is not an annual meeting", func(e *agenda.Event) { e.Parent = "web-1" }, "parent"},
		{"ok", func(e *agenda.Event) {}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := newService(t)
			if _, _, err := svc.CreateEvent(ctx, meeting(), nil); err != nil {
				t.Fatal(err)
			}
			w := meeting()
			w.ID, w.Kind = "web-1", agenda.KindWebinar
			if _, _, err := svc.CreateEvent(ctx, w, nil); err != nil {
				t.Fatal(err)
			}
			e := sideEvent()
			tc.given(&e)
			_, _, err := svc.CreateEvent(ctx, e, nil)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if f := fieldsOf(t, err); f[tc.field] == "" {
				t.Fatalf("want an error on %q, got %v", tc.field, f)
			}
		})
	}
}

func TestAgendaRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		items []agenda.Item
		field string
	}{
		{"back to back", []agenda.Item{item("a-1", hhmm(14, 30), 15), item("a-2", hhmm(14, 45), 10)}, ""},
		{"overlap", []agenda.Item{item("a-1", hhmm(14, 30), 20), item("a-2", hhmm(14, 45), 10)}, "items[1].start"},
		{"overlap allowed when parallel", []agenda.Item{item("a-1", hhmm(14, 30), 20), func() agenda.Item {
			it := item("a-2", hhmm(14, 45), 10)
			it.Parallel = true
			return it
		}()}, ""},
		{"before the event", []agenda.Item{item("a-1", hhmm(14, 0), 15)}, "items[0].start"},
		{"runs past the end", []agenda.Item{item("a-1", hhmm(15, 50), 15)}, "items[0].start"},
		{"no duration", []agenda.Item{item("a-1", hhmm(14, 30), 0)}, "items[0].duration"},
		{"duplicate ids", []agenda.Item{item("a-1", hhmm(14, 30), 5), item("a-1", hhmm(15, 0), 5)}, "items[1].id"},
		{"no title", []agenda.Item{{ID: "a-1", Start: hhmm(14, 30), Minutes: 5, Kind: agenda.ItemBreak}}, "items[0].title"},
		{"unknown kind", []agenda.Item{{ID: "a-1", Title: title, Start: hhmm(14, 30), Minutes: 5, Kind: "nap"}}, "items[0].kind"},
		{"bad floor language", []agenda.Item{{ID: "a-1", Title: title, Start: hhmm(14, 30), Minutes: 5, Kind: agenda.ItemBreak, FloorLanguage: "english"}}, "items[0].floor_language"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := newService(t)
			if _, _, err := svc.CreateEvent(ctx, meeting(), nil); err != nil {
				t.Fatal(err)
			}
			ev, ag, err := svc.CreateEvent(ctx, sideEvent(), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.PutAgenda(ctx, ev.ID, tc.items, ag.Version)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if f := fieldsOf(t, err); f[tc.field] == "" {
				t.Fatalf("want an error on %q, got %v", tc.field, f)
			}
			got, _ := st.GetAgenda(ctx, ev.ID)
			if len(got.Items) != 0 || got.Version != ag.Version {
				t.Fatalf("a rejected agenda changed the store: %+v", got)
			}
		})
	}
}

func TestStandingItemsAppearOnEveryNewEventOfASeries(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	reprisals := agenda.Text{"en": "Threats and reprisals against institutions", "fr": "Menaces et représailles"}
	if _, err := svc.PutSeries(ctx, agenda.Series{ID: "gen-assembly", Title: agenda.Text{"en": "General Assembly"},
		StandingItems: []agenda.StandingItem{{Title: reprisals, Minutes: 20}}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateEvent(ctx, meeting(), nil); err != nil {
		t.Fatal(err)
	}
	for i, given := range [][]agenda.Item{nil, {item("opening", hhmm(14, 30), 30)}} {
		e := sideEvent()
		e.ID, e.Kind, e.Series = fmt.Sprintf("ga-%d", i), agenda.KindGeneralAssembly, "gen-assembly"
		_, ag, err := svc.CreateEvent(ctx, e, given)
		if err != nil {
			t.Fatal(err)
		}
		last := ag.Items[len(ag.Items)-1]
		if len(ag.Items) != len(given)+1 || last.Kind != agenda.ItemStanding || !reflect.DeepEqual(last.Title, reprisals) {
			t.Fatalf("event %d: standing item missing: %+v", i, ag.Items)
		}
		wantStart := e.Start.Add(time.Duration(30*len(given)) * time.Minute)
		if !last.Start.Equal(wantStart) || last.Minutes != 20 {
			t.Fatalf("event %d: standing item at %s for %d min, want %s", i, last.Start, last.Minutes, wantStart)
		}
	}
	e := sideEvent()
	e.ID, e.Series = "ga-x", "no-such-series"
	if _, _, err := svc.CreateEvent(ctx, e, nil); fieldsOf(t, err)["series"] == "" {
		t.Fatalf("unknown series accepted")
	}
}

func TestSequenceBumpsOnlyOnCalendarVisibleChanges(t *testing.T) {
	t.Parallel()
	svc, st := newService(t)
	ev, ag, err := svc.CreateEvent(ctx, meeting(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Sequence != 0 || ev.Version != 1 {
		t.Fatalf("new event: sequence %d version %d", ev.Sequence, ev.Version)
	}
	ev.Invitees = []string{"org_x"}
	if ev, err = svc.UpdateEvent(ctx, ev, ev.Version); err != nil || ev.Sequence != 0 {
		t.Fatalf("invitees change: sequence %d, err %v (want 0)", ev.Sequence, err)
	}
	ev.Title = agenda.Text{"en": "Renamed"}
	if ev, err = svc.UpdateEvent(ctx, ev, ev.Version); err != nil || ev.Sequence != 1 {
		t.Fatalf("title change: sequence %d, err %v (want 1)", ev.Sequence, err)
	}
	draft, err := svc.PutAgenda(ctx, ev.ID, []agenda.Item{item("a-1", hhmm(8, 0), 10)}, ag.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetEvent(ctx, ev.ID); got.Sequence != 1 {
		t.Fatalf("draft agenda change: sequence %d (want 1: calendars see releases only)", got.Sequence)
	}
	if _, _, err := svc.Publish(ctx, ev.ID, "", "org_a", draft.Version); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetEvent(ctx, ev.ID)
	if got.Sequence != 2 || !got.Updated.After(ev.Created) && !got.Updated.Equal(ev.Created) {
		t.Fatalf("agenda released: sequence %d (want 2)", got.Sequence)
	}
	if _, err := svc.UpdateEvent(ctx, got, got.Version-1); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale version: want ErrConflict, got %v", err)
	}
}

func TestUpdateRefusesToStrandTheAgenda(t *testing.T) {
	t.Parallel()
	svc, st := newService(t)
	ev, ag, err := svc.CreateEvent(ctx, meeting(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutAgenda(ctx, ev.ID, []agenda.Item{item("late", hhmm(16, 0), 30)}, ag.Version); err != nil {
		t.Fatal(err)
	}
	ev, _ = st.GetEvent(ctx, ev.ID)
	shorter := ev
	shorter.End = hhmm(16, 15)
	if _, err := svc.UpdateEvent(ctx, shorter, ev.Version); fieldsOf(t, err)["start"] == "" {
		t.Fatalf("want a start error")
	}
	if got, _ := st.GetEvent(ctx, ev.ID); !got.End.Equal(ev.End) || got.Version != ev.Version {
		t.Fatalf("rejected update changed the event")
	}
}

func TestDeleteEvent(t *testing.T) {
	t.Parallel()
	svc, st := newService(t)
	am, _, _ := svc.CreateEvent(ctx, meeting(), nil)
	side, _, err := svc.CreateEvent(ctx, sideEvent(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.DeleteEvent(ctx, am.ID, am.Version); fieldsOf(t, err)["id"] == "" {
		t.Fatal("deleting a meeting with side events must be refused")
	}
	// Published: cancelled, kept, sequence bumped.
	got, removed, err := svc.DeleteEvent(ctx, side.ID, side.Version)
	if err != nil || removed || got.Status != agenda.StatusCancelled || got.Sequence != side.Sequence+1 {
		t.Fatalf("published delete: removed=%v status=%s seq=%d err=%v", removed, got.Status, got.Sequence, err)
	}
	// Draft: removed.
	d := meeting()
	d.ID, d.Status = "draft-1", agenda.StatusDraft
	dr, _, _ := svc.CreateEvent(ctx, d, nil)
	if _, removed, err := svc.DeleteEvent(ctx, dr.ID, dr.Version); err != nil || !removed {
		t.Fatalf("draft delete: removed=%v err=%v", removed, err)
	}
	if _, err := st.GetEvent(ctx, dr.ID); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("draft still there: %v", err)
	}
}

func TestItemEdits(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ev, ag, _ := svc.CreateEvent(ctx, meeting(), []agenda.Item{item("a-1", hhmm(8, 0), 10)})
	ag, it, err := svc.AddItem(ctx, ev.ID, item("a-2", hhmm(7, 0), 10), ag.Version)
	if err != nil || it.ID != "a-2" || ag.Items[0].ID != "a-2" {
		t.Fatalf("add: %v %+v (items are ordered by start)", err, ag.Items)
	}
	it.Minutes = 90 // resize into a-1
	if _, _, err := svc.UpdateItem(ctx, ev.ID, it, ag.Version); fieldsOf(t, err) == nil {
		t.Fatal("overlap accepted")
	}
	it.Start = hhmm(9, 0) // move
	if ag, _, err = svc.UpdateItem(ctx, ev.ID, it, ag.Version); err != nil || ag.Items[1].ID != "a-2" {
		t.Fatalf("move: %v", err)
	}
	if _, _, err := svc.UpdateItem(ctx, ev.ID, it, ag.Version-1); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale: %v", err)
	}
	if ag, err = svc.DeleteItem(ctx, ev.ID, "a-1", ag.Version); err != nil || len(ag.Items) != 1 {
		t.Fatalf("delete: %v", err)
	}
	if _, err = svc.DeleteItem(ctx, ev.ID, "a-1", ag.Version); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}
}

func TestTextFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text       agenda.Text
		lang, want string
		wantLang   string
	}{
		{agenda.Text{"ar": "مجلس", "en": "Council"}, "ar", "مجلس", "ar"},
		{agenda.Text{"ar": "مجلس", "en": "Council"}, "es", "Council", "en"},
		{agenda.Text{"ar": "مجلس", "fr": "Conseil"}, "es", "Conseil", "fr"},
		{agenda.Text{"ar": "مجلس"}, "en", "مجلس", "ar"},
		{agenda.Text{}, "en", "", ""},
	}
	for _, tc := range tests {
		got, l := tc.text.In(tc.lang)
		if got != tc.want || l != tc.wantLang {
			t.Errorf("%v.In(%s) = %q,%q; want %q,%q", tc.text, tc.lang, got, l, tc.want, tc.wantLang)
		}
	}
}

func ExampleText_In() {
	t := agenda.Text{"ar": "الجمعية العامة", "fr": "Assemblée générale"}
	s, lang := t.In("es")
	fmt.Println(s, lang)
	// Output: Assemblée générale fr
}

// BenchmarkValidateAgenda200 measures validating a 200-item agenda, the
// check run on every agenda write.
func BenchmarkValidateAgenda200(b *testing.B) {
	svc := agenda.New(agenda.Config{}, nil)
	e := meeting()
	e.Start, e.End = day, day.Add(48*time.Hour)
	items := make([]agenda.Item, 200)
	for i := range items {
		items[i] = agenda.Item{ID: fmt.Sprintf("item-%03d", i), Title: agenda.Text{"en": "Item", "ar": "بند", "fr": "Point", "es": "Punto"},
			Start: day.Add(time.Duration(i*10) * time.Minute), Minutes: 10, Kind: agenda.ItemDiscussion,
			Speakers: []agenda.Text{{"en": "Chair"}, {"en": "Rapporteur", "fr": "Rapporteuse"}}, FloorLanguage: "en"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := svc.ValidateAgenda(e, items); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGenerationCountsWrites: caches of what was read (feeds) rely on the
// generation changing with every write, and only then.
func TestGenerationCountsWrites(t *testing.T) {
	svc, _ := newService(t)
	g0 := svc.Generation()
	e, _, err := svc.CreateEvent(ctx, meeting(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g1 := svc.Generation()
	if g1 == g0 {
		t.Fatal("a create did not change the generation")
	}
	if _, err := svc.UpdateEvent(ctx, e, e.Version+5); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if _, _, err := svc.CreateEvent(ctx, meeting(), nil); err == nil {
		t.Fatal("a duplicate ID was accepted")
	}
	if svc.Generation() != g1 {
		t.Fatal("failed writes changed the generation")
	}
	if _, _, err := svc.AddItem(ctx, e.ID, item("it-1", hhmm(8, 0), 30), 0); err != nil {
		t.Fatal(err)
	}
	if svc.Generation() == g1 {
		t.Fatal("an agenda edit did not change the generation")
	}
}

func TestReferenceZones(t *testing.T) {
	t.Parallel()
	svc := agenda.New(agenda.Config{Zones: map[agenda.Region]string{agenda.RegionAfrica: "Africa/Dakar"}}, nil)
	tests := []struct {
		region agenda.Region
		expect string
	}{
		{agenda.RegionGlobal, "Europe/Zurich"},
		{agenda.RegionAfrica, "Africa/Dakar"}, // configured
		{agenda.RegionAmericas, "America/Mexico_City"},
		{agenda.RegionAsiaPacific, "Australia/Sydney"},
		{agenda.RegionEurope, "Europe/Brussels"},
		{"atlantis", "UTC"},
	}
	for _, tt := range tests {
		if got := svc.Zone(tt.region).String(); got != tt.expect {
			t.Errorf("Zone(%s) = %s, want %s", tt.region, got, tt.expect)
		}
	}
	for _, bad := range []map[agenda.Region]string{{"atlantis": "UTC"}, {agenda.RegionEurope: "Europe/Atlantis"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with zones %v did not panic", bad)
				}
			}()
			agenda.New(agenda.Config{Zones: bad}, nil)
		}()
	}
}

// seer is a Viewer that sees every event but the confidential ones.
type seer struct{}

func (seer) CanSee(e agenda.Event) bool { return e.Visibility != agenda.VisibilityConfidential }

// TestHiddenRelativesAreNeverNamed: for a viewer, a parent or side event it
// may not see is answered exactly like one that does not exist: never
// named, timed or counted, and never a reason to refuse.
func TestHiddenRelativesAreNeverNamed(t *testing.T) {
	t.Parallel()
	as := agenda.For(seer{})
	setup := func(t *testing.T) (*agenda.Service, *store.Bolt) {
		svc, st := newService(t)
		if _, _, err := svc.CreateEvent(ctx, meeting(), nil); err != nil {
			t.Fatal(err)
		}
		secret := meeting()
		secret.ID, secret.Visibility = "am-secret", agenda.VisibilityConfidential
		secret.Start, secret.End = hhmm(8, 0), hhmm(9, 0)
		if _, _, err := svc.CreateEvent(ctx, secret, nil); err != nil {
			t.Fatal(err)
		}
		hidden := sideEvent()
		hidden.ID, hidden.Visibility = "side-hidden", agenda.VisibilityConfidential
		if _, _, err := svc.CreateEvent(ctx, hidden, nil); err != nil {
			t.Fatal(err)
		}
		w := meeting()
		w.ID, w.Kind = "web-1", agenda.KindWebinar
		if _, _, err := svc.CreateEvent(ctx, w, nil); err != nil {
			t.Fatal(err)
		}
		return svc, st
	}
	// The answer for a parent nobody has is what a hidden one must get.
	errorFor := func(t *testing.T, parent string, write func(*agenda.Service, agenda.Event) error) map[string]string {
		svc, _ := setup(t)
		e := sideEvent()
		e.ID, e.Parent = "side-new", parent
		return fieldsOf(t, write(svc, e))
	}
	writes := []struct {
		name  string
		write func(*agenda.Service, agenda.Event) error
	}{
		{"create", func(svc *agenda.Service, e agenda.Event) error {
			_, _, err := svc.CreateEvent(ctx, e, nil, as)
			return err
		}},
		{"update", func(svc *agenda.Service, e agenda.Event) error {
			w, _ := svc.Store().GetEvent(ctx, "web-1")
			w.Parent, w.Kind, w.Start, w.End = e.Parent, agenda.KindSideEvent, e.Start, e.End
			_, err := svc.UpdateEvent(ctx, w, w.Version, as)
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name+" with a hidden parent", func(t *testing.T) {
			t.Parallel()
			missing := errorFor(t, "no-such-meeting", w.write)
			hidden := errorFor(t, "am-secret", w.write)
			if !reflect.DeepEqual(hidden, missing) {
				t.Fatalf("a hidden parent answers %v, a missing one %v", hidden, missing)
			}
			if strings.Contains(fmt.Sprint(hidden), "am-secret") || strings.Contains(fmt.Sprint(hidden), "08:00") {
				t.Fatalf("the answer names or times the hidden parent: %v", hidden)
			}
		})
	}
	t.Run("a hidden side event does not stop its meeting from shrinking", func(t *testing.T) {
		t.Parallel()
		svc, st := setup(t)
		am, _ := st.GetEvent(ctx, "am-2021")
		am.End = hhmm(12, 0)
		if _, err := svc.UpdateEvent(ctx, am, am.Version, as); err != nil {
			t.Fatalf("want the same answer as without the hidden side event, got %v", err)
		}
	})
	t.Run("a visible side event still does, and is named", func(t *testing.T) {
		t.Parallel()
		svc, st := setup(t)
		if _, _, err := svc.CreateEvent(ctx, sideEvent(), nil, as); err != nil {
			t.Fatal(err)
		}
		am, _ := st.GetEvent(ctx, "am-2021")
		am.End = hhmm(12, 0)
		_, err := svc.UpdateEvent(ctx, am, am.Version, as)
		if f := fieldsOf(t, err); !strings.Contains(f["start"], "side-1") || strings.Contains(f["start"], "side-hidden") {
			t.Fatalf("want side-1 named and nothing else: %v", f)
		}
	})
	t.Run("a meeting with only hidden side events is deleted like an empty one", func(t *testing.T) {
		t.Parallel()
		svc, st := setup(t)
		d := meeting()
		d.ID, d.Status = "am-draft", agenda.StatusDraft
		if _, _, err := svc.CreateEvent(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
		k := sideEvent()
		k.ID, k.Parent, k.Visibility = "side-draft-hidden", "am-draft", agenda.VisibilityConfidential
		if _, _, err := svc.CreateEvent(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
		am, _ := st.GetEvent(ctx, "am-draft")
		if _, removed, err := svc.DeleteEvent(ctx, am.ID, am.Version, as); err != nil || !removed {
			t.Fatalf("removed=%v err=%v", removed, err)
		}
	})
	t.Run("a side event of a hidden meeting keeps it without consulting it", func(t *testing.T) {
		t.Parallel()
		svc, st := setup(t)
		k := sideEvent()
		k.ID, k.Parent, k.Start, k.End = "side-of-secret", "am-secret", hhmm(8, 0), hhmm(8, 30)
		if _, _, err := svc.CreateEvent(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
		k, _ = st.GetEvent(ctx, k.ID)
		if p, err := svc.ParentFor(ctx, k, seer{}); err != nil || p != "" {
			t.Fatalf("ParentFor = %q, %v; want no parent shown", p, err)
		}
		seen := k
		seen.Parent = "" // as the viewer sees it
		seen.End = hhmm(10, 0)
		got, err := svc.UpdateEvent(ctx, seen, k.Version, as)
		if err != nil || got.Parent != "am-secret" {
			t.Fatalf("parent %q, err %v; want the hidden parent kept and not consulted", got.Parent, err)
		}
		// Naming it (its ID guessed) is naming a missing event.
		got.Parent = "am-secret"
		if f := fieldsOf(t, func() error { _, err := svc.UpdateEvent(ctx, got, got.Version, as); return err }()); f["parent"] != "no such event" {
			t.Fatalf("naming the hidden parent: %v", f)
		}
		if _, removed, err := svc.DeleteEvent(ctx, got.ID, got.Version, as); err != nil || removed {
			t.Fatalf("cancel: removed=%v err=%v", removed, err)
		}
	})
	t.Run("an event of a hidden meeting becomes a meeting as one without a parent would", func(t *testing.T) {
		t.Parallel()
		svc, st := setup(t)
		w := meeting()
		w.ID, w.Kind, w.Parent, w.Start, w.End = "web-of-secret", agenda.KindWebinar, "am-secret", hhmm(8, 0), hhmm(8, 30)
		if _, _, err := svc.CreateEvent(ctx, w, nil); err != nil {
			t.Fatal(err)
		}
		w, _ = st.GetEvent(ctx, w.ID)
		w.Parent, w.Kind = "", agenda.KindAnnualMeeting // as the viewer sees it, made a meeting
		if got, err := svc.UpdateEvent(ctx, w, w.Version, as); err != nil || got.Parent != "" {
			t.Fatalf("parent %q, err %v; want a meeting without parent", got.Parent, err)
		}
	})
}
