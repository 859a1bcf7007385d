package institution_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
)

var ctx = context.Background()

func valid() institution.Institution {
	return institution.Institution{
		ID:      "northvale-chr",
		Name:    agenda.Text{"en": "Commission for Human Rights of Northvale (fictional)", "fr": "Commission des droits humains de Northvale (fictive)"},
		Country: "ke",
		Region:  agenda.RegionAfrica,
		History: []institution.Change{
			{Status: institution.StatusB, Date: "2012-05-01", Note: "first accreditation"},
			{Status: institution.StatusA, Date: "2017-11-20"},
		},
		Delegates: []institution.Delegate{{Ref: "inv-1"}, {Ref: "inv-2", Alternate: true}},
	}
}

// fieldsOf returns the field names of a validation error, or fails.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *institution.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, institution.ErrInvalid) {
		t.Fatalf("want a *ValidationError matching ErrInvalid, got %v", err)
	}
	return ve.Fields
}

func TestCreateDerivesStatusFromHistory(t *testing.T) {
	svc := institution.New(institution.Config{}, newMemStore())
	in := valid()
	in.Status = institution.StatusB // ignored: derived
	got, err := svc.Create(ctx, in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if got.Status != institution.StatusA || got.AccreditedOn != "2017-11-20" || got.Country != "KE" || got.Version != 1 {
		t.Fatalf("got status %q on %q, country %q, version %d", got.Status, got.AccreditedOn, got.Country, got.Version)
	}
	if !got.ActsFor("inv-2") || got.ActsFor("inv-3") || got.ActsFor("") {
		t.Fatalf("ActsFor: delegates %v", got.Delegates)
	}
	if _, err := svc.Create(ctx, valid()); !errors.Is(err, institution.ErrConflict) {
		t.Fatalf("second create: want ErrConflict, got %v", err)
	}
	got, err = svc.Accredit(ctx, in.ID, institution.Change{Status: institution.StatusNone, Date: "2023-01-01", Note: "lapsed"}, 1)
	if err != nil || got.Status != institution.StatusNone || len(got.History) != 3 || got.Version != 2 {
		t.Fatalf("accredit: %v %+v", err, got)
	}
	if _, err := svc.Accredit(ctx, in.ID, institution.Change{Status: institution.StatusA, Date: "2024-01-01"}, 1); !errors.Is(err, institution.ErrConflict) {
		t.Fatalf("stale accredit: want ErrConflict, got %v", err)
	}
	if _, err := svc.Accredit(ctx, in.ID, institution.Change{Status: institution.StatusA, Date: "2020-01-01"}, 2); fieldsOf(t, err)["history[3].date"] == "" {
		t.Fatalf("accreditation before the last one: want history[3].date, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*institution.Institution)
		field  string
	}{
		{"bad id", func(in *institution.Institution) { in.ID = "A" }, "id"},
		{"no name", func(in *institution.Institution) { in.Name = agenda.Text{"en": "  "} }, "name"},
		{"unknown language", func(in *institution.Institution) { in.Name["de"] = "Kommission" }, "name.de"},
		{"long name", func(in *institution.Institution) { in.Name["en"] = strings.Repeat("x", institution.MaxNameRunes+1) }, "name.en"},
		{"control in name", func(in *institution.Institution) { in.Name["fr"] = "a\x00b" }, "name.fr"},
		{"unknown country", func(in *institution.Institution) { in.Country = "XK" }, "country"},
		{"alpha-3 country", func(in *institution.Institution) { in.Country = "KEN" }, "country"},
		{"global region", func(in *institution.Institution) { in.Region = agenda.RegionGlobal }, "region"},
		{"unknown region", func(in *institution.Institution) { in.Region = "antarctica" }, "region"},
		{"bad status", func(in *institution.Institution) { in.History[1].Status = "C" }, "history[1].status"},
		{"bad date", func(in *institution.Institution) { in.History[0].Date = "2012-13-01" }, "history[0].date"},
		{"history out of order", func(in *institution.Institution) { in.History[1].Date = "2001-01-01" }, "history[1].date"},
		{"long note", func(in *institution.Institution) {
			in.History[0].Note = strings.Repeat("n", institution.MaxNoteRunes+1)
		}, "history[0].note"},
		{"too many history entries", func(in *institution.Institution) {
			for range institution.MaxHistory {
				in.History = append(in.History, institution.Change{Status: institution.StatusA, Date: "2030-01-01"})
			}
		}, "history"},
		{"empty delegate", func(in *institution.Institution) { in.Delegates[0].Ref = "" }, "delegates[0].ref"},
		{"duplicate delegate", func(in *institution.Institution) { in.Delegates[1].Ref = "inv-1" }, "delegates[1].ref"},
		{"too many delegates", func(in *institution.Institution) {
			for i := range institution.MaxDelegates {
				in.Delegates = append(in.Delegates, institution.Delegate{Ref: "x" + strings.Repeat("y", i)})
			}
		}, "delegates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := institution.New(institution.Config{}, newMemStore())
			in := valid()
			tt.change(&in)
			_, err := svc.Create(ctx, in)
			if f := fieldsOf(t, err); f[tt.field] == "" {
				t.Fatalf("want a problem with %s, got %v", tt.field, f)
			}
		})
	}
}

func TestUpdateNeedsVersion(t *testing.T) {
	svc := institution.New(institution.Config{}, newMemStore())
	in, err := svc.Create(ctx, valid())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Update(ctx, in, 0); fieldsOf(t, err)["version"] == "" {
		t.Fatalf("update without version: %v", err)
	}
	in.Name["es"] = "Comisión de Derechos Humanos de Northvale (ficticia)"
	if _, err := svc.Update(ctx, in, 7); !errors.Is(err, institution.ErrConflict) {
		t.Fatalf("stale update: want ErrConflict, got %v", err)
	}
	got, err := svc.Update(ctx, in, 1)
	if err != nil || got.Version != 2 || got.Name["es"] == "" {
		t.Fatalf("update: %v %+v", err, got)
	}
}

func TestListFilters(t *testing.T) {
	svc := institution.New(institution.Config{}, newMemStore())
	a := valid()
	b := valid()
	b.ID, b.Country, b.Region, b.History = "southmere-ombud", "MX", agenda.RegionAmericas, nil
	for _, in := range []institution.Institution{a, b} {
		if _, err := svc.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    institution.Filter
		want []string
	}{
		{"all", institution.Filter{}, []string{"northvale-chr", "southmere-ombud"}},
		{"region", institution.Filter{Region: agenda.RegionAmericas}, []string{"southmere-ombud"}},
		{"status", institution.Filter{Status: institution.StatusA}, []string{"northvale-chr"}},
		{"none", institution.Filter{Region: agenda.RegionEurope}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.List(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, in := range got {
				ids = append(ids, in.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestCountries(t *testing.T) {
	if n := institution.Countries(); n != 249 {
		t.Fatalf("%d ISO 3166-1 codes, want 249", n)
	}
	for _, c := range []string{"KE", "MX", "FR", "AU", "PS", "SS"} {
		if !institution.ValidCountry(c) {
			t.Errorf("%s refused", c)
		}
	}
	for _, c := range []string{"ke", "XK", "EU", "UK", "ZZ", ""} {
		if institution.ValidCountry(c) {
			t.Errorf("%s accepted", c)
		}
	}
}

func TestUserAssignedCountries(t *testing.T) {
	for _, c := range []string{"AA", "QM", "QZ", "XA", "XZ", "ZZ"} {
		if !institution.UserAssigned(c) || institution.ValidCountry(c) {
			t.Errorf("%s: user-assigned %v, country %v", c, institution.UserAssigned(c), institution.ValidCountry(c))
		}
	}
	for _, c := range []string{"XK", "QL", "AB", "KE", "X", ""} {
		if institution.UserAssigned(c) {
			t.Errorf("%s accepted as user-assigned", c)
		}
	}
	in := valid()
	in.Country = "XA"
	if _, err := institution.New(institution.Config{}, newMemStore()).Create(ctx, in); fieldsOf(t, err)["country"] == "" {
		t.Fatal("a user-assigned code accepted by default")
	}
	if _, err := institution.New(institution.Config{UserAssignedCountries: true}, newMemStore()).Create(ctx, in); err != nil {
		t.Fatalf("a user-assigned code refused when allowed: %v", err)
	}
}

// TestReservedIDs: a new institution may not take a reserved ID, by
// Create or by a CSV import; one stored before keeps it, can change and be
// re-imported.
func TestReservedIDs(t *testing.T) {
	st := newMemStore()
	old := valid()
	old.ID = "new"
	if _, err := institution.New(institution.Config{}, st).Create(ctx, old); err != nil { // stored before the rule
		t.Fatal(err)
	}
	svc := institution.New(institution.Config{ReservedIDs: []string{"new", "import"}}, st)
	fresh := valid()
	fresh.ID = "import"
	if _, err := svc.Create(ctx, fresh); !strings.Contains(fieldsOf(t, err)["id"], "organizer app") {
		t.Fatalf("create: %v", err)
	}
	stored, err := svc.Get(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	stored.Country = "TZ"
	if _, err := svc.Update(ctx, stored, stored.Version); err != nil {
		t.Fatalf("a stored one changes: %v", err)
	}
	pl, err := svc.Preview(ctx, strings.NewReader("id,name_en,country,region\nimport,Import (fictional),KE,africa\nnew,New (fictional),KE,africa\n"))
	if err != nil {
		t.Fatal(err)
	}
	if pl.Rows[0].Errors["id"] == "" || len(pl.Rows[1].Errors) != 0 || pl.Rows[1].Action != institution.ActionChange {
		t.Fatalf("import rows %+v", pl.Rows)
	}
}
