// Package institutiontest is the conformance suite every
// institution.Store implementation must pass (the embedded and the Redis
// store run the very same tests).
//
// An Opener returns a fresh, empty store; register cleanups in it.
package institutiontest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
)

// Opener returns a fresh, empty store for one test.
type Opener func(t *testing.T) institution.Store

var ctx = context.Background()

// Institution returns a fully populated institution (every field set,
// names in the four languages) for tests.
func Institution(id string) institution.Institution {
	return institution.Institution{
		ID: id,
		Name: agenda.Text{"en": "Commission for Human Rights of Northvale (fictional)", "fr": "Commission des droits humains de Northvale (fictive)",
			"es": "Comisión de Derechos Humanos de Northvale (ficticia)", "ar": "لجنة حقوق الإنسان في نورثفيل (خيالية)"},
		Country: "XA", Region: agenda.RegionAfrica, Status: institution.StatusA, AccreditedOn: "2017-11-20",
		History: []institution.Change{{Status: institution.StatusB, Date: "2012-05-01", Note: "first; with \"quotes\""},
			{Status: institution.StatusA, Date: "2017-11-20"}},
		Delegates: []institution.Delegate{{Ref: "inv-1"}, {Ref: "inv-2", Alternate: true}},
	}
}

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, o Opener)
	}{
		{"create, get, versions", testVersions},
		{"list order", testList},
		{"returned values are copies", testCopies},
		{"concurrent writers: one wins", testConcurrent},
		{"delete with a version", testDelete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, o)
		})
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if target == nil && err != nil {
		t.Fatalf("%s: unexpected error %v", what, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func testVersions(t *testing.T, o Opener) {
	s := o(t)
	_, err := s.GetInstitution(ctx, "nope")
	wantErr(t, "get a missing one", err, institution.ErrNotFound)
	_, err = s.PutInstitution(ctx, Institution("nope"), 3)
	wantErr(t, "replace a missing one", err, institution.ErrNotFound)
	in, err := s.PutInstitution(ctx, Institution("northvale"), 0)
	wantErr(t, "create", err, nil)
	if in.Version != 1 {
		t.Fatalf("version %d after create", in.Version)
	}
	_, err = s.PutInstitution(ctx, Institution("northvale"), 0)
	wantErr(t, "create twice", err, institution.ErrConflict)
	in.Country = "XB"
	in2, err := s.PutInstitution(ctx, in, 1)
	wantErr(t, "replace", err, nil)
	_, err = s.PutInstitution(ctx, in, 1)
	wantErr(t, "stale replace", err, institution.ErrConflict)
	got, err := s.GetInstitution(ctx, "northvale")
	wantErr(t, "get", err, nil)
	if in2.Version != 2 || !reflect.DeepEqual(got, in2) {
		t.Fatalf("got %+v, want %+v", got, in2)
	}
}

func testList(t *testing.T, o Opener) {
	s := o(t)
	for _, id := range []string{"ccc", "aaa", "bbb"} {
		if _, err := s.PutInstitution(ctx, Institution(id), 0); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListInstitutions(ctx)
	wantErr(t, "list", err, nil)
	if len(list) != 3 || list[0].ID != "aaa" || list[1].ID != "bbb" || list[2].ID != "ccc" {
		t.Fatalf("list %+v", list)
	}
}

func testCopies(t *testing.T, o Opener) {
	s := o(t)
	in, err := s.PutInstitution(ctx, Institution("northvale"), 0)
	wantErr(t, "create", err, nil)
	in.Name["en"], in.History[0].Note, in.Delegates[0].Ref = "changed", "changed", "changed"
	got, _ := s.GetInstitution(ctx, "northvale")
	got.Name["fr"] = "changed"
	again, _ := s.GetInstitution(ctx, "northvale")
	want := Institution("northvale")
	want.Version = 1
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("a returned value shares memory with the store: %+v", again)
	}
}

func testConcurrent(t *testing.T, o Opener) {
	s := o(t)
	in, err := s.PutInstitution(ctx, Institution("northvale"), 0)
	wantErr(t, "create", err, nil)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := s.PutInstitution(ctx, in, in.Version)
			if err == nil {
				wins.Add(1)
			} else if !errors.Is(err, institution.ErrConflict) {
				t.Errorf("concurrent put: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d writers won against one version", wins.Load())
	}
}

func testDelete(t *testing.T, o Opener) {
	s := o(t)
	wantErr(t, "delete a missing one", s.DeleteInstitution(ctx, "northvale", 1), institution.ErrNotFound)
	in, err := s.PutInstitution(ctx, Institution("northvale"), 0)
	wantErr(t, "create", err, nil)
	wantErr(t, "stale delete", s.DeleteInstitution(ctx, "northvale", in.Version+1), institution.ErrConflict)
	wantErr(t, "delete", s.DeleteInstitution(ctx, "northvale", in.Version), nil)
	_, err = s.GetInstitution(ctx, "northvale")
	wantErr(t, "get a deleted one", err, institution.ErrNotFound)
	if list, _ := s.ListInstitutions(ctx); len(list) != 0 {
		t.Fatalf("a deleted one is listed: %+v", list)
	}
	_, err = s.PutInstitution(ctx, Institution("northvale"), 0)
	wantErr(t, "create again", err, nil)
}
