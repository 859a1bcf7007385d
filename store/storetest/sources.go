package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

func testImported(t *testing.T, o Opener) {
	s := open(t, o)
	e := Event(agenda.ImportedID("src-1", "uid@ennhri.org", ""), base)
	e.Kind, e.Parent, e.Series, e.AllDay = agenda.KindRegional, "", "", true
	e.Origin = &agenda.Origin{Source: "src-1", Name: "ENNHRI", URL: "https://ennhri.example/cal.ics", UID: "uid@ennhri.org",
		RecurrenceID: "2021-07-01T14:30:00Z"}
	mustCreate(t, s, e, agenda.Agenda{EventID: e.ID})
	got, _ := mustGet(t, s, e.ID)
	CheckEvent(t, got, e)
	got.Origin.Name = "changed by the caller"
	again, _ := mustGet(t, s, e.ID)
	if again.Origin.Name != "ENNHRI" {
		t.Fatalf("the stored origin changed with the caller's copy: %+v", again.Origin)
	}
	list, err := s.ListEvents(ctx, agenda.Filter{})
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Origin, e.Origin) || !list[0].AllDay {
		t.Fatalf("listed: %+v, %v", list, err)
	}
	list[0].Origin.UID = "changed"
	if list, _ := s.ListEvents(ctx, agenda.Filter{}); list[0].Origin.UID != "uid@ennhri.org" {
		t.Fatalf("a listing shares the stored origin: %+v", list[0].Origin)
	}
}

func testSources(t *testing.T, o Opener) {
	s := open(t, o)
	src := calendar.Source{ID: "ennhri", Region: agenda.RegionEurope, Name: "ENNHRI", Kind: calendar.SourceCalDAV,
		URL: "https://dav.example/cal/", Username: "majlis", Password: "s3cret"}
	if _, err := s.GetSource(ctx, "ennhri"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("missing source: %v", err)
	}
	got, err := s.PutSource(ctx, src, 0)
	if err != nil || got.Version != 1 || got.Password != "s3cret" {
		t.Fatalf("create source: %+v, %v", got, err)
	}
	src.Name = "ENNHRI network calendar"
	if _, err := s.PutSource(ctx, src, 7); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
	if got, err = s.PutSource(ctx, src, 1); err != nil || got.Version != 2 {
		t.Fatalf("update source: %+v, %v", got, err)
	}
	read, err := s.GetSource(ctx, "ennhri")
	if want := (func() calendar.Source { w := src; w.Version = 2; return w })(); err != nil || !reflect.DeepEqual(read, want) {
		t.Fatalf("read source:\n got %+v, %v\nwant %+v", read, err, want)
	}
	if _, err := s.PutSource(ctx, calendar.Source{ID: "apf", Region: agenda.RegionAsiaPacific, Name: "APF", Kind: calendar.SourceICS, URL: "https://apf.example/a.ics"}, 0); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListSources(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "apf" || all[1].ID != "ennhri" {
		t.Fatalf("list sources: %+v, %v", all, err)
	}

	if st, err := s.GetStatus(ctx, "ennhri"); err != nil || !reflect.DeepEqual(st, calendar.Status{}) {
		t.Fatalf("no status yet: %+v, %v", st, err)
	}
	now := base.Truncate(time.Second)
	st := calendar.Status{State: calendar.StateNeedsConfirmation, LastFetch: now, Result: calendar.ResultChanged, Added: 3,
		NextFetch: now.Add(time.Hour), ETag: `"v1"`, PendingCancel: []string{"im-a", "im-b"}, Refresh: 2 * time.Hour,
		Progress: &calendar.Progress{Done: 50, Total: 300}, Warnings: []string{"unknown time zone"}}
	if err := s.PutStatus(ctx, "ennhri", st); err != nil {
		t.Fatal(err)
	}
	gotSt, err := s.GetStatus(ctx, "ennhri")
	if err != nil || !gotSt.LastFetch.Equal(now) || !gotSt.NextFetch.Equal(now.Add(time.Hour)) {
		t.Fatalf("status times: %+v, %v", gotSt, err)
	}
	gotSt.LastFetch, gotSt.NextFetch, st.LastFetch, st.NextFetch = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(gotSt, st) {
		t.Fatalf("status:\n got %+v\nwant %+v", gotSt, st)
	}

	pushes := []calendar.Push{{EventID: "ev-b", Href: "/cal/ev-b.ics", ETag: "e2", Sequence: 4},
		{EventID: "ev-a", Href: "/cal/ev-a.ics", ETag: "e1", Sequence: 1, Conflict: "changed remotely", ConflictAt: now}}
	for _, p := range pushes {
		if err := s.PutPush(ctx, "ennhri", p); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListPushes(ctx, "ennhri")
	if err != nil || len(list) != 2 || list[0].EventID != "ev-a" || list[1].ETag != "e2" || list[0].Conflict == "" || !list[0].ConflictAt.Equal(now) {
		t.Fatalf("list pushes: %+v, %v", list, err)
	}
	if other, err := s.ListPushes(ctx, "apf"); err != nil || len(other) != 0 {
		t.Fatalf("another source's pushes: %+v, %v", other, err)
	}
	if err := s.DeletePush(ctx, "ennhri", "ev-b"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ListPushes(ctx, "ennhri"); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}

	if ok, err := s.Lease(ctx, "ennhri", "instance-1", time.Minute); !ok || err != nil {
		t.Fatalf("first lease: %v, %v", ok, err)
	}
	if ok, err := s.Lease(ctx, "ennhri", "instance-1", time.Minute); !ok || err != nil {
		t.Fatalf("renewed lease: %v, %v", ok, err)
	}

	if err := s.DeleteSource(ctx, "ennhri", 1); !errors.Is(err, agenda.ErrConflict) {
		t.Fatalf("delete with a stale version: %v", err)
	}
	if err := s.DeleteSource(ctx, "ennhri", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSource(ctx, "ennhri"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("deleted source: %v", err)
	}
	if st, _ := s.GetStatus(ctx, "ennhri"); st.State != "" {
		t.Fatalf("status outlived its source: %+v", st)
	}
	if list, _ := s.ListPushes(ctx, "ennhri"); len(list) != 0 {
		t.Fatalf("pushes outlived their source: %+v", list)
	}
	if err := s.DeleteSource(ctx, "ennhri", 0); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("delete a missing source: %v", err)
	}
}
