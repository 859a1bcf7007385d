package calendar

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/agenda"
)

// ProdID is the feeds' PRODID (RFC 5545 §3.7.3).
const ProdID = "-//majlis//majlis calendar feed//EN"

// DefaultRefreshInterval is the refresh interval of a Feed that sets none.
const DefaultRefreshInterval = time.Hour

// Feed is one iCalendar feed: a selection of events written in one language.
// The zero value of each field is usable and its default is stated.
type Feed struct {
	// Name is the calendar's name per language (NAME, X-WR-CALNAME).
	// Default: no name.
	Name agenda.Text
	// Lang is the feed's language, an ISO 639-1 code ("ar", "en", "fr",
	// "es"); every text is chosen with agenda.Text.In, so it falls back to
	// another language when missing. Default "en".
	Lang string
	// BaseURL is majlis's public origin, e.g. "https://majlis.example.org".
	// It gives each event's URL (<BaseURL>/events/<id>); it is not part of
	// the UIDs, so that moving the service changes no UID. Default: no URL.
	BaseURL string
	// UIDDomain is the right-hand side of every UID ("<id>@<UIDDomain>").
	// Default DefaultUIDDomain.
	UIDDomain string
	// Events are the candidate events, in any order. Drafts, events more
	// restricted than Audience, and events whose times calendar apps
	// cannot read (a year outside MinYear–MaxYear in UTC or in the
	// event's zone) are left out: one such event must not make the whole
	// feed unreadable.
	Events []agenda.Event
	// Parents are more events an event of the feed may name as its parent
	// (RELATED-TO) without being in the feed itself, e.g. a global annual
	// meeting in a region's feed. A parent is named only when the feed
	// could carry it (it is in Events or Parents, not a draft, not more
	// restricted than Audience): a public side event of a hidden meeting
	// must not give the meeting's ID away. The caller leaves out the events
	// its reader may not see. Default: none.
	Parents []agenda.Event
	// Agendas holds agendas by event ID; an event without one has no
	// agenda in its description. Default: none.
	Agendas map[string]agenda.Agenda
	// Items adds every agenda item as its own VEVENT, RELATED-TO its
	// event. Default false.
	Items bool
	// Audience is the most restricted visibility the feed may carry:
	// public < members < confidential. Default public, so that a feed
	// built without thinking never shows a members-only or confidential
	// event.
	Audience agenda.Visibility
	// RefreshInterval is how often clients should poll
	// (REFRESH-INTERVAL, X-PUBLISHED-TTL). Default one hour; it is
	// rounded to whole seconds, and at least a minute.
	RefreshInterval time.Duration
}

// Encode returns the feed as an iCalendar object (RFC 5545, RFC 7986),
// ready to serve as text/calendar. Equal feeds give equal bytes.
func (f Feed) Encode() ([]byte, error) {
	cal, err := f.Calendar()
	if err != nil {
		return nil, err
	}
	return Marshal(cal)
}

// DefaultUIDDomain is the domain of the UIDs of a Feed that sets none.
const DefaultUIDDomain = "majlis"

// UID returns the UID (RFC 5545 §3.8.4.7) of the event with ID id:
// "<id>@<UIDDomain>", "<id>@majlis" by default. UIDs never change, not
// even when the service moves to another base URL, so clients update
// events in place instead of duplicating them.
func (f Feed) UID(id string) string { return id + "@" + f.uidDomain() }

func (f Feed) uidDomain() string {
	if d := cleanText(f.UIDDomain); d != "" {
		return d
	}
	return DefaultUIDDomain
}

func (f Feed) lang() string {
	if f.Lang == "" {
		return "en"
	}
	return f.Lang
}

var visibilityRank = map[agenda.Visibility]int{
	agenda.VisibilityPublic: 0, agenda.VisibilityMembers: 1, agenda.VisibilityConfidential: 2,
}

// included reports whether e belongs in the feed.
func (f Feed) included(e agenda.Event) bool {
	if e.Status != agenda.StatusPublished && e.Status != agenda.StatusCancelled {
		return false // drafts and unknown states never leave majlis
	}
	audience, ok := visibilityRank[f.Audience]
	if !ok {
		audience = 0
	}
	rank, ok := visibilityRank[e.Visibility]
	if !ok {
		rank = 2 // unknown visibility: treat as the most restricted
	}
	return rank <= audience
}

// Calendar returns the feed as a go-ical calendar, its components in
// output order: the VTIMEZONEs sorted by TZID, then the events by start
// and ID, each followed by its items when Feed.Items is set. The error
// wraps ErrInvalid when an event has no ID, ends before it starts, or has
// an unreadable time.
func (f Feed) Calendar() (*ical.Calendar, error) {
	lang := f.lang()
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, ProdID)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	if name, nameLang := f.Name.In(lang); name != "" {
		p := ical.NewProp(ical.PropName)
		p.SetText(cleanText(name))
		p.Params.Set(ical.ParamLanguage, nameLang) // RFC 7986 §5.1
		cal.Props.Set(p)
		setText(cal.Props, "X-WR-CALNAME", name)
	}
	refresh := formatDuration(f.RefreshInterval)
	cal.Props.Set(&ical.Prop{Name: ical.PropRefreshInterval, Params: ical.Params{ical.ParamValue: {"DURATION"}}, Value: refresh})
	cal.Props.Set(&ical.Prop{Name: "X-PUBLISHED-TTL", Params: ical.Params{}, Value: refresh})

	zones := newZoneSet()
	events := make([]agenda.Event, 0, len(f.Events))
	for _, e := range f.Events {
		if !f.included(e) || !writable(e.Start, zones.use(e.TimeZone)) || !writable(e.End, zones.use(e.TimeZone)) {
			continue
		}
		if e.ID == "" {
			return nil, fmt.Errorf("calendar: event without ID: %w", ErrInvalid)
		}
		if e.End.Before(e.Start) {
			return nil, fmt.Errorf("calendar: event %q ends before it starts: %w", e.ID, ErrInvalid)
		}
		events = append(events, e)
	}
	slices.SortFunc(events, func(a, b agenda.Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})

	shown := make(map[string]bool, len(events)+len(f.Parents))
	for _, e := range events {
		shown[e.ID] = true
	}
	for _, e := range f.Parents {
		if f.included(e) {
			shown[e.ID] = true
		}
	}

	var vevents []*ical.Component
	for _, e := range events {
		loc := zones.use(e.TimeZone)
		var items []agenda.Item
		if ag, ok := f.Agendas[e.ID]; ok {
			items = slices.Clone(ag.Items)
			slices.SortStableFunc(items, func(a, b agenda.Item) int { return a.Start.Compare(b.Start) })
		}
		zones.span(e.TimeZone, e.Start, e.End)
		vevents = append(vevents, f.event(e, loc, items, lang, shown[e.Parent]))
		if f.Items {
			for i, it := range items {
				if !writable(it.Start, loc) || !writable(it.End(), loc) {
					continue
				}
				zones.span(e.TimeZone, it.Start, it.End())
				vevents = append(vevents, f.item(e, loc, it, i, lang))
			}
		}
	}
	cal.Children = append(zones.components(), vevents...)
	return cal, nil
}

// event builds the VEVENT of e (RFC 5545 §3.6.1); withParent says whether
// its parent may be named.
func (f Feed) event(e agenda.Event, loc *time.Location, items []agenda.Item, lang string, withParent bool) *ical.Component {
	l := labelsFor(lang)
	v := ical.NewComponent(ical.CompEvent)
	f.common(v, e, loc, e.Start, e.End)
	v.Props.SetText(ical.PropUID, f.UID(e.ID))
	title, titleLang := e.Title.In(lang)
	if e.Status == agenda.StatusCancelled {
		title = l.cancelled + title // for clients that ignore STATUS
	}
	setLangText(v.Props, ical.PropSummary, title, titleLang)
	setLangText(v.Props, ical.PropDescription, f.description(e, loc, items, l), lang)
	cats := ical.NewProp(ical.PropCategories)
	cats.SetTextList([]string{cleanText(string(e.Kind)), cleanText(string(e.Region))})
	v.Props.Set(cats)
	if e.Parent != "" && withParent {
		rel := ical.NewProp(ical.PropRelatedTo)
		rel.SetText(cleanText(f.UID(e.Parent)))
		rel.Params.Set(ical.ParamRelationshipType, "PARENT") // RFC 5545 §3.2.15
		v.Props.Set(rel)
	}
	if !e.Created.IsZero() {
		setUTC(v.Props, ical.PropCreated, e.Created)
	}
	if e.Conference != "" {
		// RFC 7986 §5.11: how to join the event's video meeting. Only
		// the audience of the feed the event is in sees it.
		v.Props.Set(&ical.Prop{Name: "CONFERENCE", Value: e.Conference,
			Params: ical.Params{ical.ParamValue: {"URI"}, "FEATURE": {"VIDEO"}}})
	}
	return v
}

// item builds the VEVENT of agenda item it of e: its own UID, the event's
// stamp, sequence, status and class, RELATED-TO the event.
func (f Feed) item(e agenda.Event, loc *time.Location, it agenda.Item, i int, lang string) *ical.Component {
	l := labelsFor(lang)
	v := ical.NewComponent(ical.CompEvent)
	f.common(v, e, loc, it.Start, it.End())
	id := it.ID
	if id == "" {
		id = "item-" + strconv.Itoa(i+1)
	}
	v.Props.SetText(ical.PropUID, cleanText(e.ID+"/"+id+"@"+f.uidDomain()))
	title, titleLang := it.Title.In(lang)
	eventTitle, _ := e.Title.In(lang)
	summary := title + " (" + eventTitle + ")"
	if e.Status == agenda.StatusCancelled {
		summary = l.cancelled + summary
	}
	setLangText(v.Props, ical.PropSummary, summary, titleLang)
	setLangText(v.Props, ical.PropDescription, eventTitle, lang)
	rel := ical.NewProp(ical.PropRelatedTo)
	rel.SetText(cleanText(f.UID(e.ID)))
	rel.Params.Set(ical.ParamRelationshipType, "PARENT")
	v.Props.Set(rel)
	return v
}

// common sets what an event and its items share.
func (f Feed) common(v *ical.Component, e agenda.Event, loc *time.Location, start, end time.Time) {
	stamp := e.Updated
	if stamp.IsZero() {
		stamp = e.Created
	}
	if stamp.IsZero() {
		stamp = e.Start // deterministic, never the clock
	}
	setUTC(v.Props, ical.PropDateTimeStamp, stamp)
	setUTC(v.Props, ical.PropLastModified, stamp)
	if e.AllDay && start.Equal(e.Start) && end.Equal(e.End) {
		// Whole days (RFC 5545 §3.3.4): dates in the event's zone, no TZID.
		setDate(v.Props, ical.PropDateTimeStart, start, loc)
		setDate(v.Props, ical.PropDateTimeEnd, end, loc)
	} else {
		if !exactLocal(start, loc) || !exactLocal(end, loc) {
			// A local time that names two instants (the hour repeated when
			// daylight saving time ends) or none would be read back as
			// another instant: such an event goes out in UTC, both ends.
			loc = time.UTC
		}
		setTime(v.Props, ical.PropDateTimeStart, start, loc)
		setTime(v.Props, ical.PropDateTimeEnd, end, loc)
	}
	v.Props.Set(&ical.Prop{Name: ical.PropSequence, Params: ical.Params{}, Value: strconv.Itoa(max(e.Sequence, 0))})
	status := "CONFIRMED"
	if e.Status == agenda.StatusCancelled {
		status = "CANCELLED"
	}
	v.Props.Set(&ical.Prop{Name: ical.PropStatus, Params: ical.Params{}, Value: status})
	class := "PUBLIC"
	switch e.Visibility {
	case agenda.VisibilityPublic:
	case agenda.VisibilityMembers:
		class = "PRIVATE"
	default:
		class = "CONFIDENTIAL"
	}
	v.Props.Set(&ical.Prop{Name: ical.PropClass, Params: ical.Params{}, Value: class})
	loc8n := e.Location.Get(f.lang())
	if strings.TrimSpace(loc8n) == "" {
		loc8n = labelsFor(f.lang()).online
	}
	setText(v.Props, ical.PropLocation, loc8n)
	if f.BaseURL != "" {
		v.Props.Set(&ical.Prop{Name: ical.PropURL, Params: ical.Params{}, Value: f.eventURL(e.ID)})
	}
}

func (f Feed) eventURL(id string) string {
	return strings.TrimRight(f.BaseURL, "/") + "/events/" + url.PathEscape(id)
}

// description is the event's description followed by its agenda, in the
// event's own zone, and the interpretation languages offered.
func (f Feed) description(e agenda.Event, loc *time.Location, items []agenda.Item, l labels) string {
	var parts []string
	if d, _ := e.Description.In(l.lang); strings.TrimSpace(d) != "" {
		parts = append(parts, d)
	}
	if len(items) > 0 {
		var b strings.Builder
		start := e.Start.In(loc)
		fmt.Fprintf(&b, "%s (%s, %s):", l.agenda, loc.String(), offsetLabel(start))
		day := start.Format(time.DateOnly)
		for _, it := range items {
			s, en := it.Start.In(loc), it.End().In(loc)
			title, _ := it.Title.In(l.lang)
			b.WriteByte('\n')
			if d := s.Format(time.DateOnly); d != day {
				b.WriteString(d + " ")
			}
			b.WriteString(s.Format("15:04") + "–" + en.Format("15:04") + " " + title)
		}
		parts = append(parts, b.String())
	}
	if len(e.Languages) > 0 {
		names := make([]string, len(e.Languages))
		for i, code := range e.Languages {
			names[i] = l.language(code)
		}
		parts = append(parts, l.interpretation+strings.Join(names, l.comma))
	}
	if e.Origin != nil {
		// Imported events keep majlis's UID (unique to majlis); their
		// source is named here, for people, not as a property.
		parts = append(parts, l.source+e.Origin.Name)
	}
	if f.BaseURL != "" {
		parts = append(parts, f.eventURL(e.ID))
	}
	return strings.Join(parts, "\n\n")
}

// offsetLabel is "UTC+02:00" (or "UTC") for t's offset.
func offsetLabel(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "UTC"
	}
	s := utcOffset(off)
	return "UTC" + s[:3] + ":" + s[3:5]
}

// setTime sets a DATE-TIME (RFC 5545 §3.3.5): local time with a TZID, or
// UTC ("Z") when loc is UTC.
func setTime(props ical.Props, name string, t time.Time, loc *time.Location) {
	if loc == time.UTC {
		setUTC(props, name, t)
		return
	}
	props.Set(&ical.Prop{Name: name, Params: ical.Params{ical.PropTimezoneID: {loc.String()}},
		Value: t.In(loc).Format(localFormat)})
}

// MinYear and MaxYear bound the years a feed writes, in UTC and in the
// event's zone alike. A DATE-TIME's year is four digits (RFC 5545 §3.3.4),
// and readers fail inside 0001–9999 (Python's icalendar refuses
// 9999-12-31 with a TZID). A year either side is left for the VTIMEZONE
// that covers the events. They are
// agenda's limits, so that an event majlis accepts is in its feeds; the
// feed checks again for what was stored before those limits existed.
const (
	MinYear = agenda.MinYear
	MaxYear = agenda.MaxYear
)

var (
	minWritable = time.Date(MinYear-1, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxWritable = time.Date(MaxYear+1, time.December, 31, 23, 59, 59, 0, time.UTC)
)

// writable reports whether t can be written as a DATE-TIME both in UTC and
// as local time in loc: its year is from MinYear to MaxYear either way
// (9999-12-31T12:00Z is already year 10000 in Pacific/Kiritimati).
func writable(t time.Time, loc *time.Location) bool {
	inRange := func(t time.Time) bool { y := t.Year(); return MinYear <= y && y <= MaxYear }
	return inRange(t.UTC()) && inRange(t.In(loc))
}

// exactLocal reports whether t's wall-clock time in loc names t and no
// other instant (RFC 5545 §3.3.5, FORM #3: a local time in the repeated
// hour at the end of daylight saving time is ambiguous, and readers pick
// one of its two instants, not necessarily t). Only the offsets in force
// around t's period can give a second reading.
func exactLocal(t time.Time, loc *time.Location) bool {
	if loc == time.UTC {
		return true
	}
	lt := t.In(loc)
	y, mo, d := lt.Date()
	h, mi, s := lt.Clock()
	wall := time.Date(y, mo, d, h, mi, s, lt.Nanosecond(), time.UTC)
	_, off := lt.Zone()
	offsets := []int{off}
	start, end := lt.ZoneBounds()
	if !start.IsZero() {
		_, o := start.Add(-time.Nanosecond).In(loc).Zone()
		offsets = append(offsets, o)
	}
	if !end.IsZero() {
		_, o := end.In(loc).Zone()
		offsets = append(offsets, o)
	}
	readings := 0
	for i, o := range offsets {
		if slices.Contains(offsets[:i], o) {
			continue
		}
		at := wall.Add(-time.Duration(o) * time.Second)
		if _, got := at.In(loc).Zone(); got != o {
			continue // not a reading of wall: o is not in force then
		}
		if !at.Equal(t) {
			return false // wall names another instant too
		}
		readings++
	}
	return readings == 1
}

// setDate sets a DATE value (RFC 5545 §3.3.4): t's day in loc.
func setDate(props ical.Props, name string, t time.Time, loc *time.Location) {
	props.Set(&ical.Prop{Name: name, Params: ical.Params{ical.ParamValue: {"DATE"}}, Value: t.In(loc).Format("20060102")})
}

// setUTC sets a DATE-TIME in UTC form, as DTSTAMP, CREATED and
// LAST-MODIFIED require (RFC 5545 §3.8.7).
func setUTC(props ical.Props, name string, t time.Time) {
	props.Set(&ical.Prop{Name: name, Params: ical.Params{}, Value: t.UTC().Format(localFormat + "Z")})
}

// setLangText sets a TEXT property with its LANGUAGE (RFC 5545 §3.2.10),
// which lets clients pick a font and a writing direction for Arabic.
func setLangText(props ical.Props, name, text, lang string) {
	p := ical.NewProp(name)
	p.SetText(cleanText(text))
	if lang != "" && validLangTag(lang) {
		p.Params.Set(ical.ParamLanguage, lang)
	}
	props.Set(p)
}

// validLangTag reports whether s looks like a language tag (RFC 5646):
// letters, digits and hyphens.
func validLangTag(s string) bool { return validName(s) }

// formatDuration writes d as an RFC 5545 §3.3.6 duration, e.g. PT1H.
func formatDuration(d time.Duration) string {
	if d <= 0 {
		d = DefaultRefreshInterval
	}
	d = max(d.Round(time.Second), time.Minute)
	if d%(24*time.Hour) == 0 {
		return "P" + strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "D"
	}
	s := "PT"
	if h := d / time.Hour; h > 0 {
		s += strconv.FormatInt(int64(h), 10) + "H"
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		s += strconv.FormatInt(int64(m), 10) + "M"
	}
	if sec := d % time.Minute / time.Second; sec > 0 {
		s += strconv.FormatInt(int64(sec), 10) + "S"
	}
	return s
}

// zoneSet tracks the zones a feed uses and the span each must cover.
type zoneSet struct {
	locs     map[string]*time.Location
	from, to map[string]time.Time
}

func newZoneSet() *zoneSet {
	return &zoneSet{locs: map[string]*time.Location{}, from: map[string]time.Time{}, to: map[string]time.Time{}}
}

// use returns the location for name, time.UTC for UTC, an empty or an
// unknown name (as agenda.Event.Zone does), loading each name once.
func (z *zoneSet) use(name string) *time.Location {
	if loc, ok := z.locs[name]; ok {
		return loc
	}
	loc := time.UTC
	if name != "" && name != "UTC" && name != "Etc/UTC" && validValue(name) && !strings.ContainsAny(name, `";:,`) {
		if l, err := time.LoadLocation(name); err == nil {
			loc = l
		}
	}
	z.locs[name] = loc
	return loc
}

func (z *zoneSet) span(name string, start, end time.Time) {
	if z.locs[name] == time.UTC {
		return
	}
	if f, ok := z.from[name]; !ok || start.Before(f) {
		z.from[name] = start
	}
	if t, ok := z.to[name]; !ok || end.After(t) {
		z.to[name] = end
	}
}

// components returns one VTIMEZONE per zone used, sorted by TZID, each
// covering a year either side of the zone's events.
func (z *zoneSet) components() []*ical.Component {
	names := make([]string, 0, len(z.from))
	for name := range z.from {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]*ical.Component, 0, len(names))
	for _, name := range names {
		// A year either side, but never past what a DATE-TIME can hold.
		from, to := z.from[name].AddDate(-1, 0, 0), z.to[name].AddDate(1, 0, 0)
		if from.Before(minWritable) {
			from = minWritable
		}
		if to.After(maxWritable) {
			to = maxWritable
		}
		out = append(out, vtimezone(name, z.locs[name], from, to))
	}
	return out
}
