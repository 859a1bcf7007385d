package institution

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/internal/violation"
)

// Limits on user input.
const (
	MaxNameRunes  = 300
	MaxNoteRunes  = 500
	MaxRefRunes   = 100
	MaxHistory    = 100
	MaxDelegates  = 20
	MaxCSVBytes   = 1 << 20
	MaxCSVRows    = 1000
	MaxCSVColumns = 20
	MaxCellRunes  = 1000
)

// ValidationError lists the fields that break a rule, keyed by JSON path
// (e.g. "country", "history[1].date", or for an import "rows[3].country",
// where 3 is the record's number in the file, the header being 1). It
// matches ErrInvalid with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string { return violation.Message("institution", e.Fields) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Violations returns the fields that break a rule (violation.Error).
func (e *ValidationError) Violations() map[string]string { return e.Fields }

var _ violation.Error = (*ValidationError)(nil)

// problems collects field errors; the first message per field wins.
type problems map[string]string

func (p problems) add(field, format string, args ...any) {
	violation.Add(p, field, format, args...)
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)

// ValidID reports whether id is an acceptable institution ID: 3–64
// lowercase letters, digits and inner hyphens.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// ValidDate reports whether s is a civil date YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

// checkShort applies the one rule for user text (package usertext) to a
// one-line field of at most max characters.
func checkShort(p problems, field, s string, max int) {
	if why := usertext.Problem(s, usertext.Line, max); why != "" {
		p.add(field, "%s", why)
	}
}

// checkNewID refuses a reserved ID for a new institution (Config.ReservedIDs).
func (s *Service) checkNewID(p problems, id string) {
	if slices.Contains(s.cfg.ReservedIDs, id) {
		p.add("id", "%q is a word of the organizer app's own pages (%s): choose another", id, strings.Join(s.cfg.ReservedIDs, ", "))
	}
}

// validate checks in on its own.
func (s *Service) validate(in Institution) problems {
	p, langs := problems{}, s.cfg.Languages
	if !ValidID(in.ID) {
		p.add("id", "must be 3-64 lowercase letters, digits or hyphens")
	}
	if len(in.Name) > len(langs) {
		p.add("name", "at most %d languages", len(langs))
	}
	named := false
	for _, l := range sortedKeys(in.Name) {
		s := in.Name[l]
		f := "name." + l
		if !slices.Contains(langs, l) {
			p.add(f, "unknown language code %q (want one of %s)", l, strings.Join(langs, ", "))
			continue
		}
		checkShort(p, f, s, MaxNameRunes)
		if strings.TrimSpace(s) != "" {
			named = true
		}
	}
	if !named {
		p.add("name", "required in at least one language (%s)", strings.Join(langs, ", "))
	}
	if !ValidCountry(in.Country) && !(s.cfg.UserAssignedCountries && UserAssigned(in.Country)) {
		p.add("country", "must be an ISO 3166-1 alpha-2 code in upper case (e.g. KE, MX, FR)")
	}
	if !in.Region.Valid() || in.Region == agenda.RegionGlobal {
		p.add("region", "must be one of africa, americas, asia-pacific, europe")
	}
	if len(in.History) > MaxHistory {
		p.add("history", "at most %d entries", MaxHistory)
	}
	for i, c := range in.History {
		f := fmt.Sprintf("history[%d]", i)
		if !c.Status.Valid() {
			p.add(f+".status", "must be one of A, B, none")
		}
		if !ValidDate(c.Date) {
			p.add(f+".date", "must be a date YYYY-MM-DD")
		} else if i > 0 && c.Date < in.History[i-1].Date {
			p.add(f+".date", "history is oldest first: %s is before history[%d] (%s)", c.Date, i-1, in.History[i-1].Date)
		}
		checkShort(p, f+".note", c.Note, MaxNoteRunes)
	}
	if len(in.Delegates) > MaxDelegates {
		p.add("delegates", "at most %d delegates", MaxDelegates)
	}
	seen := map[string]int{}
	for i, d := range in.Delegates {
		f := fmt.Sprintf("delegates[%d].ref", i)
		if strings.TrimSpace(d.Ref) == "" {
			p.add(f, "required")
			continue
		}
		checkShort(p, f, d.Ref, MaxRefRunes)
		if j, dup := seen[d.Ref]; dup {
			p.add(f, "duplicate of delegates[%d]", j)
		}
		seen[d.Ref] = i
	}
	return p
}

func sortedKeys(t agenda.Text) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
