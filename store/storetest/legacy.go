package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
)

// LegacyID is the event WriteLegacy stores.
const LegacyID = "legacy-event"

// WriteLegacy stores an event and its agenda in s, then has rewrite (a
// store-specific access to the raw records, by kind "event" or "agenda")
// turn them into what majlis wrote before location and speakers had
// languages: plain strings.
func WriteLegacy(t *testing.T, s store.Store, rewrite func(kind, id string, edit func(string) string)) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.CreateEvent(ctx, Event(LegacyID, base), agenda.Agenda{EventID: LegacyID, Items: items(base)}); err != nil {
		t.Fatal(err)
	}
	rewrite("event", LegacyID, func(raw string) string {
		return mustReplace(t, raw, `"location":{"en":"Online","fr":"En ligne"}`, `"location":"Online"`)
	})
	rewrite("agenda", LegacyID, func(raw string) string {
		return mustReplace(t, raw, `"speakers":[{"en":"OHCHR","fr":"HCDH"},{"en":"UNDP"},{"en":"EU"}]`, `"speakers":["OHCHR","UNDP","EU"]`)
	})
}

// CheckLegacy verifies that s reads what WriteLegacy stored, the plain
// strings as English text.
func CheckLegacy(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	e, err := s.GetEvent(ctx, LegacyID)
	if err != nil {
		t.Fatalf("an event stored with a plain location: %v", err)
	}
	if want := (agenda.Text{"en": "Online"}); !reflect.DeepEqual(e.Location, want) {
		t.Fatalf("location %v, want %v", e.Location, want)
	}
	a, err := s.GetAgenda(ctx, LegacyID)
	if err != nil {
		t.Fatalf("an agenda stored with plain speakers: %v", err)
	}
	if want := []agenda.Text{{"en": "OHCHR"}, {"en": "UNDP"}, {"en": "EU"}}; !reflect.DeepEqual(a.Items[0].Speakers, want) {
		t.Fatalf("speakers %v, want %v", a.Items[0].Speakers, want)
	}
	evs, err := s.ListEvents(ctx, agenda.Filter{From: base.Add(-time.Hour)})
	if err != nil || len(evs) != 1 || evs[0].Location.Get("fr") != "Online" {
		t.Fatalf("listed %v, %v", evs, err)
	}
}

func mustReplace(t *testing.T, raw, old, new string) string {
	t.Helper()
	if !strings.Contains(raw, old) {
		t.Fatalf("stored record has no %s: %s", old, raw)
	}
	return strings.Replace(raw, old, new, 1)
}
