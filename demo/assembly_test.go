package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/demo"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/store"
)

// TestDemoAssembly: the demo loads its registry, the General Assembly's
// roll and its three motions, twice without harm; each motion is held on
// an agenda item of kind vote (the annual report's was a presentation).
func TestDemoAssembly(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := demo.Load(ctx, agenda.New(agenda.Config{}, st)); err != nil {
		t.Fatal(err)
	}
	reg := institution.New(institution.Config{UserAssignedCountries: true}, st)
	bs := ballot.New(ballot.Config{Registry: st}, st)
	for range 2 {
		if err := demo.LoadAssembly(ctx, reg, bs); err != nil {
			t.Fatal(err)
		}
	}
	roll, err := bs.Roll(ctx, demo.GeneralAssemblyID)
	if err != nil || len(roll.Members) != 120 || len(roll.Eligible()) != 90 {
		t.Fatalf("roll of %d members, %d eligible: %v", len(roll.Members), len(roll.Eligible()), err)
	}
	a, err := st.GetAgenda(ctx, demo.GeneralAssemblyID)
	if err != nil {
		t.Fatal(err)
	}
	prepared, err := bs.List(ctx, demo.GeneralAssemblyID)
	if err != nil || len(prepared) != 3 {
		t.Fatalf("%d ballots, %v", len(prepared), err)
	}
	for _, b := range prepared {
		i := slices.IndexFunc(a.Items, func(it agenda.Item) bool { return it.ID == b.Item })
		if i < 0 || a.Items[i].Kind != agenda.ItemVote {
			t.Errorf("ballot %s is held on item %q, which is not a vote item", b.ID, b.Item)
		}
	}
}
