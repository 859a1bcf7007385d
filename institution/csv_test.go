package institution_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
)

const registry = "\xef\xbb\xbfID,name_en,name_fr,Country,region,status,accredited_on,note\n" +
	"northvale-chr,Commission for Human Rights of Northvale (fictional),,ke,africa,A,2017-11-20,\n" +
	"southmere-ombud,Ombudsperson of Southmere (fictional),Défenseur de Southmere (fictif),MX,americas,B,2015-03-02,SCA 2015\n"

func seeded(t *testing.T) (*institution.Service, *memStore) {
	t.Helper()
	st := newMemStore()
	svc := institution.New(institution.Config{}, st)
	pl, err := svc.Preview(ctx, strings.NewReader(registry))
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if pl.Added != 2 || pl.Invalid != 0 {
		t.Fatalf("preview: %+v", pl)
	}
	if _, err := svc.Apply(ctx, strings.NewReader(registry), pl.Digest); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return svc, st
}

func TestImportPreviewDiff(t *testing.T) {
	svc, st := seeded(t)
	in, err := svc.Get(ctx, "northvale-chr")
	if err != nil || in.Status != institution.StatusA || in.Country != "KE" || in.History[0].Note != "CSV import" {
		t.Fatalf("imported: %v %+v", err, in)
	}
	file := "id,name_en,status,accredited_on,note\n" +
		"northvale-chr,Commission for Human Rights of Northvale (fictional),B,2024-06-01,SCA downgrade\n" + // changed
		"southmere-ombud,Ombudsperson of Southmere (fictional),B,2015-03-02,\n" + // unchanged
		"eastholm-nhri,Eastholm Institute (fictional),A,2020-01-01,\n" + // added without country: invalid
		"westport-hrc,,A,,\n" + // invalid: no name, no date
		"northvale-chr,dup,A,2024-06-01,\n" // duplicate
	puts := st.puts
	pl, err := svc.Preview(ctx, strings.NewReader(file))
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if st.puts != puts {
		t.Fatalf("preview wrote %d times", st.puts-puts)
	}
	want := []struct {
		action institution.Action
		errs   []string
	}{
		{institution.ActionChange, nil},
		{institution.ActionUnchanged, nil},
		{institution.ActionInvalid, []string{"country", "region"}},
		{institution.ActionInvalid, []string{"name_*", "accredited_on"}},
		{institution.ActionInvalid, []string{"id"}},
	}
	for i, w := range want {
		rp := pl.Rows[i]
		if rp.Record != i+2 || rp.Action != w.action {
			t.Errorf("row %d: record %d action %s, want %s (%v)", i+2, rp.Record, rp.Action, w.action, rp.Errors)
		}
		for _, col := range w.errs {
			if rp.Errors[col] == "" {
				t.Errorf("row %d: want an error on %s, got %v", rp.Record, col, rp.Errors)
			}
		}
	}
	ch := pl.Rows[0].Changes
	if len(ch) != 2 || ch[0] != (institution.FieldChange{Field: "status", Old: "A", New: "B"}) || ch[1].Field != "accredited_on" {
		t.Fatalf("changes: %+v", ch)
	}
	if pl.Changed != 1 || pl.Unchanged != 1 || pl.Invalid != 3 {
		t.Fatalf("counts: %+v", pl)
	}
	_, err = svc.Apply(ctx, strings.NewReader(file), pl.Digest)
	if f := fieldsOf(t, err); f["rows[4].country"] == "" || f["rows[6].id"] == "" {
		t.Fatalf("apply of an invalid file: %v", f)
	}
	if st.puts != puts {
		t.Fatalf("an invalid import wrote %d times", st.puts-puts)
	}
}

func TestImportApplyChecksDigest(t *testing.T) {
	svc, st := seeded(t)
	file := "id,status,accredited_on,note\nnorthvale-chr,B,2024-06-01,SCA downgrade\n"
	pl, err := svc.Preview(ctx, strings.NewReader(file))
	if err != nil || pl.Changed != 1 {
		t.Fatalf("preview: %v %+v", err, pl)
	}
	// Someone edits the institution between preview and apply.
	in, _ := svc.Get(ctx, "northvale-chr")
	in.Name["es"] = "Comisión (ficticia)"
	if _, err := svc.Update(ctx, in, in.Version); err != nil {
		t.Fatal(err)
	}
	puts := st.puts
	if _, err := svc.Apply(ctx, strings.NewReader(file), pl.Digest); !errors.Is(err, institution.ErrConflict) {
		t.Fatalf("apply after a concurrent edit: want ErrConflict, got %v", err)
	}
	if st.puts != puts {
		t.Fatal("a refused import wrote")
	}
	pl, _ = svc.Preview(ctx, strings.NewReader(file))
	got, err := svc.Apply(ctx, strings.NewReader(file), pl.Digest)
	if err != nil || got.Applied != 1 {
		t.Fatalf("apply: %v %+v", err, got)
	}
	in, _ = svc.Get(ctx, "northvale-chr")
	if in.Status != institution.StatusB || in.Name["es"] == "" || len(in.History) != 2 || in.History[1].Note != "SCA downgrade" {
		t.Fatalf("after import: %+v", in)
	}
}

func TestParseCSVRefuses(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		field string
	}{
		{"empty", "", "header"},
		{"no id column", "name_en,country\nx,KE\n", "header"},
		{"unknown column", "id,name_de\nx,y\n", "header.name_de"},
		{"repeated column", "id,country,Country\nx,KE,KE\n", "header.country"},
		{"empty column name", "id,,country\n", "header[2]"},
		{"broken quote", "id,name_en\n\"abc,x\n", "rows[2]"},
		{"not utf-8", "id,name_en\nabc,\xff\n", "file"},
		{"too big", "id\n" + strings.Repeat("a", institution.MaxCSVBytes), "file"},
		{"too many rows", "id\n" + strings.Repeat("abc\n", institution.MaxCSVRows+1), "file"},
		{"too many columns", strings.Repeat("id,", institution.MaxCSVColumns) + "id\n", "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := institution.ParseCSV(strings.NewReader(tt.file), agenda.Languages)
			if f := fieldsOf(t, err); f[tt.field] == "" {
				t.Fatalf("want a problem with %s, got %v", tt.field, f)
			}
		})
	}
}

func TestParseCSVRowProblems(t *testing.T) {
	tb, err := institution.ParseCSV(strings.NewReader("id,country\nabc,KE,extra\nlong,"+strings.Repeat("x", institution.MaxCellRunes+1)+"\n"), agenda.Languages)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows[0].Problems["row"] == "" || tb.Rows[1].Problems["country"] == "" || tb.Rows[1].Record != 3 {
		t.Fatalf("rows: %+v", tb.Rows)
	}
}

// FuzzParseCSV: any input parses or is refused with a *ValidationError;
// never a panic, never a row over the limits, and a preview of what parses
// never panics either.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(registry))
	f.Add([]byte("id\n"))
	f.Add([]byte("id,name_ar\n\"a\"\"b\",\"مفوضية\nسطر\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := institution.ParseCSV(bytes.NewReader(data), agenda.Languages)
		if err != nil {
			if !errors.Is(err, institution.ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		if len(tb.Rows) > institution.MaxCSVRows || len(tb.Columns) > institution.MaxCSVColumns {
			t.Fatalf("over the limits: %d rows, %d columns", len(tb.Rows), len(tb.Columns))
		}
		svc := institution.New(institution.Config{}, newMemStore())
		pl, err := svc.Preview(ctx, bytes.NewReader(data))
		if err != nil || len(pl.Rows) != len(tb.Rows) {
			t.Fatalf("preview of a parsed file: %v, %d rows for %d", err, len(pl.Rows), len(tb.Rows))
		}
	})
}
