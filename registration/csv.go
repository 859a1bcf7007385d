package registration

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/majlis/majlis/internal/usertext"
)

// CSVColumns are the fixed leading columns of WriteCSV, in order:
//
//	seq            arrival order within the event (1, 2, …)
//	id             the registration ID
//	status         pending, approved, waitlisted, declined or cancelled
//	registered     when the registration arrived (RFC 3339, UTC)
//	status_since   when it took its current status (RFC 3339, UTC)
//	name           the display name
//	pseudonym      "yes" when the registrant gave a pseudonym, else empty
//	email          the address, or empty
//	language       the registrant's language (ISO 639-1)
//	decline_message the organizer's message to a declined registrant
//
// Then one column per question of the form, headed by the question's ID,
// in the form's order: a text answer as given; the chosen options' labels
// in the export language, one per line; "yes" for a consent.
var CSVColumns = []string{"seq", "id", "status", "registered", "status_since", "name", "pseudonym", "email", "language", "decline_message"}

// WriteCSV writes registrations as CSV (RFC 4180 quoting, a UTF-8 byte
// order mark first so that spreadsheets read Arabic right), with the
// columns of CSVColumns and one per question; choice labels in lang.
// Records end in LF, not CRLF: encoding/csv's CRLF mode rewrites line
// breaks inside cells and drops a lone CR, so a cell would not read back
// as written (the round trip through Python's csv module caught it).
//
// Every cell that a spreadsheet would take for a formula (starting with
// =, +, -, @, a tab or a carriage return) gets a leading apostrophe, so
// that a registrant's answer never runs in the organizer's spreadsheet.
func WriteCSV(w io.Writer, f Form, regs []Registration, lang string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := append([]string(nil), CSVColumns...)
	for _, q := range f.Questions {
		head = append(head, q.ID)
	}
	if err := cw.Write(safeRow(head)); err != nil {
		return err
	}
	for _, r := range regs {
		pseudo := ""
		if r.Pseudonym {
			pseudo = "yes"
		}
		row := []string{strconv.FormatInt(r.Seq, 10), r.ID, string(r.Status), stamp(r.Created), stamp(r.Since()),
			r.Name, pseudo, r.Email, r.Language, r.Message}
		for _, q := range f.Questions {
			row = append(row, answerCell(q, r.Answers[q.ID], lang))
		}
		if err := cw.Write(safeRow(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func answerCell(q Question, a Answer, lang string) string {
	switch q.Kind {
	case KindText:
		return a.Text
	case KindConsent:
		if a.Consent {
			return "yes"
		}
		return ""
	}
	labels := make([]string, 0, len(a.Choices))
	for _, id := range a.Choices {
		label := id
		for _, o := range q.Options {
			if o.ID == id {
				if s := o.Label.Get(lang); s != "" {
					label = s
				}
			}
		}
		labels = append(labels, label)
	}
	return strings.Join(labels, "\n")
}

// safeRow defuses formula cells in place and returns row.
func safeRow(row []string) []string {
	for i, c := range row {
		row[i] = SafeCell(c)
	}
	return row
}

// SafeCell returns c with a leading apostrophe if a spreadsheet would
// read it as a formula (usertext.CSVCell, the one rule for every export).
func SafeCell(c string) string { return usertext.CSVCell(c) }
