package demo_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/demo"
	"github.com/majlis/majlis/institution"
)

func TestRegistry(t *testing.T) {
	reg := demo.Registry()
	if !reflect.DeepEqual(reg, demo.Registry()) {
		t.Fatal("the registry is not deterministic")
	}
	svc := institution.New(institution.Config{UserAssignedCountries: true}, nil)
	status := map[institution.Status]int{}
	region := map[agenda.Region]int{}
	ids := map[string]bool{}
	marks := map[string]string{"en": "(fictional)", "fr": "(ficti", "es": "(ficti", "ar": "(خيالي"}
	for _, in := range reg {
		if err := svc.Validate(in); err != nil {
			t.Fatalf("%s: %v", in.ID, err)
		}
		if ids[in.ID] {
			t.Fatalf("%s twice", in.ID)
		}
		ids[in.ID] = true
		if !institution.UserAssigned(in.Country) || institution.ValidCountry(in.Country) {
			t.Fatalf("%s: country %s is a real one", in.ID, in.Country)
		}
		for _, l := range agenda.Languages {
			if !strings.Contains(in.Name[l], marks[l]) {
				t.Fatalf("%s: the %s name %q does not say it is fictional", in.ID, l, in.Name[l])
			}
		}
		status[in.Status]++
		region[in.Region]++
	}
	if len(reg) != 120 || status[institution.StatusA] != 90 || status[institution.StatusB] != 30 {
		t.Fatalf("%d institutions, %v", len(reg), status)
	}
	for _, r := range []agenda.Region{agenda.RegionAfrica, agenda.RegionAmericas, agenda.RegionAsiaPacific, agenda.RegionEurope} {
		if region[r] != 30 {
			t.Fatalf("%v", region)
		}
	}
}

func TestGeneralAssemblyBallots(t *testing.T) {
	bs := demo.GeneralAssemblyBallots()
	if len(bs) != 3 {
		t.Fatalf("%d ballots", len(bs))
	}
	for _, b := range bs {
		if err := b.Validate(agenda.Languages); err != nil {
			t.Fatalf("%s: %v", b.ID, err)
		}
		if b.Event != demo.GeneralAssemblyID || b.Kind != ballot.KindMotion || len(b.Title) != 4 || len(b.Text) != 4 {
			t.Fatalf("%+v", b)
		}
	}
}
