package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// Limits of the planning endpoints.
const (
	// defaultSlotLimit and maxSlotLimit bound how many ranked slots
	// GET /api/v1/slots returns (?limit=).
	defaultSlotLimit = 10
	maxSlotLimit     = 100
)

// networkRegions are the regions a slot search fits by default: the four
// regional networks (head office's Geneva lies between Brussels and
// Nairobi and adds nothing).
var networkRegions = []agenda.Region{agenda.RegionAfrica, agenda.RegionAmericas, agenda.RegionAsiaPacific, agenda.RegionEurope}

// slotParams is a parsed slot search, shared by the API and the page.
type slotParams struct {
	date     time.Time // midnight UTC of the date asked for
	zone     *time.Location
	query    calendar.SlotQuery
	limit    int
	duration string // as given, for links
}

// parseDuration reads a meeting length: a Go duration ("90m", "1h30m") or
// an ISO 8601 / RFC 5545 duration of hours and minutes ("PT1H30M").
func parseDuration(v string) (time.Duration, bool) {
	if len(v) > 16 || v == "" {
		return 0, false
	}
	if m := isoDuration.FindStringSubmatch(strings.ToUpper(v)); m != nil && (m[1] != "" || m[2] != "") {
		h, _ := strconv.Atoi("0" + m[1])
		mins, _ := strconv.Atoi("0" + m[2])
		return time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute, true
	}
	d, err := time.ParseDuration(v)
	return d, err == nil
}

var isoDuration = regexp.MustCompile(`^PT(?:(\d{1,2})H)?(?:(\d{1,4})M)?$`)

// parseRegions reads a comma-separated list of regions (repeated
// parameters are joined first).
func parseRegions(values []string) ([]agenda.Region, error) {
	var out []agenda.Region
	for _, v := range values {
		if len(v) > 100 {
			return nil, errors.New("too long")
		}
		for name := range strings.SplitSeq(v, ",") {
			r := agenda.Region(strings.TrimSpace(name))
			if r == "" {
				continue
			}
			if !r.Valid() {
				return nil, fmt.Errorf("unknown region %q", clip(string(r)))
			}
			if slices.Contains(out, r) {
				return nil, fmt.Errorf("region %q given twice", r)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// parseSlotParams validates a slot search. It returns the parameter at
// fault and why; zone is the default zone of the date.
func parseSlotParams(q map[string][]string, zone *time.Location) (slotParams, string, string) {
	first := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	p := slotParams{zone: zone, limit: defaultSlotLimit}
	v := first("date")
	if v == "" {
		return p, "date", "required: a date as YYYY-MM-DD"
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil || len(v) != 10 || d.Year() < 2000 || d.Year() > 2100 {
		return p, "date", "must be a date as YYYY-MM-DD between 2000 and 2100"
	}
	p.date = d
	if v := first("zone"); v != "" {
		loc, ok := loadZone(v)
		if !ok {
			return p, "zone", "must be an IANA time zone, e.g. Europe/Zurich"
		}
		p.zone = loc
	}
	p.duration = first("duration")
	dur, ok := parseDuration(p.duration)
	if p.duration == "" {
		return p, "duration", "required: e.g. 90m, 1h30m or PT1H30M"
	}
	if !ok || dur < calendar.MinSlot || dur > calendar.MaxSlot || dur%time.Minute != 0 {
		return p, "duration", "must be whole minutes from 15 minutes to 12 hours, e.g. 90m, 1h30m or PT1H30M"
	}
	step := 30 * time.Minute
	if v := first("step"); v != "" {
		st, ok := parseDuration(v)
		if !ok || (st != 15*time.Minute && st != 30*time.Minute && st != time.Hour) {
			return p, "step", "must be 15m, 30m or 60m"
		}
		step = st
	}
	regions, err := parseRegions(q["regions"])
	if err != nil {
		return p, "regions", "must be a comma-separated list of distinct regions among global, africa, americas, asia-pacific, europe: " + err.Error()
	}
	if len(regions) == 0 {
		regions = slices.Clone(networkRegions)
	}
	if v := first("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSlotLimit {
			return p, "limit", fmt.Sprintf("must be a number from 1 to %d", maxSlotLimit)
		}
		p.limit = n
	}
	from, to := calendar.Day(d.Year(), d.Month(), d.Day(), p.zone)
	p.query = calendar.SlotQuery{From: from, To: to, Duration: dur, Step: step, Regions: regions}
	return p, "", ""
}

// slots ranks the slots of p, counting clashes with the events the caller
// may see only.
func (s *Server) slots(ctx context.Context, p slotParams, who access.Principal) ([]calendar.Slot, error) {
	evs, err := s.store.ListEvents(ctx, agenda.Filter{From: p.query.From, To: p.query.To.Add(p.query.Duration)})
	if err != nil {
		return nil, err
	}
	visible := evs[:0:0]
	for _, e := range evs {
		if who.CanSee(e) {
			visible = append(visible, e)
		}
	}
	return s.planner.Slots(p.query, visible)
}

// fitJSON is one region's view of a slot.
type fitJSON struct {
	Region     agenda.Region `json:"region"`
	Zone       string        `json:"zone"`
	ZoneAbbrev string        `json:"zone_abbreviation"`
	LocalStart string        `json:"local_start"`
	LocalEnd   string        `json:"local_end"`
	Inside     bool          `json:"inside_working_hours"`
	Outside    int           `json:"minutes_outside"`
	Night      int           `json:"minutes_at_night"`
	Stretch    int           `json:"stretch_minutes"`
}

type slotJSON struct {
	Start   string    `json:"start"`
	End     string    `json:"end"`
	Worst   int       `json:"worst_stretch_minutes"`
	Total   int       `json:"total_minutes_outside"`
	Clashes int       `json:"clashes"`
	Regions []fitJSON `json:"regions"`
}

type hoursJSON struct {
	Region agenda.Region `json:"region"`
	Zone   string        `json:"zone"`
	Start  string        `json:"start"`
	End    string        `json:"end"`
	Days   []string      `json:"days"`
}

func clockOf(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func toSlotJSON(sl calendar.Slot) slotJSON {
	out := slotJSON{Start: sl.Start.Format(rfc3339), End: sl.End.Format(rfc3339), Worst: sl.Worst, Total: sl.Total, Clashes: sl.Clashes}
	for _, f := range sl.Fits {
		abbr, _ := f.Start.Zone()
		out.Regions = append(out.Regions, fitJSON{Region: f.Region, Zone: f.Start.Location().String(), ZoneAbbrev: abbr,
			LocalStart: f.Start.Format(rfc3339), LocalEnd: f.End.Format(rfc3339), Inside: f.Inside(),
			Outside: f.Outside, Night: f.Night, Stretch: f.Stretch})
	}
	return out
}

// getSlots answers GET /api/v1/slots: anyone may plan. The only thing a
// slot says about stored events is its clash count, computed from the
// events the caller may see.
func (s *Server) getSlots(c echo.Context) error {
	q := c.QueryParams()
	for name := range q {
		if !slices.Contains([]string{"date", "duration", "regions", "step", "limit", "zone"}, name) {
			return badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q (known: date, duration, regions, step, limit, zone)", clip(name)))
		}
	}
	p, field, why := parseSlotParams(q, time.UTC)
	if field != "" {
		return badRequest("invalid", field, why)
	}
	all, err := s.slots(c.Request().Context(), p, principal(c))
	if err != nil {
		return err
	}
	out := struct {
		Date     string      `json:"date"`
		Zone     string      `json:"zone"`
		From     string      `json:"from"`
		To       string      `json:"to"`
		Duration int         `json:"duration"`
		Step     int         `json:"step"`
		Hours    []hoursJSON `json:"working_hours"`
		Count    int         `json:"candidates"`
		Slots    []slotJSON  `json:"slots"`
	}{Date: p.date.Format("2006-01-02"), Zone: p.zone.String(), From: p.query.From.UTC().Format(rfc3339), To: p.query.To.UTC().Format(rfc3339),
		Duration: int(p.query.Duration / time.Minute), Step: int(p.query.Step / time.Minute), Count: len(all), Slots: []slotJSON{}}
	for _, r := range p.query.Regions {
		h := s.planner.Hours(r)
		hj := hoursJSON{Region: r, Zone: s.planner.Zone(r).String(), Start: clockOf(h.Start), End: clockOf(h.End)}
		for _, d := range h.Days {
			hj.Days = append(hj.Days, strings.ToLower(d.String()[:3]))
		}
		out.Hours = append(out.Hours, hj)
	}
	for _, sl := range all[:min(p.limit, len(all))] {
		out.Slots = append(out.Slots, toSlotJSON(sl))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	return c.JSON(http.StatusOK, out)
}

// clashJSON is one clash as the API shows it.
type clashJSON struct {
	Event   eventJSON `json:"event"`
	Start   string    `json:"overlap_start"`
	End     string    `json:"overlap_end"`
	Minutes int       `json:"overlap_minutes"`
}

// clashesOf returns e's clashes with the events p may see.
func (s *Server) clashesOf(ctx context.Context, e agenda.Event, p access.Principal) ([]clashJSON, error) {
	cands, err := s.store.ListEvents(ctx, agenda.Filter{From: e.Start, To: e.End})
	if err != nil {
		return nil, err
	}
	out, parents := []clashJSON{}, map[string]string{}
	for _, cl := range calendar.Clashes(e, cands, p.CanSee) {
		out = append(out, clashJSON{Event: s.toJSON(ctx, cl.Event, p, parents), Start: cl.Start.Format(rfc3339), End: cl.End.Format(rfc3339), Minutes: cl.Minutes()})
	}
	return out, nil
}

// getClashes answers GET /api/v1/events/{id}/clashes: the event's clashes
// that the caller may see, for an event the caller may see (404 otherwise).
func (s *Server) getClashes(c echo.Context) error {
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	out, err := s.clashesOf(c.Request().Context(), e, principal(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	return c.JSON(http.StatusOK, map[string]any{"event": e.ID, "clashes": out})
}

// sendWritten answers a successful POST or PATCH of an event: the event
// (as sendEvent) plus its clashes, so that the organizer learns at once
// what else happens for the same audience. Clashes never block a write;
// when they cannot be computed, the field is left out.
func (s *Server) sendWritten(c echo.Context, status int, e agenda.Event) error {
	p := principal(c)
	out := struct {
		eventJSON
		Clashes *[]clashJSON `json:"clashes,omitempty"`
	}{eventJSON: s.toJSON(c.Request().Context(), e, p, nil)}
	if cl, err := s.clashesOf(c.Request().Context(), e, p); err != nil {
		s.log.Warn("clashes of a written event", "event", e.ID, "err", err)
	} else {
		out.Clashes = &cl
	}
	c.Response().Header().Set(headerETag, etag("e", e.Version))
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	return c.JSON(status, out)
}
