package agenda

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/internal/violation"
)

// Limits on user input. They keep every stored value small enough for
// feeds, pages and websocket snapshots.
const (
	MaxTitleRunes       = 300
	MaxDescriptionRunes = 10000
	MaxSpeakers         = 50
	MaxSpeakerRunes     = 200
	MaxItems            = 500
	MaxLanguages        = 20
	MaxInvitees         = 200
	MaxLocationRunes    = 500
	// MaxConferenceBytes bounds an event's video meeting address.
	MaxConferenceBytes = 2000
	// MaxEventDuration bounds one event (an annual meeting runs a few days).
	MaxEventDuration = 60 * 24 * time.Hour
	// MaxItemMinutes bounds one agenda item.
	MaxItemMinutes = 24 * 60
	// MinYear and MaxYear bound an event's years, in UTC and in its zone:
	// what calendar apps read (see calendar.MinYear).
	MinYear, MaxYear = 1900, 9998
)

// ValidationError lists the fields that break a rule, keyed by JSON path
// (e.g. "title", "items[2].start"). It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string { return violation.Message("agenda", e.Fields) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

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

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)
	langPattern = regexp.MustCompile(`^[a-z]{2}$`)
)

// ValidID reports whether id is an acceptable event, item or series ID:
// 3–64 lowercase letters, digits and inner hyphens.
func ValidID(id string) bool { return idPattern.MatchString(id) }

func checkText(p problems, field string, t Text, langs []string, required bool, max int) {
	if len(t) > len(langs) {
		p.add(field, "at most %d languages", len(langs))
		return
	}
	any := false
	for _, l := range sortedKeys(t) {
		s := t[l]
		if !slices.Contains(langs, l) {
			p.add(field+"."+l, "unknown language code %q (want one of %s)", l, strings.Join(langs, ", "))
			continue
		}
		if why := usertext.Problem(s, form(field), max); why != "" {
			p.add(field+"."+l, "%s", why)
			continue
		}
		if strings.TrimSpace(s) != "" {
			any = true
		}
	}
	if required && !any {
		p.add(field, "required in at least one language (%s)", strings.Join(langs, ", "))
	}
}

// form is the usertext form of a multilingual field: descriptions have
// several lines, titles one.
func form(field string) usertext.Form {
	if field == "description" {
		return usertext.Block
	}
	return usertext.Line
}

// normalizeText returns t with every value in usertext's stored form, as
// a new map (t may be the caller's).
func normalizeText(t Text) Text {
	if t == nil {
		return nil
	}
	out := make(Text, len(t))
	for l, s := range t {
		out[l] = usertext.Normalize(s)
	}
	return out
}

// normalizeTexts is normalizeText for a list of texts.
func normalizeTexts(ts []Text) []Text {
	if ts == nil {
		return nil
	}
	out := make([]Text, len(ts))
	for i, t := range ts {
		out[i] = normalizeText(t)
	}
	return out
}

// normalizeEventText puts e's user texts in their stored form, so that a
// description sent with CR LF (as Windows clients do) is stored with LF.
func normalizeEventText(e *Event) {
	e.Title = normalizeText(e.Title)
	e.Description = normalizeText(e.Description)
	e.Location = normalizeText(e.Location)
}

// normalizeItemText is normalizeEventText for an agenda item.
func normalizeItemText(it *Item) {
	it.Title = normalizeText(it.Title)
	it.Speakers = normalizeTexts(it.Speakers)
}

// normalizeSeriesText is normalizeEventText for a series.
func normalizeSeriesText(ser *Series) {
	ser.Title = normalizeText(ser.Title)
	ser.StandingItems = slices.Clone(ser.StandingItems)
	for i := range ser.StandingItems {
		ser.StandingItems[i].Title = normalizeText(ser.StandingItems[i].Title)
	}
}

func sortedKeys(t Text) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func checkShort(p problems, field, s string, max int) {
	if why := usertext.Problem(s, usertext.Line, max); why != "" {
		p.add(field, "%s", why)
	}
}

// validateEvent checks e on its own (not against its parent or agenda).
func (s *Service) validateEvent(e Event) problems {
	p := problems{}
	if e.ID != "" && !ValidID(e.ID) {
		p.add("id", "must be 3-64 lowercase letters, digits or hyphens")
	}
	if !e.Kind.Valid() {
		p.add("kind", "must be one of annual-meeting, general-assembly, session, side-event, webinar")
	} else if e.Kind == KindRegional && e.Origin == nil {
		p.add("kind", "regional events are imported from a regional network's calendar (see /api/v1/sources)")
	}
	if e.Origin == nil && strings.HasPrefix(e.ID, ImportedIDPrefix) {
		p.add("id", "the prefix %q is reserved for imported events", ImportedIDPrefix)
	}
	if e.Kind.NeedsParent() && e.Parent == "" {
		p.add("parent", "a %s belongs to an annual meeting: parent is required", e.Kind)
	}
	if e.Kind == KindAnnualMeeting && e.Parent != "" {
		p.add("parent", "an annual meeting has no parent")
	}
	checkText(p, "title", e.Title, s.cfg.Languages, true, MaxTitleRunes)
	checkText(p, "description", e.Description, s.cfg.Languages, false, MaxDescriptionRunes)
	if e.Start.IsZero() {
		p.add("start", "required (RFC 3339 with a zone offset)")
	}
	if e.End.IsZero() {
		p.add("end", "required (RFC 3339 with a zone offset)")
	}
	if !e.Start.IsZero() && !e.End.IsZero() {
		if !e.End.After(e.Start) {
			p.add("end", "must be after start")
		} else if e.End.Sub(e.Start) > MaxEventDuration {
			p.add("end", "an event lasts at most %d days", int(MaxEventDuration.Hours()/24))
		}
	}
	// Calendar apps read no year past 9998 (9999-12-31T12:00Z is already
	// 10000 in Pacific/Kiritimati), nor the distant past: checked in UTC
	// and in the event's zone, as feeds write both.
	zone, err := loadZone(e.TimeZone)
	if err != nil {
		zone = time.UTC
	}
	for _, b := range []struct {
		field string
		t     time.Time
	}{{"start", e.Start}, {"end", e.End}} {
		if y, yz := b.t.UTC().Year(), b.t.In(zone).Year(); !b.t.IsZero() && (min(y, yz) < MinYear || max(y, yz) > MaxYear) {
			p.add(b.field, "must be within the years %d to %d, in UTC and in the event's zone", MinYear, MaxYear)
		}
	}
	if e.TimeZone == "" {
		p.add("timezone", "required (an IANA zone such as Europe/Zurich)")
	} else if _, err := loadZone(e.TimeZone); err != nil {
		p.add("timezone", "unknown IANA time zone %q", e.TimeZone)
	}
	if !e.Region.Valid() {
		p.add("region", "must be one of global, africa, americas, asia-pacific, europe")
	}
	if !e.Visibility.Valid() {
		p.add("visibility", "must be one of public, members, confidential")
	}
	if !e.Status.Valid() {
		p.add("status", "must be one of draft, published, cancelled")
	}
	if len(e.Languages) > MaxLanguages {
		p.add("languages", "at most %d languages", MaxLanguages)
	}
	seen := map[string]bool{}
	for i, l := range e.Languages {
		f := fmt.Sprintf("languages[%d]", i)
		if !langPattern.MatchString(l) {
			p.add(f, "%q is not an ISO 639-1 code (two lowercase letters, e.g. ar, en, fr, es)", l)
		} else if seen[l] {
			p.add(f, "%q listed twice", l)
		}
		seen[l] = true
	}
	checkText(p, "location", e.Location, s.cfg.Languages, false, MaxLocationRunes)
	checkConference(p, e.Conference)
	checkInterpretation(p, e.Interpretation)
	if len(e.Invitees) > MaxInvitees {
		p.add("invitees", "at most %d invitees", MaxInvitees)
	}
	for i, inv := range e.Invitees {
		checkShort(p, fmt.Sprintf("invitees[%d]", i), inv, 100)
	}
	if e.Series != "" && !ValidID(e.Series) {
		p.add("series", "must be 3-64 lowercase letters, digits or hyphens")
	}
	return p
}

// checkConference checks an event's video meeting address: an absolute
// https URL with a host, no user name or password in it (they would be
// shown to everyone who sees the event), at most MaxConferenceBytes.
func checkConference(p problems, raw string) {
	if raw == "" {
		return
	}
	if len(raw) > MaxConferenceBytes {
		p.add("conference", "at most %d characters", MaxConferenceBytes)
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		p.add("conference", "not a valid address (an https:// URL without spaces)")
	case u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		p.add("conference", "must be an https:// address with a host")
	case u.User != nil:
		p.add("conference", "must not carry a user name or password")
	}
}

func loadZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, fmt.Errorf("agenda: zone %q is not portable", name)
	}
	return time.LoadLocation(name)
}

// ValidateAgenda checks items against their event: each inside the event,
// no overlaps unless one of the two is parallel, sane durations, unique IDs.
func (s *Service) ValidateAgenda(e Event, items []Item) error {
	p := problems{}
	if len(items) > MaxItems {
		p.add("items", "at most %d items", MaxItems)
		return p.err()
	}
	ids := make(map[string]int, len(items))
	for i, it := range items {
		f := fmt.Sprintf("items[%d]", i)
		if it.ID != "" {
			if !ValidID(it.ID) {
				p.add(f+".id", "must be 3-64 lowercase letters, digits or hyphens")
			} else if j, dup := ids[it.ID]; dup {
				p.add(f+".id", "duplicate of items[%d]", j)
			}
			ids[it.ID] = i
		}
		checkText(p, f+".title", it.Title, s.cfg.Languages, true, MaxTitleRunes)
		if !it.Kind.Valid() {
			p.add(f+".kind", "must be one of opening, presentation, discussion, break, vote, closing, standing")
		}
		if it.Minutes <= 0 || it.Minutes > MaxItemMinutes {
			p.add(f+".duration", "must be between 1 and %d minutes", MaxItemMinutes)
		}
		if it.Start.IsZero() {
			p.add(f+".start", "required (RFC 3339 with a zone offset)")
		} else if it.Start.Before(e.Start) || it.End().After(e.End) {
			p.add(f+".start", "item %s–%s is outside the event %s–%s", fmtT(it.Start), fmtT(it.End()), fmtT(e.Start), fmtT(e.End))
		}
		if it.FloorLanguage != "" && !langPattern.MatchString(it.FloorLanguage) {
			p.add(f+".floor_language", "%q is not an ISO 639-1 code", it.FloorLanguage)
		}
		if len(it.Speakers) > MaxSpeakers {
			p.add(f+".speakers", "at most %d speakers", MaxSpeakers)
		}
		for j, sp := range it.Speakers {
			checkText(p, fmt.Sprintf("%s.speakers[%d]", f, j), sp, s.cfg.Languages, true, MaxSpeakerRunes)
		}
	}
	if len(p) > 0 {
		return p.err()
	}
	// Overlaps: sort indices by start and sweep; O(n log n) plus the
	// overlapping pairs, so 500 items stay cheap.
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return items[idx[a]].Start.Before(items[idx[b]].Start) })
	var lastEnd time.Time
	last := -1
	for _, i := range idx {
		it := items[i]
		if it.Parallel {
			continue
		}
		if last >= 0 && it.Start.Before(lastEnd) {
			p.add(fmt.Sprintf("items[%d].start", i), "overlaps items[%d] (ends %s); mark one of them parallel to allow it", last, fmtT(lastEnd))
		}
		if it.End().After(lastEnd) || last < 0 {
			lastEnd, last = it.End(), i
		}
	}
	return p.err()
}

func fmtT(t time.Time) string { return t.UTC().Format("2006-01-02T15:04Z") }
