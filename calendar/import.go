package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
)

// Errors of imports.
var (
	// ErrMalformed reports an iCalendar object that cannot be read.
	ErrMalformed = errors.New("calendar: malformed iCalendar")
	// ErrTooLarge reports a calendar over a size limit (bytes or events).
	ErrTooLarge = errors.New("calendar: calendar too large")
)

// Limits of Parse. They bound the work one fetched calendar can cause.
const (
	// MaxUIDLength is the longest UID accepted; longer events are skipped.
	MaxUIDLength = 255
	// maxSteps bounds the recurrence instances computed per event,
	// counted from its first one, inside the window or not.
	maxSteps = 20000
	// maxWarnings bounds the warnings kept per parse.
	maxWarnings = 20
)

// ParseConfig tunes Parse.
type ParseConfig struct {
	// Zone reads floating times (no TZID, no "Z") and TZIDs that are
	// neither IANA names nor known Windows names: the region's reference
	// zone (agenda.Service.Zone). Default UTC.
	Zone *time.Location
	// From and To bound the window in which events and recurrence
	// instances are kept (an event is kept when it ends after From and
	// starts before To). Default: no event is kept.
	From, To time.Time
	// Lang is the language given to texts without a LANGUAGE parameter,
	// or with one not in Languages. Default "en".
	Lang string
	// Languages are the accepted text languages. Default agenda.Languages.
	Languages []string
	// MaxEvents bounds the events (instances) one calendar may yield;
	// more is an error. Default 5000.
	MaxEvents int
}

// Parsed is what Parse read from one iCalendar object.
type Parsed struct {
	// Events are the events and recurrence instances in the window, each
	// with Origin.UID and Origin.RecurrenceID set (the caller sets the
	// source), Title possibly empty, Region unset.
	Events []agenda.Event
	// Refresh is the calendar's REFRESH-INTERVAL (RFC 7986 §5.7), or its
	// X-PUBLISHED-TTL; 0 when it gives none.
	Refresh time.Duration
	// Warnings say what was skipped or guessed (at most 20).
	Warnings []string
}

func (p *Parsed) warn(format string, args ...any) {
	if len(p.Warnings) < maxWarnings {
		p.Warnings = append(p.Warnings, fmt.Sprintf(format, args...))
	}
}

// Parse reads one VCALENDAR (RFC 5545 §3.4) and returns its events within
// cfg's window: recurring events (RRULE, RDATE, EXDATE: §3.8.5) expanded
// into instances, RECURRENCE-ID overrides (§3.8.4.4) applied, times read
// in their TZID (IANA names directly, Windows names mapped, others and
// floating times in cfg.Zone), all-day events (VALUE=DATE) kept as such.
// Events marked CLASS:CONFIDENTIAL are left out: majlis cannot know who
// may see them. An error wraps ErrMalformed when data is not an
// iCalendar object; an event that cannot be read is skipped with a
// warning instead.
func Parse(data []byte, cfg ParseConfig) (Parsed, error) {
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = 5000
	}
	if len(cfg.Languages) == 0 {
		cfg.Languages = agenda.Languages
	}
	if !slices.Contains(cfg.Languages, cfg.Lang) {
		cfg.Lang = "en"
	}
	var out Parsed
	cal, err := decodeOne(data)
	if err != nil {
		return out, err
	}
	for _, name := range []string{ical.PropRefreshInterval, "X-PUBLISHED-TTL"} {
		if p := cal.Props.Get(name); p != nil && out.Refresh == 0 {
			if d, err := (&ical.Prop{Name: name, Params: ical.Params{}, Value: p.Value}).Duration(); err == nil && d > 0 {
				out.Refresh = d
			}
		}
	}
	r := reader{cfg: cfg, out: &out, zones: map[string]*time.Location{}}
	masters := map[string]*ical.Component{}
	overrides := map[string][]*ical.Component{}
	var order []string
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		uid := propValue(c, ical.PropUID)
		switch {
		case uid == "":
			out.warn("an event without UID was skipped")
			continue
		case len(uid) > MaxUIDLength || !utf8.ValidString(uid) || hasCtl(uid):
			out.warn("an event with an unusable UID was skipped")
			continue
		}
		if c.Props.Get(ical.PropRecurrenceID) != nil {
			overrides[uid] = append(overrides[uid], c)
			if masters[uid] == nil && !slices.Contains(order, uid) {
				order = append(order, uid)
			}
			continue
		}
		if masters[uid] != nil {
			out.warn("UID %q appears twice; the first is kept", uid)
			continue
		}
		masters[uid] = c
		if !slices.Contains(order, uid) {
			order = append(order, uid)
		}
	}
	for _, uid := range order {
		if err := r.event(uid, masters[uid], overrides[uid]); err != nil {
			return out, err
		}
	}
	return out, nil
}

// decodeOne decodes exactly one VCALENDAR. go-ical's decoder panics on
// some malformed content lines (an empty parameter value at the end of
// input, found by FuzzImport: testdata/fuzz/FuzzImport); the panic is
// turned into ErrMalformed, since the input is outside data.
func decodeOne(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("calendar: unreadable content line: %w", ErrMalformed)
		}
	}()
	dec := ical.NewDecoder(bytes.NewReader(data))
	cal, err = dec.Decode()
	if err == io.EOF {
		return nil, fmt.Errorf("calendar: no VCALENDAR: %w", ErrMalformed)
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %v: %w", err, ErrMalformed)
	}
	if _, err := dec.Decode(); err != io.EOF {
		return nil, fmt.Errorf("calendar: more than one VCALENDAR: %w", ErrMalformed)
	}
	return cal, nil
}

// reader holds the state of one Parse.
type reader struct {
	cfg   ParseConfig
	out   *Parsed
	zones map[string]*time.Location
}

// add keeps e, or fails when the calendar holds too many events.
func (r *reader) add(e agenda.Event) error {
	if len(r.out.Events) >= r.cfg.MaxEvents {
		return fmt.Errorf("calendar: more than %d events in the window: %w", r.cfg.MaxEvents, ErrTooLarge)
	}
	r.out.Events = append(r.out.Events, e)
	return nil
}

// instance is one occurrence read from a VEVENT.
type instance struct {
	start, end time.Time
	allDay     bool
	zone       *time.Location
}

// event expands the event uid: the master (may be nil: only overrides
// were given) and its RECURRENCE-ID overrides.
func (r *reader) event(uid string, master *ical.Component, overrides []*ical.Component) error {
	byRecurrence := map[int64]*ical.Component{}
	for _, o := range overrides {
		rid, _, _, err := r.time(o.Props.Get(ical.PropRecurrenceID))
		if err != nil {
			r.out.warn("event %q: unreadable RECURRENCE-ID skipped", uid)
			continue
		}
		byRecurrence[rid.Unix()] = o
	}
	if master == nil {
		for _, o := range overrides {
			if err := r.single(uid, o, true); err != nil {
				return err
			}
		}
		return nil
	}
	if class(master) == "CONFIDENTIAL" {
		return nil
	}
	if master.Props.Get(ical.PropRecurrenceRule) == nil && master.Props.Get(ical.PropRecurrenceDates) == nil {
		return r.single(uid, master, false)
	}
	first, ok := r.instance(uid, master)
	if !ok {
		return nil
	}
	set, err := r.recurrence(master, first)
	if err != nil {
		r.out.warn("event %q: %v; skipped", uid, err)
		return nil
	}
	dur := first.end.Sub(first.start)
	next := set.Iterator()
	for steps := 0; ; steps++ {
		start, more := next()
		if !more || !start.Before(r.cfg.To) {
			break
		}
		if steps >= maxSteps {
			r.out.warn("event %q: more than %d repetitions; the rest skipped", uid, maxSteps)
			break
		}
		if o, ok := byRecurrence[start.Unix()]; ok {
			delete(byRecurrence, start.Unix())
			if err := r.override(uid, o, start, master); err != nil {
				return err
			}
			continue
		}
		if !start.Add(dur).After(r.cfg.From) {
			continue
		}
		inst := instance{start: start, end: start.Add(dur), allDay: first.allDay, zone: first.zone}
		if first.allDay { // whole days: the same wall-clock midnight, whatever DST does
			y, m, d := start.In(first.zone).Date()
			inst.start = time.Date(y, m, d, 0, 0, 0, 0, first.zone)
			inst.end = inst.start.AddDate(0, 0, int(dur.Round(24*time.Hour)/(24*time.Hour)))
		}
		if err := r.add(r.build(uid, master, inst, start)); err != nil {
			return err
		}
	}
	for rid, o := range byRecurrence { // overrides of instances the rule does not (or no longer) make
		if err := r.override(uid, o, time.Unix(rid, 0), master); err != nil {
			return err
		}
	}
	return nil
}

// override adds the overriding VEVENT o of the instance that started at rid.
func (r *reader) override(uid string, o *ical.Component, rid time.Time, master *ical.Component) error {
	inst, ok := r.instance(uid, o)
	if !ok || !inst.end.After(r.cfg.From) || !inst.start.Before(r.cfg.To) {
		return nil
	}
	if class(o) == "CONFIDENTIAL" || class(master) == "CONFIDENTIAL" {
		return nil
	}
	return r.add(r.build(uid, o, inst, rid))
}

// single adds a non-recurring event (or an override without its master).
func (r *reader) single(uid string, c *ical.Component, isOverride bool) error {
	inst, ok := r.instance(uid, c)
	if !ok || !inst.end.After(r.cfg.From) || !inst.start.Before(r.cfg.To) || class(c) == "CONFIDENTIAL" {
		return nil
	}
	rid := time.Time{}
	if isOverride {
		rid, _, _, _ = r.time(c.Props.Get(ical.PropRecurrenceID))
	}
	return r.add(r.build(uid, c, inst, rid))
}

// instance reads DTSTART and DTEND (or DURATION) of c.
func (r *reader) instance(uid string, c *ical.Component) (instance, bool) {
	start, allDay, zone, err := r.time(c.Props.Get(ical.PropDateTimeStart))
	if err != nil {
		r.out.warn("event %q: DTSTART: %v; skipped", uid, err)
		return instance{}, false
	}
	inst := instance{start: start, allDay: allDay, zone: zone}
	switch {
	case c.Props.Get(ical.PropDateTimeEnd) != nil:
		end, _, _, err := r.time(c.Props.Get(ical.PropDateTimeEnd))
		if err != nil {
			r.out.warn("event %q: DTEND: %v; skipped", uid, err)
			return instance{}, false
		}
		inst.end = end
	case c.Props.Get(ical.PropDuration) != nil:
		d, err := c.Props.Get(ical.PropDuration).Duration()
		if err != nil || d < 0 {
			r.out.warn("event %q: unreadable DURATION; skipped", uid)
			return instance{}, false
		}
		if allDay && d%(24*time.Hour) == 0 {
			inst.end = start.AddDate(0, 0, int(d/(24*time.Hour)))
		} else {
			inst.end = start.Add(d)
		}
	case allDay:
		inst.end = start.AddDate(0, 0, 1) // §3.6.1: a DATE DTSTART alone lasts one day
	default:
		// §3.6.1: a DATE-TIME DTSTART alone is an instant; majlis events
		// have a length, so it gets one minute.
		inst.end = start.Add(time.Minute)
	}
	if !inst.end.After(inst.start) {
		if inst.end.Equal(inst.start) {
			inst.end = inst.start.Add(time.Minute)
		} else {
			r.out.warn("event %q ends before it starts; skipped", uid)
			return instance{}, false
		}
	}
	if inst.end.Sub(inst.start) > agenda.MaxEventDuration {
		r.out.warn("event %q lasts longer than %d days; skipped", uid, int(agenda.MaxEventDuration.Hours()/24))
		return instance{}, false
	}
	return inst, true
}

// recurrence builds the rule set of master (RRULE, RDATE, EXDATE) from its
// first instance; times are computed in the event's zone, so a weekly
// 09:00 stays 09:00 across daylight-saving changes (§3.8.5.3).
func (r *reader) recurrence(master *ical.Component, first instance) (*rrule.Set, error) {
	set := &rrule.Set{}
	if p := master.Props.Get(ical.PropRecurrenceRule); p != nil {
		opt, err := rrule.StrToROptionInLocation(p.Value, first.zone)
		if err != nil {
			return nil, fmt.Errorf("RRULE: %v", err)
		}
		if opt.Freq == rrule.SECONDLY || opt.Freq == rrule.MINUTELY {
			return nil, errors.New("RRULE repeats more often than hourly")
		}
		opt.Dtstart = first.start
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("RRULE: %v", err)
		}
		set.RRule(rule)
	}
	set.DTStart(first.start)
	for _, p := range master.Props[ical.PropRecurrenceDates] {
		if strings.EqualFold(p.Params.Get(ical.ParamValue), "PERIOD") {
			continue
		}
		ts, err := r.times(&p)
		if err != nil {
			return nil, fmt.Errorf("RDATE: %v", err)
		}
		for _, t := range ts {
			set.RDate(t)
		}
	}
	for _, p := range master.Props[ical.PropExceptionDates] {
		ts, err := r.times(&p)
		if err != nil {
			return nil, fmt.Errorf("EXDATE: %v", err)
		}
		for _, t := range ts {
			set.ExDate(t)
		}
	}
	return set, nil
}

// times reads a comma-separated list of DATE or DATE-TIME values.
func (r *reader) times(p *ical.Prop) ([]time.Time, error) {
	var out []time.Time
	for _, v := range strings.Split(p.Value, ",") {
		q := ical.Prop{Name: p.Name, Params: p.Params, Value: strings.TrimSpace(v)}
		t, _, _, err := r.time(&q)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// time reads a DATE or DATE-TIME property (RFC 5545 §3.3.4, §3.3.5):
// UTC ("Z"), local with a TZID, floating (read in cfg.Zone), or a DATE
// (midnight in the TZID's zone or cfg.Zone, allDay true). zone is the zone
// the value was read in.
func (r *reader) time(p *ical.Prop) (t time.Time, allDay bool, zone *time.Location, err error) {
	if p == nil {
		return time.Time{}, false, nil, errors.New("missing")
	}
	v := strings.TrimSpace(p.Value)
	zone = r.zone(p.Params.Get(ical.PropTimezoneID))
	isDate := strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE") || len(v) == len("20060102")
	switch {
	case isDate:
		t, err = time.ParseInLocation("20060102", v, zone)
		allDay = true
	case strings.HasSuffix(v, "Z"):
		t, err = time.ParseInLocation("20060102T150405Z", v, time.UTC)
		zone = time.UTC
	default:
		t, err = time.ParseInLocation("20060102T150405", v, zone)
	}
	if err != nil {
		return time.Time{}, false, nil, fmt.Errorf("unreadable date-time %q", shorten(v))
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false, nil, fmt.Errorf("date-time %q out of range", shorten(v))
	}
	return t, allDay, zone, nil
}

// zone resolves a TZID: an IANA name (also behind a prefix such as
// "/mozilla.org/20050126_1/Europe/Paris"), a Windows name, or else the
// region's zone with a warning. An empty TZID (floating time) is the
// region's zone.
func (r *reader) zone(tzid string) *time.Location {
	if tzid == "" {
		return r.cfg.Zone
	}
	if loc, ok := r.zones[tzid]; ok {
		return loc
	}
	loc := lookupZone(tzid)
	if loc == nil {
		r.out.warn("unknown time zone %q: read in the region's zone %s", shorten(tzid), r.cfg.Zone)
		loc = r.cfg.Zone
	}
	r.zones[tzid] = loc
	return loc
}

// lookupZone returns the IANA zone named by tzid, or nil.
func lookupZone(tzid string) *time.Location {
	if len(tzid) > 100 || tzid == "Local" || strings.Contains(tzid, "..") || strings.ContainsAny(tzid, "\\\x00") {
		return nil
	}
	if name, ok := windowsZones[tzid]; ok {
		tzid = name
	}
	for cand := strings.TrimPrefix(tzid, "/"); cand != ""; {
		if loc, err := time.LoadLocation(cand); err == nil && cand != "Local" {
			return loc
		}
		i := strings.IndexByte(cand, '/')
		if i < 0 {
			break
		}
		cand = cand[i+1:]
	}
	return nil
}

// windowsZones maps the Windows zone names Outlook and Exchange write as
// TZIDs to IANA names (CLDR windowsZones.xml, territory 001), for the
// zones of the alliance's regions and their neighbours.
var windowsZones = map[string]string{
	"UTC": "Etc/UTC", "GMT Standard Time": "Europe/London", "Greenwich Standard Time": "Atlantic/Reykjavik",
	"W. Europe Standard Time": "Europe/Berlin", "Central Europe Standard Time": "Europe/Budapest",
	"Romance Standard Time": "Europe/Paris", "Central European Standard Time": "Europe/Warsaw",
	"E. Europe Standard Time": "Europe/Chisinau", "FLE Standard Time": "Europe/Kiev", "GTB Standard Time": "Europe/Bucharest",
	"Russian Standard Time": "Europe/Moscow", "Turkey Standard Time": "Europe/Istanbul",
	"W. Central Africa Standard Time": "Africa/Lagos", "South Africa Standard Time": "Africa/Johannesburg",
	"E. Africa Standard Time": "Africa/Nairobi", "Egypt Standard Time": "Africa/Cairo", "Morocco Standard Time": "Africa/Casablanca",
	"Arab Standard Time": "Asia/Riyadh", "Arabian Standard Time": "Asia/Dubai", "Jordan Standard Time": "Asia/Amman",
	"Pakistan Standard Time": "Asia/Karachi", "India Standard Time": "Asia/Calcutta", "Bangladesh Standard Time": "Asia/Dhaka",
	"SE Asia Standard Time": "Asia/Bangkok", "China Standard Time": "Asia/Shanghai", "Singapore Standard Time": "Asia/Singapore",
	"Tokyo Standard Time": "Asia/Tokyo", "Korea Standard Time": "Asia/Seoul", "AUS Eastern Standard Time": "Australia/Sydney",
	"E. Australia Standard Time": "Australia/Brisbane", "W. Australia Standard Time": "Australia/Perth",
	"New Zealand Standard Time": "Pacific/Auckland", "Eastern Standard Time": "America/New_York",
	"Central Standard Time": "America/Chicago", "Mountain Standard Time": "America/Denver",
	"Pacific Standard Time": "America/Los_Angeles", "Central Standard Time (Mexico)": "America/Mexico_City",
	"SA Pacific Standard Time": "America/Bogota", "SA Western Standard Time": "America/La_Paz",
	"Argentina Standard Time": "America/Buenos_Aires", "E. South America Standard Time": "America/Sao_Paulo",
	"Pacific SA Standard Time": "America/Santiago", "Venezuela Standard Time": "America/Caracas",
}

// build makes the agenda event of one instance of c. rid is the
// instance's recurrence ID (zero for a single event).
func (r *reader) build(uid string, c *ical.Component, inst instance, rid time.Time) agenda.Event {
	e := agenda.Event{
		Start: inst.start.UTC(), End: inst.end.UTC(), TimeZone: zoneName(inst.zone, r.cfg.Zone),
		AllDay: inst.allDay, Status: agenda.StatusPublished, Visibility: agenda.VisibilityPublic,
		Title: agenda.Text{}, Description: agenda.Text{}, Languages: []string{},
		Origin: &agenda.Origin{UID: uid},
	}
	if !rid.IsZero() {
		e.Origin.RecurrenceID = rid.UTC().Format(time.RFC3339)
	}
	if p := c.Props.Get(ical.PropSummary); p != nil {
		if s, err := p.Text(); err == nil {
			e.Title[r.lang(p)] = usertext.Truncate(usertext.Clean(s, usertext.Line), agenda.MaxTitleRunes)
		}
	}
	if p := c.Props.Get(ical.PropDescription); p != nil {
		if s, err := p.Text(); err == nil && strings.TrimSpace(s) != "" {
			e.Description[r.lang(p)] = usertext.Truncate(usertext.Clean(s, usertext.Block), agenda.MaxDescriptionRunes)
		}
	}
	if p := c.Props.Get(ical.PropLocation); p != nil {
		if s, err := p.Text(); err == nil {
			e.Location = agenda.Text{r.lang(p): usertext.Truncate(usertext.Clean(s, usertext.Line), agenda.MaxLocationRunes)}
		}
	}
	if strings.EqualFold(propValue(c, ical.PropStatus), "CANCELLED") {
		e.Status = agenda.StatusCancelled
	}
	if class(c) == "PRIVATE" {
		e.Visibility = agenda.VisibilityMembers
	}
	return e
}

// lang is the language of a TEXT property: its LANGUAGE parameter when
// accepted (RFC 5646 primary subtag), else cfg.Lang.
func (r *reader) lang(p *ical.Prop) string {
	l := strings.ToLower(p.Params.Get(ical.ParamLanguage))
	if i := strings.IndexByte(l, '-'); i >= 0 {
		l = l[:i]
	}
	if slices.Contains(r.cfg.Languages, l) {
		return l
	}
	return r.cfg.Lang
}

// zoneName is the IANA name of loc for Event.TimeZone.
func zoneName(loc, fallback *time.Location) string {
	if loc == nil || loc.String() == "Local" {
		loc = fallback
	}
	if loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

func propValue(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return strings.TrimSpace(p.Value)
	}
	return ""
}

// class is a VEVENT's CLASS (§3.8.1.3), upper case; PUBLIC by default.
// An unknown class counts as CONFIDENTIAL ("SHOULD treat as PRIVATE";
// majlis is stricter: it cannot know who may see it).
func class(c *ical.Component) string {
	switch v := strings.ToUpper(propValue(c, ical.PropClass)); v {
	case "", "PUBLIC":
		return "PUBLIC"
	case "PRIVATE":
		return "PRIVATE"
	default:
		return "CONFIDENTIAL"
	}
}

// hasCtl reports a C0 control character or DEL in a protocol value (a
// UID, a credential): such values are not text people read, so they are
// checked byte for byte and never normalised (user text follows
// internal/usertext).
func hasCtl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func shorten(s string) string {
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s + "…"
	}
	return s
}
