package attendance

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/majlis/majlis/internal/usertext"
)

// CSVColumns are the columns of WriteCSV, in order:
//
//	person      who: registrant:ID, invite:ID, organizer:ID or anonymous:NAME
//	kind        registrant, invitee, organizer or walk-in
//	name        the display name shown in the room (or registered)
//	pseudonym   "yes" when a registrant gave a pseudonym, else empty
//	role        the room role, empty for a registrant who never came
//	first_join  RFC 3339, UTC; empty when they never came
//	last_leave  RFC 3339, UTC; empty while present or when they never came
//	present     "yes" while in the room
//	minutes     minutes present, rounded (several tabs counted once)
//	channels    the channels listened to, space-separated (floor, ar, en…)
//	visits      connections counted (tabs, reconnects)
var CSVColumns = []string{"person", "kind", "name", "pseudonym", "role", "first_join", "last_leave", "present", "minutes", "channels", "visits"}

// WriteCSV writes rows as CSV: a UTF-8 byte order mark first (spreadsheets
// then read Arabic right), RFC 4180 quoting, LF line ends (as
// registration.WriteCSV, for the same reasons), every cell through
// usertext.CSVCell so that no name runs as a formula.
func WriteCSV(w io.Writer, rows []Row) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, r := range rows {
		row := []string{r.Person, string(r.Kind), r.Name, yes(r.Pseudonym), r.Role, stamp(r.First), stamp(r.Last), yes(r.Present),
			strconv.Itoa(r.Minutes()), strings.Join(r.Channels, " "), strconv.Itoa(r.Visits)}
		for i, c := range row {
			row[i] = usertext.CSVCell(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
