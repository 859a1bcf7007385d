package agenda_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	a, b, c := item("it-a", hhmm(8, 0), 10), item("it-b", hhmm(8, 10), 10), item("c", hhmm(8, 20), 10)
	movedB := b
	movedB.Start = hhmm(8, 15)
	longerB := b
	longerB.Minutes = 20
	renamedA := a
	renamedA.Title = agenda.Text{"en": "Welcome", "fr": "Bienvenue"}
	both := a
	both.Title, both.Start = agenda.Text{"en": "Opening"}, hhmm(7, 50)
	speaker := a
	speaker.Speakers = []agenda.Text{{"en": "OHCHR"}}
	tests := []struct {
		name     string
		old, cur []agenda.Item
		want     string
	}{
		{"nothing", []agenda.Item{a, b}, []agenda.Item{a, b}, ""},
		{"added", []agenda.Item{a}, []agenda.Item{a, c}, "added c"},
		{"removed", []agenda.Item{a, b}, []agenda.Item{a}, "removed b"},
		{"moved", []agenda.Item{a, b}, []agenda.Item{a, movedB}, "moved b"},
		{"resized is moved", []agenda.Item{b}, []agenda.Item{longerB}, "moved b"},
		{"renamed", []agenda.Item{a}, []agenda.Item{renamedA}, "renamed a"},
		{"moved and renamed", []agenda.Item{a}, []agenda.Item{both}, "moved a, renamed a"},
		{"a new speaker is none of these", []agenda.Item{a}, []agenda.Item{speaker}, ""},
		{"all at once", []agenda.Item{a, b}, []agenda.Item{renamedA, c}, "renamed a, added c, removed b"},
		{"from nothing", nil, []agenda.Item{a}, "added a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, ch := range agenda.Diff(tc.old, tc.cur) {
				got = append(got, string(ch.Kind)+" "+strings.TrimPrefix(ch.Item, "it-"))
				if (ch.Before == nil) != (ch.Kind == agenda.ChangeAdded) || (ch.After == nil) != (ch.Kind == agenda.ChangeRemoved) {
					t.Fatalf("%s %s: before %v after %v", ch.Kind, ch.Item, ch.Before, ch.After)
				}
			}
			if s := strings.Join(got, ", "); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
}

func TestReleases(t *testing.T) {
	t.Parallel()
	svc, st := newService(t)
	pub := func(t *testing.T, id string) ([]string, int) {
		t.Helper()
		a, err := st.GetAgenda(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p, n := a.Published()
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		return ids, n
	}
	t.Run("created published: release 1 of its agenda", func(t *testing.T) {
		ev, _, err := svc.CreateEvent(ctx, meeting(), []agenda.Item{item("it-a", hhmm(8, 0), 10)}, agenda.By("org_a"))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := st.GetAgenda(ctx, ev.ID)
		if ids, n := pub(t, ev.ID); n != 1 || strings.Join(ids, ",") != "it-a" || a.Releases[0].By != "org_a" {
			t.Fatalf("published %v, release %d, %+v", ids, n, a.Releases)
		}
	})
	t.Run("a draft edit is not public until released", func(t *testing.T) {
		e := meeting()
		e.ID = "am-draft-edit"
		ev, a, err := svc.CreateEvent(ctx, e, []agenda.Item{item("it-a", hhmm(8, 0), 10)})
		if err != nil {
			t.Fatal(err)
		}
		if a, err = svc.PutAgenda(ctx, ev.ID, []agenda.Item{item("it-a", hhmm(8, 0), 10), item("it-b", hhmm(9, 0), 10)}, a.Version); err != nil {
			t.Fatal(err)
		}
		if ids, n := pub(t, ev.ID); n != 1 || strings.Join(ids, ",") != "it-a" {
			t.Fatalf("after a draft edit the public sees %v (release %d)", ids, n)
		}
		if _, _, err := svc.Publish(ctx, ev.ID, "", "org_b", a.Version-1); !errors.Is(err, agenda.ErrConflict) {
			t.Fatalf("stale publish: %v", err)
		}
		_, r, err := svc.Publish(ctx, ev.ID, "Item b added", "org_b", a.Version)
		if err != nil || r.Number != 2 || r.Note != "Item b added" {
			t.Fatalf("publish: %+v %v", r, err)
		}
		if ids, n := pub(t, ev.ID); n != 2 || strings.Join(ids, ",") != "it-a,it-b" {
			t.Fatalf("after release 2 the public sees %v (release %d)", ids, n)
		}
		got, _ := st.GetAgenda(ctx, ev.ID)
		if prev, ok := got.Previous(); !ok || prev.Number != 1 || len(prev.Items) != 1 {
			t.Fatalf("previous release: %+v %v", prev, ok)
		}
	})
	t.Run("publishing a draft event releases its agenda", func(t *testing.T) {
		e := meeting()
		e.ID, e.Status = "am-draft", agenda.StatusDraft
		ev, a, err := svc.CreateEvent(ctx, e, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = svc.PutAgenda(ctx, ev.ID, []agenda.Item{item("it-x", hhmm(8, 0), 10)}, a.Version); err != nil {
			t.Fatal(err)
		}
		if a, _ := st.GetAgenda(ctx, ev.ID); len(a.Releases) != 0 {
			t.Fatalf("a draft event's edit made a release: %+v", a.Releases)
		}
		ev.Status = agenda.StatusPublished
		ev, err = svc.UpdateEvent(ctx, ev, ev.Version, agenda.By("org_c"))
		if err != nil || ev.Status != agenda.StatusPublished {
			t.Fatalf("publish event: %+v %v", ev, err)
		}
		a, _ = st.GetAgenda(ctx, ev.ID)
		if ids, n := pub(t, ev.ID); n != 1 || strings.Join(ids, ",") != "it-x" || a.Releases[0].By != "org_c" {
			t.Fatalf("published event shows %v (release %d)", ids, n)
		}
	})
	t.Run("an agenda stored before releases keeps showing until released", func(t *testing.T) {
		e := meeting()
		e.ID = "am-legacy"
		if _, _, err := st.CreateEvent(ctx, e, agenda.Agenda{EventID: e.ID, Items: []agenda.Item{item("it-old", hhmm(8, 0), 10)}}); err != nil {
			t.Fatal(err)
		}
		if ids, n := pub(t, e.ID); n != 0 || strings.Join(ids, ",") != "it-old" {
			t.Fatalf("legacy agenda shows %v (release %d)", ids, n)
		}
		if _, err := svc.PutAgenda(ctx, e.ID, []agenda.Item{item("it-new", hhmm(9, 0), 10)}, 0); err != nil {
			t.Fatal(err)
		}
		if ids, n := pub(t, e.ID); n != 1 || strings.Join(ids, ",") != "it-old" {
			t.Fatalf("after its first draft edit a legacy agenda shows %v (release %d)", ids, n)
		}
	})
	t.Run("bounded: the newest releases, items of the newest two", func(t *testing.T) {
		e := meeting()
		e.ID = "am-many"
		ev, a, err := svc.CreateEvent(ctx, e, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range agenda.MaxReleases + 5 {
			if a, _, err = svc.Publish(ctx, ev.ID, "", "", a.Version); err != nil {
				t.Fatalf("release %d: %v", i+2, err)
			}
		}
		rs := a.Releases
		if len(rs) != agenda.MaxReleases || rs[len(rs)-1].Number != agenda.MaxReleases+6 || rs[0].Number != 7 {
			t.Fatalf("%d releases kept, %d to %d", len(rs), rs[0].Number, rs[len(rs)-1].Number)
		}
		if rs[len(rs)-3].Items != nil || rs[len(rs)-2].Items == nil || rs[len(rs)-1].Items == nil {
			t.Fatalf("items kept by the wrong releases")
		}
	})
	t.Run("note limits", func(t *testing.T) {
		if _, _, err := svc.Publish(ctx, "am-many", strings.Repeat("x", agenda.MaxNoteRunes+1), "", 0); fieldsOf(t, err)["note"] == "" {
			t.Fatalf("a long note was accepted")
		}
		if _, _, err := svc.Publish(ctx, "am-many", "a\u202eb", "", 0); fieldsOf(t, err)["note"] == "" {
			t.Fatalf("a bidi override was accepted")
		}
	})
}
