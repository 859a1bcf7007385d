package calendar

import (
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
)

// localFormat is a DATE-TIME in local or floating form (RFC 5545 §3.3.5).
const localFormat = "20060102T150405"

// zoneState is what a zone observes between two transitions.
type zoneState struct {
	offset int // seconds east of UTC
	name   string
	dst    bool
}

func stateAt(t time.Time, loc *time.Location) zoneState {
	t = t.In(loc)
	name, off := t.Zone()
	return zoneState{offset: off, name: name, dst: t.IsDST()}
}

// transition is one change of a zone's offset, abbreviation or DST flag.
type transition struct {
	at       time.Time // the instant of the change
	from, to zoneState
}

// local is the wall-clock time of the onset as written in an observance's
// DTSTART: in the offset in force before it (RFC 5545 §3.8.2.4, §3.6.5).
func (tr transition) local() time.Time {
	return tr.at.UTC().Add(time.Duration(tr.from.offset) * time.Second)
}

// transitions returns the transitions of loc between from and to, preceded
// by the one that began the period in force at from (if the zone has one):
// together they determine the offset of every instant in [from, to].
// inSpan counts those strictly after from.
func transitions(loc *time.Location, from, to time.Time) (trs []transition, inSpan int) {
	t := from.In(loc)
	cur := stateAt(t, loc)
	// Walk back over boundaries that changed nothing to the real onset.
	for start, _ := t.ZoneBounds(); !start.IsZero(); {
		before := stateAt(start.Add(-time.Second), loc)
		if before != cur {
			trs = append(trs, transition{at: start, from: before, to: cur})
			break
		}
		start, _ = start.Add(-time.Second).ZoneBounds()
	}
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.After(to) {
			return trs, inSpan
		}
		t = end.In(loc)
		if st := stateAt(t, loc); st != cur {
			trs = append(trs, transition{at: end, from: cur, to: st})
			cur = st
			inSpan++
		}
	}
}

// vtimezone builds the VTIMEZONE (RFC 5545 §3.6.5) for loc, valid for
// every instant in [from, to]; see the package documentation for the shape
// and why.
func vtimezone(tzid string, loc *time.Location, from, to time.Time) *ical.Component {
	vtz := ical.NewComponent(ical.CompTimezone)
	vtz.Props.SetText(ical.PropTimezoneID, tzid)

	trs, inSpan := transitions(loc, from, to)
	if inSpan == 0 {
		// No change in the span: one fixed STANDARD, which is also what
		// Outlook expects of a zone without DST.
		st := stateAt(from, loc)
		vtz.Children = append(vtz.Children, observance(st.offset, st,
			time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "", false))
		return vtz
	}
	if trs[0].at.After(from) {
		// The zone has no recorded onset before from (it cannot happen
		// with real tzdata, whose zones start in local mean time): state
		// the offset in force at from explicitly.
		st := stateAt(from, loc)
		local := from.UTC().Add(time.Duration(st.offset) * time.Second).Truncate(24 * time.Hour)
		vtz.Children = append(vtz.Children, observance(st.offset, st, local, "", false))
	}
	k, rules := annualTail(trs, to)
	for _, tr := range trs[:k] {
		vtz.Children = append(vtz.Children, observance(tr.from.offset, tr.to, tr.local(), "", tr.to.dst))
	}
	if k < len(trs) {
		// First onset of each rule in the tail, in order.
		done := map[bool]bool{}
		for _, tr := range trs[k:] {
			if done[tr.to.dst] {
				continue
			}
			done[tr.to.dst] = true
			vtz.Children = append(vtz.Children, observance(tr.from.offset, tr.to, tr.local(), rules[tr.to.dst].rrule(), tr.to.dst))
		}
	}
	return vtz
}

// observance builds a STANDARD or DAYLIGHT sub-component (RFC 5545 §3.6.5).
func observance(fromOffset int, to zoneState, local time.Time, rrule string, dst bool) *ical.Component {
	name := ical.CompTimezoneStandard
	if dst {
		name = ical.CompTimezoneDaylight
	}
	c := ical.NewComponent(name)
	c.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: local.Format(localFormat)})
	if rrule != "" {
		c.Props.Set(&ical.Prop{Name: ical.PropRecurrenceRule, Params: ical.Params{}, Value: rrule})
	}
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: utcOffset(fromOffset)})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: utcOffset(to.offset)})
	if to.name != "" {
		setText(c.Props, ical.PropTimezoneName, to.name)
	}
	return c
}

// utcOffset formats seconds east of UTC as a UTC-OFFSET (RFC 5545 §3.3.14).
func utcOffset(sec int) string {
	sign := byte('+')
	if sec < 0 {
		sign, sec = '-', -sec
	}
	b := []byte{sign}
	b = append2(b, sec/3600)
	b = append2(b, sec/60%60)
	if s := sec % 60; s != 0 {
		b = append2(b, s)
	}
	return string(b)
}

func append2(b []byte, n int) []byte {
	if n < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// yearlyRule is a transition that recurs every year on the n-th (or last)
// weekday of a month at the same local time, between the same two states.
type yearlyRule struct {
	month    time.Month
	week     int // 1–4, or -1 for the last
	weekday  time.Weekday
	clock    time.Duration // local time of day, in the from offset
	from, to zoneState
}

// in returns the rule's onset in year.
func (r yearlyRule) in(year int) time.Time {
	var d time.Time
	if r.week > 0 {
		d = time.Date(year, r.month, 1, 0, 0, 0, 0, time.UTC)
		d = d.AddDate(0, 0, (int(r.weekday)-int(d.Weekday())+7)%7+7*(r.week-1))
	} else {
		d = time.Date(year, r.month+1, 0, 0, 0, 0, 0, time.UTC) // last day of month
		d = d.AddDate(0, 0, -((int(d.Weekday()) - int(r.weekday) + 7) % 7))
	}
	return d.Add(r.clock).Add(-time.Duration(r.from.offset) * time.Second)
}

var byday = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// rrule is the rule as an RRULE value (RFC 5545 §3.3.10) of the only form
// Outlook imports for a time zone: yearly, BYMONTH and one BYDAY.
func (r yearlyRule) rrule() string {
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(r.month), r.week, byday[r.weekday])
}

// rulesFor returns the yearly rules that tr could be an instance of.
func rulesFor(tr transition) []yearlyRule {
	l := tr.local()
	day := l.Day()
	base := yearlyRule{month: l.Month(), weekday: l.Weekday(),
		clock: l.Sub(l.Truncate(24 * time.Hour)), from: tr.from, to: tr.to}
	var out []yearlyRule
	if day <= 28 {
		r := base
		r.week = (day-1)/7 + 1
		out = append(out, r)
	}
	if day+7 > time.Date(l.Year(), l.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		r := base
		r.week = -1
		out = append(out, r)
	}
	return out
}

// annualTail finds the longest suffix trs[k:] that two yearly rules (one
// into DST, one out of it) describe exactly: every transition in it is an
// onset of its rule, every onset of either rule from trs[k] up to to is in
// it, and each rule recurs at least twice (one year fits too many rules
// by chance). It returns len(trs) when there is none.
func annualTail(trs []transition, to time.Time) (int, map[bool]yearlyRule) {
	lastDST, lastStd := -1, -1
	for i, tr := range trs {
		if tr.to.dst {
			lastDST = i
		} else {
			lastStd = i
		}
	}
	best, found := len(trs), map[bool]yearlyRule(nil)
	if lastDST < 0 || lastStd < 0 {
		return best, nil
	}
	for _, rd := range rulesFor(trs[lastDST]) {
		for _, rs := range rulesFor(trs[lastStd]) {
			rules := map[bool]yearlyRule{true: rd, false: rs}
			k := len(trs)
			for k > 0 {
				tr := trs[k-1]
				r := rules[tr.to.dst]
				if tr.from != r.from || tr.to != r.to || !r.in(tr.local().Year()).Equal(tr.at) {
					break
				}
				k--
			}
			if k >= best || !twice(trs[k:]) {
				continue
			}
			if predictsExactly(trs[k:], rules, to) {
				best, found = k, rules
			}
		}
	}
	return best, found
}

// predictsExactly reports whether the onsets of rules between tail[0] and
// to are exactly the instants of tail.
func predictsExactly(tail []transition, rules map[bool]yearlyRule, to time.Time) bool {
	want := make(map[int64]bool, len(tail))
	for _, tr := range tail {
		want[tr.at.Unix()] = true
	}
	n := 0
	for y := tail[0].local().Year(); y <= to.Year()+1; y++ {
		for _, r := range rules {
			at := r.in(y)
			if at.Before(tail[0].at) || at.After(to) {
				continue
			}
			if !want[at.Unix()] {
				return false
			}
			n++
		}
	}
	return n == len(tail)
}

// twice reports whether tail holds at least two transitions into DST and
// two out of it.
func twice(tail []transition) bool {
	n := map[bool]int{}
	for _, tr := range tail {
		n[tr.to.dst]++
	}
	return n[true] >= 2 && n[false] >= 2
}
