package agenda_test

import (
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

func imported(uid string) agenda.Event {
	return agenda.Event{Title: agenda.Text{"en": "ENNHRI webinar"}, Start: hhmm(9, 0), End: hhmm(10, 0),
		TimeZone: "Europe/Brussels", Region: agenda.RegionEurope,
		Origin: &agenda.Origin{Source: "src-ennhri", Name: "ENNHRI calendar", UID: uid}}
}

func TestImportUpsertsByOrigin(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	first, change, err := svc.Import(ctx, imported("a@ennhri.org"))
	if err != nil || change != agenda.ImportAdded {
		t.Fatalf("first import: %v, %v; want added", change, err)
	}
	if first.ID != agenda.ImportedID("src-ennhri", "a@ennhri.org", "") || !agenda.ValidID(first.ID) || first.Kind != agenda.KindRegional {
		t.Fatalf("imported event: id %q kind %q", first.ID, first.Kind)
	}
	gen := svc.Generation()
	again, change, err := svc.Import(ctx, imported("a@ennhri.org"))
	if err != nil || change != agenda.ImportUnchanged || again.Sequence != 0 || svc.Generation() != gen {
		t.Fatalf("same import: %v, %v, sequence %d, generation moved %v", change, err, again.Sequence, svc.Generation() != gen)
	}
	moved := imported("a@ennhri.org")
	moved.Start, moved.End = hhmm(11, 0), hhmm(12, 0)
	got, change, err := svc.Import(ctx, moved)
	if err != nil || change != agenda.ImportUpdated || got.Sequence != 1 || !got.Start.Equal(hhmm(11, 0)) || svc.Generation() == gen {
		t.Fatalf("moved import: %v, %v, sequence %d, start %v", change, err, got.Sequence, got.Start)
	}
	if ok, err := svc.CancelImported(ctx, got.ID); !ok || err != nil {
		t.Fatalf("cancel: %v, %v", ok, err)
	}
	if ok, err := svc.CancelImported(ctx, got.ID); ok || err != nil {
		t.Fatalf("second cancel changed it: %v, %v", ok, err)
	}
	back, change, err := svc.Import(ctx, moved)
	if err != nil || change != agenda.ImportUpdated || back.Status != agenda.StatusPublished || back.Sequence != 3 {
		t.Fatalf("reappearing event: %v, %v, status %s, sequence %d", change, err, back.Status, back.Sequence)
	}
}

func TestImportedEventsAreReadOnly(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	e, _, err := svc.Import(ctx, imported("b@ennhri.org"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		when func() error
	}{
		{"update", func() error {
			x := e
			x.Title = agenda.Text{"en": "Edited"}
			_, err := svc.UpdateEvent(ctx, x, 0)
			return err
		}},
		{"delete", func() error { _, _, err := svc.DeleteEvent(ctx, e.ID, 0); return err }},
		{"agenda", func() error { _, err := svc.PutAgenda(ctx, e.ID, nil, 0); return err }},
		{"add item", func() error {
			_, _, err := svc.AddItem(ctx, e.ID, item("opening", e.Start, 10), 0)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := fieldsOf(t, tc.when())
			if !strings.Contains(f["origin"], "imported from ENNHRI calendar: change it at its source") {
				t.Fatalf("fields %v; want origin naming the source", f)
			}
		})
	}
}

func TestCreateRefusesImportedShapes(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	tests := []struct {
		name  string
		given func(e *agenda.Event)
		field string
	}{
		{"origin from the API", func(e *agenda.Event) { e.Origin = &agenda.Origin{Source: "s", UID: "u"} }, "origin"},
		{"regional kind without origin", func(e *agenda.Event) { e.Kind = agenda.KindRegional }, "kind"},
		{"reserved id prefix", func(e *agenda.Event) { e.ID = "im-abc" }, "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := meeting()
			e.ID = ""
			tc.given(&e)
			_, _, err := svc.CreateEvent(ctx, e, nil)
			if _, ok := fieldsOf(t, err)[tc.field]; !ok {
				t.Fatalf("error %v does not name %s", err, tc.field)
			}
		})
	}
}

func TestImportIDsDiffer(t *testing.T) {
	t.Parallel()
	occ := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
	ids := map[string]bool{
		agenda.ImportedID("s1", "u", ""): true, agenda.ImportedID("s2", "u", ""): true,
		agenda.ImportedID("s1", "u", occ): true, agenda.ImportedID("s1", "u2", ""): true,
	}
	if len(ids) != 4 {
		t.Fatalf("imported IDs collide: %v", ids)
	}
}
