package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
)

func testAudit(t *testing.T, o Opener) {
	s := open(t, o)
	t.Run("empty", func(t *testing.T) {
		got, err := s.ListAudit(ctx)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("empty log: %v %#v", err, got)
		}
	})
	first := audit.Entry{At: base, Actor: "org_a", ActorName: "Head office", Action: audit.EventCreated,
		Event: &audit.EventRef{ID: "consultation", Title: agenda.Text{"en": "Consultation", "ar": "مشاورة"}, Region: agenda.RegionEurope,
			Visibility: agenda.VisibilityConfidential, Status: agenda.StatusDraft, Owner: "org_a", Invitees: []string{"org_b"}}}
	second := audit.Entry{At: base.Add(time.Minute), Actor: "org_b", ActorName: "ENNHRI", Action: audit.SourceChanged,
		Source: &audit.SourceRef{ID: "src-1", Name: "ENNHRI calendar", Region: agenda.RegionEurope}, Fields: []string{"url", "paused"}}
	third := audit.Entry{At: base.Add(2 * time.Minute), Actor: "org_a", ActorName: "Head office", Action: audit.InviteCreated,
		Event: first.Event, Role: "interpreter", Person: "فاطمة"}
	for _, e := range []audit.Entry{first, second, third} {
		if err := s.AppendAudit(ctx, e, 10); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("newest first, whole", func(t *testing.T) {
		got, err := s.ListAudit(ctx)
		if err != nil || len(got) != 3 {
			t.Fatalf("list: %v %d", err, len(got))
		}
		for i, want := range []audit.Entry{third, second, first} {
			if !same(got[i], want) {
				t.Fatalf("entry %d: got %+v, want %+v", i, got[i], want)
			}
		}
	})
	t.Run("keep must be positive", func(t *testing.T) {
		wantErr(t, "keep 0", s.AppendAudit(ctx, first, 0), agenda.ErrInvalid)
	})
	t.Run("bounded: the newest keep", func(t *testing.T) {
		s := open(t, o)
		for i := range 12 {
			if err := s.AppendAudit(ctx, audit.Entry{At: base.Add(time.Duration(i) * time.Second), Action: audit.AgendaReleased, Release: i + 1}, 5); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ListAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var nums []int
		for _, e := range got {
			nums = append(nums, e.Release)
		}
		if !slices.Equal(nums, []int{12, 11, 10, 9, 8}) {
			t.Fatalf("kept %v, want the newest five", nums)
		}
	})
	t.Run("concurrent appends stay bounded", func(t *testing.T) {
		s := open(t, o)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := s.AppendAudit(ctx, audit.Entry{At: base, Action: audit.EventChanged, Release: i}, 7); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got, err := s.ListAudit(ctx); err != nil || len(got) != 7 {
			t.Fatalf("after 20 concurrent appends with keep 7: %d entries, %v", len(got), err)
		}
	})
}

// same compares two entries field by field.
func same(x, y audit.Entry) bool {
	ref := func(r *audit.EventRef) string {
		if r == nil {
			return "nil"
		}
		return fmt.Sprint(r.ID, r.Title, r.Region, r.Visibility, r.Status, r.Owner, r.Invitees)
	}
	src := func(r *audit.SourceRef) string {
		if r == nil {
			return "nil"
		}
		return fmt.Sprint(*r)
	}
	return x.At.Equal(y.At) && x.Actor == y.Actor && x.ActorName == y.ActorName && x.Action == y.Action &&
		ref(x.Event) == ref(y.Event) && src(x.Source) == src(y.Source) && slices.Equal(x.Fields, y.Fields) &&
		x.Release == y.Release && x.Role == y.Role && x.Person == y.Person
}
