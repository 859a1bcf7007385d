package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// pageSlots is how many ranked start times the planning page lists.
const pageSlots = 8

// pageDurations are the meeting lengths the planning page offers, in
// minutes; ?duration= also takes any other valid length.
var pageDurations = []int{30, 45, 60, 90, 120, 180}

// slotPageErrors are the planning page's answers to a bad parameter.
var slotPageErrors = map[string]*pageError{
	"date":     {Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_date"},
	"duration": {Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_duration"},
	"regions":  {Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_regions"},
}

// planView is the planning page: a chart of the regions' hours across the
// viewer's day, and the best start times.
type planView struct {
	Date      string // YYYY-MM-DD, for the date input
	DateLabel string
	Zone      string // the viewer's zone, isolated for the intro sentence
	Durations []option
	Regions   []regionCheck
	Hours     []string // the viewer's hour labels, one per chart column
	Rows      []chartRow
	Slots     []slotView
}

type regionCheck struct {
	Value, Label string
	Checked      bool
}

type chartRow struct {
	Label, Zone string
	Hours       string // working hours, "08:00–20:00"
	Cells       []chartCell
}

type chartCell struct {
	Label string // the region's local time at the start of the hour
	Kind  string // working, off, night (a CSS class)
	Title string // the kind, in the page language
}

type slotView struct {
	StartISO string
	Time     string // in the viewer's zone
	Fits     []fitView
	Clashes  string
}

type fitView struct {
	Region, Time, Zone, Status string
	Kind                       string // CSS class: working, off, night
}

// slotsPage shows GET /slots: anyone may plan (pages are anonymous, so
// clash counts come from published public events only). The day is the
// date in the viewer's zone; without ?date= it is today there.
func (s *Server) slotsPage(c echo.Context) error {
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	p.Title = p.T("slots.title")
	q := url.Values{}
	for k, v := range c.QueryParams() {
		if k == "date" || k == "duration" || k == "regions" {
			q[k] = v
		}
	}
	if q.Get("date") == "" {
		q.Set("date", s.cfg.Now().In(p.loc).Format("2006-01-02"))
	}
	if q.Get("duration") == "" {
		q.Set("duration", "90m")
	}
	sp, field, _ := parseSlotParams(q, p.loc)
	if field != "" {
		pe := pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.not_found.body"}
		if known, ok := slotPageErrors[field]; ok {
			pe = *known
		}
		pe.Value = clip(strings.Join(q[field], ","))
		return &pe
	}
	// The viewer's offset on the day asked for, not today's.
	p.TZLabel = zoneLabel(p.loc, sp.query.From)
	all, err := s.slots(c.Request().Context(), sp, pagePrincipal)
	if err != nil {
		return err
	}
	v := &planView{Date: sp.date.Format("2006-01-02"), DateLabel: p.date(sp.query.From), Zone: p.ltr(p.TZLabel)}
	minutes := int(sp.query.Duration / time.Minute)
	durs := slices.Clone(pageDurations)
	if !slices.Contains(durs, minutes) {
		durs = append(durs, minutes)
		slices.Sort(durs)
	}
	for _, d := range durs {
		v.Durations = append(v.Durations, option{Value: strconv.Itoa(d) + "m", Label: p.Nf("agenda.minutes", d), Selected: d == minutes})
	}
	for _, r := range agenda.Regions {
		v.Regions = append(v.Regions, regionCheck{Value: string(r), Label: p.T("region." + string(r)), Checked: slices.Contains(sp.query.Regions, r)})
	}
	// The chart: one column per hour of the viewer's day (23 or 25 on a
	// day their clock changes), one row per region.
	kinds := map[calendar.HourKind]string{calendar.HourWorking: p.T("slots.working"), calendar.HourOff: p.T("slots.off"), calendar.HourNight: p.T("slots.night")}
	var hours []time.Time
	for t := sp.query.From; t.Before(sp.query.To); t = t.Add(time.Hour) {
		hours = append(hours, t)
		v.Hours = append(v.Hours, hourLabel(t.In(p.loc)))
	}
	for _, r := range sp.query.Regions {
		loc := s.planner.Zone(r)
		h := s.planner.Hours(r)
		row := chartRow{Label: p.T("region." + string(r)), Zone: zoneLabel(loc, sp.query.From), Hours: p.ltr(clockOf(h.Start) + "–" + clockOf(h.End))}
		for _, t := range hours {
			k := s.planner.Kind(r, t.Add(30*time.Minute))
			row.Cells = append(row.Cells, chartCell{Label: hourLabel(t.In(loc)), Kind: string(k), Title: kinds[k]})
		}
		v.Rows = append(v.Rows, row)
	}
	for _, sl := range all[:min(pageSlots, len(all))] {
		y, m, d := sp.date.Date()
		sv := slotView{StartISO: sl.Start.Format(time.RFC3339), Time: p.slotClock(sl.Start, sl.End, p.loc, y, m, d)}
		for _, f := range sl.Fits {
			loc := s.planner.Zone(f.Region)
			fv := fitView{Region: p.T("region." + string(f.Region)), Zone: zoneLabel(loc, sl.Start),
				Time: p.slotClock(sl.Start, sl.End, loc, y, m, d)}
			switch {
			case f.Inside():
				fv.Status, fv.Kind = p.T("slots.inside"), string(calendar.HourWorking)
			case f.Night > 0:
				fv.Status, fv.Kind = p.Tf("slots.at_night", "duration", p.Nf("agenda.minutes", f.Night)), string(calendar.HourNight)
			default:
				fv.Status, fv.Kind = p.Tf("slots.outside", "duration", p.Nf("agenda.minutes", f.Outside)), string(calendar.HourOff)
			}
			sv.Fits = append(sv.Fits, fv)
		}
		if sl.Clashes > 0 {
			sv.Clashes = p.Nf("slots.clashes", sl.Clashes)
		}
		v.Slots = append(v.Slots, sv)
	}
	p.Plan = v
	p.Zones = zoneOptions(p.TZ, sp.query.From) // offsets on the day planned
	return s.render(c, http.StatusOK, "slots", p)
}

// hourLabel is a chart cell's clock time: "09", or "05:45" in a zone
// whose offset is not whole hours.
func hourLabel(t time.Time) string {
	if t.Minute() == 0 {
		return t.Format("15")
	}
	return t.Format("15:04")
}

// slotClock formats [start, end) in loc as "16:30–18:00", with the date
// when it is not y-m-d there (Sydney is often a day ahead).
func (p *page) slotClock(start, end time.Time, loc *time.Location, y int, m time.Month, d int) string {
	s, e := start.In(loc), end.In(loc)
	sy, sm, sd := s.Date()
	switch {
	case sameDay(s, e) && sy == y && sm == m && sd == d:
		return p.ltr(s.Format("15:04") + "–" + e.Format("15:04"))
	case sameDay(s, e):
		return p.Tf("date.with_time", "date", p.date(s), "time", p.ltr(s.Format("15:04")+"–"+e.Format("15:04")))
	default:
		return p.Tf("date.range",
			"start", p.Tf("date.with_time", "date", p.date(s), "time", p.ltr(s.Format("15:04"))),
			"end", p.Tf("date.with_time", "date", p.date(e), "time", p.ltr(e.Format("15:04"))))
	}
}
