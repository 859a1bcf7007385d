package institution

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/majlis/majlis/agenda"
)

// CSV columns of a registry import. The first record is a header naming
// the columns, in any order, case-insensitive; "id" is required, every
// other column is optional, and a column left out keeps the stored value
// (a cell left empty in a present column clears it, except id, country,
// region and status, which are required when their column is present).
//
//	id             institution ID (3–64 lowercase letters, digits, hyphens)
//	name_ar … name_es  the name in each language (name_<ISO 639-1 code>)
//	country        ISO 3166-1 alpha-2 code (case-insensitive)
//	region         africa, americas, asia-pacific or europe
//	status         A, B or none
//	accredited_on  date of the status decision, YYYY-MM-DD; required when
//	               the status or its date differs from the stored one
//	note           note recorded with an accreditation change
//
// Fields are separated by commas (RFC 4180 quoting); a UTF-8 byte order
// mark at the start is ignored. At most MaxCSVBytes, MaxCSVRows records
// and MaxCSVColumns columns.
const (
	ColID           = "id"
	ColCountry      = "country"
	ColRegion       = "region"
	ColStatus       = "status"
	ColAccreditedOn = "accredited_on"
	ColNote         = "note"
	// ColNamePrefix followed by a language code names a name column.
	ColNamePrefix = "name_"
)

// Row is one data record of a registry CSV.
type Row struct {
	// Record is the record's number in the file, the header being 1.
	Record int `json:"row"`
	// Cells maps each header column to the record's (trimmed) value.
	Cells map[string]string `json:"cells"`
	// Problems maps a column (or "row" for the whole record) to what is
	// wrong with it at the CSV level.
	Problems map[string]string `json:"problems,omitempty"`
}

// Table is a parsed registry CSV.
type Table struct {
	Columns []string `json:"columns"`
	Rows    []Row    `json:"rows"`
}

// ParseCSV reads a registry CSV. Broken files (no header, an unknown or
// repeated column, broken quoting, over a limit) give a *ValidationError
// whose fields are "header", "header.<column>" or "rows[N]"; problems of
// one record are reported in its Row.Problems and do not stop the parse.
func ParseCSV(r io.Reader, langs []string) (Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return Table{}, fmt.Errorf("institution: read CSV: %w", err)
	}
	p := problems{}
	if len(data) > MaxCSVBytes {
		p.add("file", "larger than %d bytes", MaxCSVBytes)
		return Table{}, p.err()
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		p.add("file", "not valid UTF-8 (save the sheet as CSV UTF-8)")
		return Table{}, p.err()
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			p.add("header", "the file is empty: the first line names the columns (id, name_en, country, …)")
		} else {
			p.add("header", "%s", csvMessage(err))
		}
		return Table{}, p.err()
	}
	if len(header) > MaxCSVColumns {
		p.add("header", "at most %d columns", MaxCSVColumns)
		return Table{}, p.err()
	}
	known := map[string]bool{ColID: true, ColCountry: true, ColRegion: true, ColStatus: true, ColAccreditedOn: true, ColNote: true}
	for _, l := range langs {
		known[ColNamePrefix+l] = true
	}
	t := Table{Columns: make([]string, len(header))}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		t.Columns[i] = h
		switch {
		case h == "":
			p.add(fmt.Sprintf("header[%d]", i+1), "empty column name")
		case !known[h]:
			p.add("header."+clip(h), "unknown column (known: id, %s, country, region, status, accredited_on, note)", namesList(langs))
		case seen[h]:
			p.add("header."+h, "column repeated")
		}
		seen[h] = true
	}
	if !seen[ColID] && len(p) == 0 {
		p.add("header", "column id is required")
	}
	if len(p) > 0 {
		return Table{}, p.err()
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		n := len(t.Rows) + 2
		if err != nil {
			p.add(fmt.Sprintf("rows[%d]", n), "%s", csvMessage(err))
			return Table{}, p.err()
		}
		if len(t.Rows) == MaxCSVRows {
			p.add("file", "at most %d rows", MaxCSVRows)
			return Table{}, p.err()
		}
		row := Row{Record: n, Cells: make(map[string]string, len(t.Columns))}
		if len(rec) != len(t.Columns) {
			row.problem("row", "%d fields, the header has %d", len(rec), len(t.Columns))
		}
		for i, c := range t.Columns {
			if i < len(rec) {
				v := strings.TrimSpace(rec[i])
				if utf8.RuneCountInString(v) > MaxCellRunes {
					row.problem(c, "too long: at most %d characters", MaxCellRunes)
					v = ""
				}
				row.Cells[c] = v
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

func (r *Row) problem(col, format string, args ...any) {
	if r.Problems == nil {
		r.Problems = map[string]string{}
	}
	if _, ok := r.Problems[col]; !ok {
		r.Problems[col] = fmt.Sprintf(format, args...)
	}
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err.Error()
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

func namesList(langs []string) string {
	out := make([]string, len(langs))
	for i, l := range langs {
		out[i] = ColNamePrefix + l
	}
	return strings.Join(out, ", ")
}

// Action is what an import does to one row's institution.
type Action string

// Actions of an import plan.
const (
	ActionAdd       Action = "added"
	ActionChange    Action = "changed"
	ActionUnchanged Action = "unchanged"
	ActionInvalid   Action = "invalid"
)

// FieldChange is one field an import changes.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// RowPlan is what an import does with one record.
type RowPlan struct {
	Record  int           `json:"row"`
	ID      string        `json:"id"`
	Action  Action        `json:"action"`
	Changes []FieldChange `json:"changes,omitempty"`
	// Errors maps a column ("row" for the whole record) to what is wrong.
	Errors map[string]string `json:"errors,omitempty"`
	// base is the stored version the change applies to (0: new).
	base int64
	next Institution
}

// Plan is the preview of an import: nothing is written.
type Plan struct {
	Rows      []RowPlan `json:"rows"`
	Added     int       `json:"added"`
	Changed   int       `json:"changed"`
	Unchanged int       `json:"unchanged"`
	Invalid   int       `json:"invalid"`
	// Digest identifies the planned writes and the versions they apply
	// to; Apply refuses (ErrConflict) when it no longer matches.
	Digest string `json:"digest"`
	// Applied counts the rows written by Apply.
	Applied int `json:"applied"`
}

// Preview parses a registry CSV and says, row by row, what importing it
// would add, change or leave, with each row's errors; it writes nothing.
func (s *Service) Preview(ctx context.Context, r io.Reader) (Plan, error) {
	t, err := ParseCSV(r, s.cfg.Languages)
	if err != nil {
		return Plan{}, err
	}
	all, err := s.store.ListInstitutions(ctx)
	if err != nil {
		return Plan{}, err
	}
	stored := make(map[string]Institution, len(all))
	for _, in := range all {
		stored[in.ID] = in
	}
	pl := Plan{Rows: make([]RowPlan, 0, len(t.Rows))}
	firstRow := map[string]int{}
	h := sha256.New()
	for _, row := range t.Rows {
		rp := s.planRow(row, stored)
		if j, dup := firstRow[rp.ID]; dup && rp.ID != "" {
			rp.addError(ColID, "duplicate of rows[%d]", j)
		} else if rp.ID != "" {
			firstRow[rp.ID] = row.Record
		}
		if len(rp.Errors) > 0 {
			rp.Action, rp.Changes = ActionInvalid, nil
		}
		switch rp.Action {
		case ActionAdd:
			pl.Added++
		case ActionChange:
			pl.Changed++
		case ActionUnchanged:
			pl.Unchanged++
		case ActionInvalid:
			pl.Invalid++
		}
		if rp.Action == ActionAdd || rp.Action == ActionChange {
			b, err := json.Marshal(rp.next)
			if err != nil {
				return Plan{}, fmt.Errorf("institution: encode row %d: %w", rp.Record, err)
			}
			fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s\n", rp.Record, rp.Action, rp.base, b)
		}
		pl.Rows = append(pl.Rows, rp)
	}
	pl.Digest = hex.EncodeToString(h.Sum(nil)[:16])
	return pl, nil
}

// Apply imports a registry CSV previewed with digest: it refuses the whole
// file (*ValidationError with fields "rows[N].<column>") if any row is
// invalid, and ErrConflict if the plan differs from the preview (the file
// or the registry changed). Rows are then written in file order, each
// against the version seen in the preview; a failure stops the import and
// is returned with the plan, whose Applied counts the rows written.
func (s *Service) Apply(ctx context.Context, r io.Reader, digest string) (Plan, error) {
	pl, err := s.Preview(ctx, r)
	if err != nil {
		return Plan{}, err
	}
	if pl.Invalid > 0 {
		p := problems{}
		for _, rp := range pl.Rows {
			for col, msg := range rp.Errors {
				p.add(fmt.Sprintf("rows[%d].%s", rp.Record, col), "%s", msg)
			}
		}
		return pl, p.err()
	}
	if digest != pl.Digest {
		return pl, fmt.Errorf("%w: the file or the registry changed since the preview; preview again", ErrConflict)
	}
	for _, rp := range pl.Rows {
		if rp.Action != ActionAdd && rp.Action != ActionChange {
			continue
		}
		if _, err := s.store.PutInstitution(ctx, rp.next, rp.base); err != nil {
			return pl, fmt.Errorf("institution: import row %d (%s): %w", rp.Record, rp.ID, err)
		}
		pl.Applied++
	}
	return pl, nil
}

func (rp *RowPlan) addError(col, format string, args ...any) {
	if rp.Errors == nil {
		rp.Errors = map[string]string{}
	}
	if _, ok := rp.Errors[col]; !ok {
		rp.Errors[col] = fmt.Sprintf(format, args...)
	}
}

// planRow computes one row's action against the stored registry.
func (s *Service) planRow(row Row, stored map[string]Institution) RowPlan {
	rp := RowPlan{Record: row.Record, ID: row.Cells[ColID]}
	for col, msg := range row.Problems {
		rp.addError(col, "%s", msg)
	}
	old, exists := stored[rp.ID]
	var next Institution
	if exists {
		next = old.Clone()
		rp.Action, rp.base = ActionUnchanged, old.Version
	} else {
		next = Institution{ID: rp.ID, Name: agenda.Text{}, History: []Change{}, Delegates: []Delegate{}}
		rp.Action = ActionAdd
	}
	cell := func(col string) (string, bool) { v, ok := row.Cells[col]; return v, ok }
	for _, l := range s.cfg.Languages {
		if v, ok := cell(ColNamePrefix + l); ok {
			next.Name[l] = v
		}
	}
	if v, ok := cell(ColCountry); ok {
		next.Country = v
	}
	if v, ok := cell(ColRegion); ok {
		next.Region = agenda.Region(strings.ToLower(v))
	}
	status, hasStatus := cell(ColStatus)
	date, hasDate := cell(ColAccreditedOn)
	note, _ := cell(ColNote)
	if hasStatus || hasDate {
		st := next.Status
		if st == "" {
			st = StatusNone
		}
		if hasStatus {
			st = Status(strings.ToUpper(status))
			if strings.EqualFold(status, string(StatusNone)) {
				st = StatusNone
			}
		}
		d := next.AccreditedOn
		if hasDate {
			d = date
		}
		switch {
		case !st.Valid():
			rp.addError(ColStatus, "must be A, B or none")
		case st == next.Status && d == next.AccreditedOn:
			// no accreditation change
		case st == StatusNone && d == "" && len(next.History) == 0:
			// never accredited
		case d == "":
			rp.addError(ColAccreditedOn, "required when the status changes (YYYY-MM-DD)")
		case !ValidDate(d):
			rp.addError(ColAccreditedOn, "must be a date YYYY-MM-DD")
		default:
			if note == "" {
				note = "CSV import"
			}
			next.History = append(next.History, Change{Status: st, Date: d, Note: note})
		}
	}
	normalize(&next)
	p := s.validate(next)
	if !exists {
		s.checkNewID(p, next.ID)
	}
	for f, msg := range p {
		rp.addError(column(f), "%s", msg)
	}
	if len(rp.Errors) > 0 {
		return rp
	}
	rp.next = next
	if exists {
		rp.Changes = Diff(old, next)
		if len(rp.Changes) > 0 {
			rp.Action = ActionChange
		}
	} else {
		rp.Changes = Diff(Institution{Name: agenda.Text{}}, next)
	}
	return rp
}

// column maps a validation field to the CSV column that feeds it.
func column(field string) string {
	switch {
	case strings.HasPrefix(field, "name."):
		return ColNamePrefix + strings.TrimPrefix(field, "name.")
	case field == "name":
		return ColNamePrefix + "*"
	case strings.HasPrefix(field, "history["):
		if strings.HasSuffix(field, ".date") {
			return ColAccreditedOn
		}
		if strings.HasSuffix(field, ".note") {
			return ColNote
		}
		return ColStatus
	}
	return field
}

// Diff lists the fields (names, country, region, status and its date) that
// differ from old to next, names in the languages' order.
func Diff(old, next Institution) []FieldChange {
	var out []FieldChange
	add := func(f, o, n string) {
		if o != n {
			out = append(out, FieldChange{Field: f, Old: o, New: n})
		}
	}
	for _, l := range agenda.Languages {
		add("name."+l, old.Name[l], next.Name[l])
	}
	for l := range next.Name {
		if !agenda.KnownLanguage(l) {
			add("name."+l, old.Name[l], next.Name[l])
		}
	}
	add("country", old.Country, next.Country)
	add("region", string(old.Region), string(next.Region))
	add("status", string(old.Status), string(next.Status))
	add("accredited_on", old.AccreditedOn, next.AccreditedOn)
	return out
}
