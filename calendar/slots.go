package calendar

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
)

// ErrBadQuery is wrapped by the errors of a SlotQuery that cannot be
// answered and of broken WorkingHours.
var ErrBadQuery = errors.New("calendar: bad slot query")

// Limits of a SlotQuery.
const (
	// MinSlot and MaxSlot bound SlotQuery.Duration.
	MinSlot = 15 * time.Minute
	MaxSlot = 12 * time.Hour
	// MaxCandidates bounds the number of starts one query may score.
	MaxCandidates = 200
)

// WorkingHours are when a region works, in its reference zone.
type WorkingHours struct {
	// Start and End are times of day, as durations since local midnight
	// (End may be 24h). Default: 08:00 and 20:00 — a generous day, so that
	// regions many hours apart still share some of it.
	Start, End time.Duration
	// Days are the working days. Default: Monday to Friday. A network whose
	// weekend is Friday and Saturday lists Sunday to Thursday.
	Days []time.Weekday
	// NightStart and NightEnd bound the night, the worst time to ask anyone
	// to attend (from NightStart to NightEnd the next morning). Default:
	// 22:00 and 07:00.
	NightStart, NightEnd time.Duration
}

// DefaultWorkingHours are every region's working hours unless configured.
var DefaultWorkingHours = WorkingHours{
	Start: 8 * time.Hour, End: 20 * time.Hour,
	Days:       []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
	NightStart: 22 * time.Hour, NightEnd: 7 * time.Hour,
}

func (h WorkingHours) withDefaults() (WorkingHours, error) {
	d := DefaultWorkingHours
	if h.Start == 0 && h.End == 0 {
		h.Start, h.End = d.Start, d.End
	}
	if len(h.Days) == 0 {
		h.Days = d.Days
	}
	if h.NightStart == 0 && h.NightEnd == 0 {
		h.NightStart, h.NightEnd = d.NightStart, d.NightEnd
	}
	day := 24 * time.Hour
	if h.Start < 0 || h.End > day || h.Start >= h.End {
		return h, fmt.Errorf("%w: working hours %v–%v: need 0 ≤ start < end ≤ 24h", ErrBadQuery, h.Start, h.End)
	}
	if h.NightStart < h.End || h.NightStart > day || h.NightEnd < 0 || h.NightEnd > h.Start {
		return h, fmt.Errorf("%w: night %v–%v must lie outside working hours %v–%v", ErrBadQuery, h.NightStart, h.NightEnd, h.Start, h.End)
	}
	return h, nil
}

// PlannerConfig tunes a Planner.
type PlannerConfig struct {
	// Zone returns a region's reference time zone; pass
	// (*agenda.Service).Zone. Default: agenda.ReferenceZones.
	Zone func(agenda.Region) *time.Location
	// Hours are regions' working hours; a region not listed, and zero
	// fields, get DefaultWorkingHours'.
	Hours map[agenda.Region]WorkingHours
}

// Planner finds the start times that suit several regions best. It is
// immutable after NewPlanner and safe for concurrent use.
type Planner struct {
	zone  func(agenda.Region) *time.Location
	hours map[agenda.Region]WorkingHours
}

// NewPlanner returns a Planner; it panics on broken configuration (working
// hours out of order, an unknown region or zone), which is static.
func NewPlanner(cfg PlannerConfig) *Planner {
	p := &Planner{zone: cfg.Zone, hours: map[agenda.Region]WorkingHours{}}
	if p.zone == nil {
		locs := map[agenda.Region]*time.Location{}
		for r, name := range agenda.ReferenceZones {
			loc, err := time.LoadLocation(name)
			if err != nil {
				panic(fmt.Sprintf("calendar: reference zone of %s: %v", r, err))
			}
			locs[r] = loc
		}
		p.zone = func(r agenda.Region) *time.Location {
			if loc, ok := locs[r]; ok {
				return loc
			}
			return time.UTC
		}
	}
	for _, r := range agenda.Regions {
		h, err := cfg.Hours[r].withDefaults()
		if err != nil {
			panic(fmt.Sprintf("calendar: region %s: %v", r, err))
		}
		p.hours[r] = h
	}
	for r := range cfg.Hours {
		if !r.Valid() {
			panic(fmt.Sprintf("calendar: working hours for unknown region %q", r))
		}
	}
	return p
}

// Zone returns region r's reference zone.
func (p *Planner) Zone(r agenda.Region) *time.Location { return p.zone(r) }

// Hours returns region r's working hours.
func (p *Planner) Hours(r agenda.Region) WorkingHours { return p.hours[r] }

// Day returns the 24 hours (23 or 25 on a day that changes offset) of
// date's calendar day in loc: from its local midnight to the next.
func Day(year int, month time.Month, day int, loc *time.Location) (start, end time.Time) {
	return time.Date(year, month, day, 0, 0, 0, 0, loc), time.Date(year, month, day+1, 0, 0, 0, 0, loc)
}

// SlotQuery asks for start times.
type SlotQuery struct {
	// From and To bound the candidate starts: From, From+Step, … before To
	// (see Day).
	From, To time.Time
	// Duration is the meeting's length, MinSlot to MaxSlot.
	Duration time.Duration
	// Step separates candidate starts. Default: 30 minutes.
	Step time.Duration
	// Regions are the audiences to fit, at least one, each once.
	Regions []agenda.Region
}

// HourKind says how a moment falls for a region.
type HourKind string

// HourKinds, from best to worst.
const (
	HourWorking HourKind = "working" // inside working hours on a working day
	HourOff     HourKind = "off"     // outside them (evening, early morning, weekend day)
	HourNight   HourKind = "night"   // at night, working day or not
)

// Fit is how one slot falls for one region.
type Fit struct {
	Region agenda.Region
	// Start and End are the slot in the region's reference zone.
	Start, End time.Time
	// Outside counts the slot's minutes outside working hours; Night those
	// of them at night.
	Outside, Night int
	// Stretch is how far, in minutes, the slot reaches beyond the region's
	// working hours at its worst moment: 0 inside them, 30 for a slot that
	// ends at 20:30 when work ends at 20:00, 360 for one that includes
	// 02:00. A moment on a non-working day is as far as the nearest working
	// day's hours.
	Stretch int
}

// Inside reports whether the whole slot lies in working hours.
func (f Fit) Inside() bool { return f.Outside == 0 }

// Slot is one candidate start, scored.
type Slot struct {
	// Start and End are in UTC.
	Start, End time.Time
	// Fits follow SlotQuery.Regions' order.
	Fits []Fit
	// Worst is the largest Stretch among Fits: how far the worst-off
	// region is asked to reach beyond its working hours. Total sums the
	// regions' minutes Outside.
	Worst, Total int
	// Clashes counts the events given to Slots that overlap the slot and
	// share an audience with one of the regions (SharesAudience).
	Clashes int
}

// Slots scores every candidate start of q and returns them best first.
//
// Fairness is max-min: a slot is better when its worst-off region has to
// reach less far beyond its working hours (Worst: 21:00 is a stretch,
// 00:30 is worse, 02:00 is the worst); then when all regions together
// spend fewer minutes outside working hours (Total); then when it clashes
// with fewer events; then when it is earlier.
// Each region is judged in its reference zone on the local date(s) the
// slot falls on, so a slot is scored by the offsets in force that day, and
// non-working days count as outside working hours throughout.
//
// events are the candidates for clashes; pass only those the caller may
// see (Clashes explains why). Cancelled events are ignored.
func (p *Planner) Slots(q SlotQuery, events []agenda.Event) ([]Slot, error) {
	if q.Step == 0 {
		q.Step = 30 * time.Minute
	}
	switch {
	case q.Duration < MinSlot || q.Duration > MaxSlot:
		return nil, fmt.Errorf("%w: duration %v is not between %v and %v", ErrBadQuery, q.Duration, MinSlot, MaxSlot)
	case q.Step < 5*time.Minute:
		return nil, fmt.Errorf("%w: step %v is shorter than 5 minutes", ErrBadQuery, q.Step)
	case !q.To.After(q.From):
		return nil, fmt.Errorf("%w: empty range %v–%v", ErrBadQuery, q.From, q.To)
	case q.To.Sub(q.From)/q.Step >= MaxCandidates:
		return nil, fmt.Errorf("%w: more than %d candidate starts", ErrBadQuery, MaxCandidates)
	case len(q.Regions) == 0:
		return nil, fmt.Errorf("%w: no regions", ErrBadQuery)
	}
	for i, r := range q.Regions {
		if !r.Valid() || slices.Contains(q.Regions[:i], r) {
			return nil, fmt.Errorf("%w: region %q unknown or repeated", ErrBadQuery, r)
		}
	}
	var out []Slot
	for start := q.From; start.Before(q.To); start = start.Add(q.Step) {
		s := Slot{Start: start.UTC(), End: start.Add(q.Duration).UTC()}
		for _, r := range q.Regions {
			f := p.fit(r, s.Start, s.End)
			s.Fits = append(s.Fits, f)
			s.Worst, s.Total = max(s.Worst, f.Stretch), s.Total+f.Outside
		}
		for _, e := range events {
			if e.Status != agenda.StatusCancelled && e.Start.Before(s.End) && e.End.After(s.Start) &&
				slices.ContainsFunc(q.Regions, func(r agenda.Region) bool { return SharesAudience(r, e.Region) }) {
				s.Clashes++
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Slot) int {
		return cmp.Or(cmp.Compare(a.Worst, b.Worst), cmp.Compare(a.Total, b.Total), cmp.Compare(a.Clashes, b.Clashes), a.Start.Compare(b.Start))
	})
	return out, nil
}

// fit scores [start, end) for region r.
func (p *Planner) fit(r agenda.Region, start, end time.Time) Fit {
	loc, h := p.zone(r), p.hours[r]
	f := Fit{Region: r, Start: start.In(loc), End: end.In(loc)}
	// The working windows of the local dates from a week before the slot
	// to a week after (a slot is at most 12 h long, and the nearest working
	// day is at most a few days away), in order.
	var buf [16][2]time.Time // on the stack: fit runs for every start and region
	windows := buf[:0]
	var inside, night time.Duration
	y, m, d := f.Start.Date()
	for dd := d - 7; dd <= d+8; dd++ {
		if h.working(time.Date(y, m, dd, 12, 0, 0, 0, loc).Weekday()) {
			w := [2]time.Time{localAt(y, m, dd, h.Start, loc), localAt(y, m, dd, h.End, loc)}
			windows = append(windows, w)
			inside += overlap(start, end, w[0], w[1])
		}
		night += overlap(start, end, localAt(y, m, dd, h.NightStart, loc), localAt(y, m, dd+1, h.NightEnd, loc))
	}
	f.Outside = int((end.Sub(start) - inside) / time.Minute)
	f.Night = int(night / time.Minute)
	if f.Outside == 0 {
		return f
	}
	// The distance to working hours grows linearly away from a window and
	// peaks halfway between two: its maximum over the slot is at one of the
	// slot's ends or at such a midpoint inside it.
	var pbuf [4]time.Time
	points := append(pbuf[:0], start, end)
	for i := 1; i < len(windows); i++ {
		mid := windows[i-1][1].Add(windows[i][0].Sub(windows[i-1][1]) / 2)
		if mid.After(start) && mid.Before(end) {
			points = append(points, mid)
		}
	}
	var worst time.Duration
	for _, t := range points {
		dist := time.Duration(1<<63 - 1)
		for _, w := range windows {
			switch {
			case t.Before(w[0]):
				dist = min(dist, w[0].Sub(t))
			case t.After(w[1]):
				dist = min(dist, t.Sub(w[1]))
			default:
				dist = 0
			}
		}
		worst = max(worst, dist)
	}
	f.Stretch = int(worst / time.Minute)
	return f
}

// Kind classifies the moment t for region r.
func (p *Planner) Kind(r agenda.Region, t time.Time) HourKind {
	loc, h := p.zone(r), p.hours[r]
	l := t.In(loc)
	y, m, d := l.Date()
	switch {
	case !l.Before(localAt(y, m, d, h.NightStart, loc)) || l.Before(localAt(y, m, d, h.NightEnd, loc)):
		return HourNight
	case h.working(l.Weekday()) && !l.Before(localAt(y, m, d, h.Start, loc)) && l.Before(localAt(y, m, d, h.End, loc)):
		return HourWorking
	default:
		return HourOff
	}
}

func (h WorkingHours) working(d time.Weekday) bool { return slices.Contains(h.Days, d) }

// localAt is the local time of day tod on the given date in loc; a time that
// does not exist that day (skipped by a DST change) moves forward.
func localAt(y int, m time.Month, d int, tod time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, int(tod/time.Minute), 0, 0, loc)
}

func overlap(s1, e1, s2, e2 time.Time) time.Duration {
	s, e := maxTime(s1, s2), minTime(e1, e2)
	if e.After(s) {
		return e.Sub(s)
	}
	return 0
}
