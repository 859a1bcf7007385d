package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// The organizer app's events (/organizer/events…): the list of the events
// an organizer works on, the form that creates and edits one with its four
// languages side by side, the status steps with a confirmation, and the
// preview of the public page. Forms post with the session's CSRF token
// (checked in authenticate) and go through the API's own paths
// (newEvent, changeEvent), so that every rule has one place: agenda's
// validation, whose fields are shown next to their inputs in the
// organizer's language. An event the organizer may not see answers like
// a missing one; one of another region, which it sees, is refused.

// Limits of the organizer app's event pages.
const (
	// maxListed bounds each section of the events list.
	maxListed = 200
	// localLayout is an <input type="datetime-local"> value.
	localLayout = "2006-01-02T15:04"
)

// eventListView is the events list.
type eventListView struct {
	Sections []eventSection
}

type eventSection struct {
	ID, Title, Empty string
	Rows             []eventRow
	// More is set when the section was cut at maxListed.
	More string
}

type eventRow struct {
	ID                    string
	Title                 localText
	Kind, Region, When    string
	Status, StatusLabel   string
	VisibilityLabel       string
	EditURL, PreviewURL   string
	CoverageURL           string
	Live, Ended           bool
	LiveLabel, EndedLabel string
}

// eventFormView is the form of a new or an existing event.
type eventFormView struct {
	New                   bool
	ID, Action, CSRF      string
	Version               string
	Saved                 bool
	Errors                []formError
	Err                   map[string]string // input id → message
	Langs                 []langFields
	Kinds, Parents, Zones []option
	Regions               []option
	Visibilities          []choice
	Languages             []choice
	Start, End            string
	Conference            string
	RegionTimes           []regionTime
	Status, StatusLabel   string
	StatusHelp            string
	Steps                 []statusStep
	PreviewURL            string
	PublicURL             string
	CoverageURL           string
	// Confirm is set on the confirmation page of a status step.
	Confirm *statusStep
	// ReadOnly shows an imported event: its inputs disabled, no save.
	ReadOnly bool
	// ShiftWarning is the interpreters' shift warning in minutes, from
	// ShiftMin to ShiftMax (live_settings.go).
	ShiftWarning       string
	ShiftMin, ShiftMax int
}

// formError is one error of a form, linked from the summary to its input.
type formError struct{ Field, Message string }

// langFields are one language's inputs; the hints say what the public
// reading that language sees while the field is empty.
type langFields struct {
	Code, Name, Dir                          string
	Title, Description, Location             string
	TitleHint, DescriptionHint, LocationHint string
}

// choice is a radio button or checkbox with its explanation.
type choice struct {
	Value, Label, Help string
	Checked            bool
}

// regionTime is the event's time in one region's reference zone; Name is
// the zone's IANA name, for the script that updates it as the form changes.
type regionTime struct{ Label, When, Zone, Name string }

// statusStep is a status change offered from the current status.
type statusStep struct {
	To, Label, Body string
}

// eventsPage lists the events the organizer works on: drafts it may edit,
// its own, and its region's (every region's for head office). Events it
// may see but not edit (another region's) are left out, and hidden ones
// are never named.
func (s *Server) eventsPage(c echo.Context) error {
	o, _, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	who := principal(c)
	all, err := s.store.ListEvents(c.Request().Context(), agenda.Filter{})
	if err != nil {
		return err
	}
	slices.Reverse(all) // latest first
	drafts := eventSection{ID: "drafts", Title: p.T("events.drafts"), Empty: p.T("events.drafts.none")}
	mine := eventSection{ID: "mine", Title: p.T("events.mine"), Empty: p.T("events.mine.none")}
	region := eventSection{ID: "region", Title: p.T("events.region"), Empty: p.T("events.region.none")}
	if o.HeadOffice() {
		region.Title = p.T("events.all_regions")
	}
	add := func(sec *eventSection, e agenda.Event) {
		if len(sec.Rows) == maxListed {
			sec.More = p.Tf("events.more", "n", maxListed)
			return
		}
		sec.Rows = append(sec.Rows, s.eventRow(p, e))
	}
	for _, e := range all {
		if !who.CanEdit(e) {
			continue
		}
		switch {
		case e.Status == agenda.StatusDraft:
			add(&drafts, e)
		case e.Owner == o.ID:
			add(&mine, e)
		default:
			add(&region, e)
		}
	}
	p.Title = p.T("events.title")
	p.EventList = &eventListView{Sections: []eventSection{drafts, mine, region}}
	return s.render(c, http.StatusOK, "organizer-events", p)
}

func (s *Server) eventRow(p *page, e agenda.Event) eventRow {
	v := s.eventView(p, e, nil)
	id := url.PathEscape(e.ID)
	return eventRow{ID: e.ID, Title: v.Title, Kind: v.Kind, Region: v.Region, When: v.When, Status: string(e.Status),
		StatusLabel: statusLabel(p, e.Status), VisibilityLabel: visibilityLabel(p, e.Visibility),
		EditURL: "/organizer/events/" + id, PreviewURL: "/organizer/events/" + id + "/preview",
		CoverageURL: "/organizer/events/" + id + "/coverage", Live: v.Live, Ended: v.Ended, LiveLabel: v.LiveLabel, EndedLabel: v.EndedLabel}
}

// tabAccess is what a page or form about one event in the organizer app
// does with it.
type tabAccess int

const (
	// tabRead shows the event: its preview and coverage.
	tabRead tabAccess = iota
	// tabEdit works on the event or on what majlis keeps about it: its
	// details page, agenda, people, registrations and history, and their
	// forms.
	tabEdit
	// tabChange changes the event itself: saving its details, a status
	// step (its confirmation page included).
	tabChange
)

// eventTab is the one preamble of the organizer app's pages and forms
// about one event (every tab of organizer-event-nav, their forms, the
// preview and the coverage), with one rule for all of them:
//   - without a session: errSignIn (signInFirst sends the browser to sign
//     in);
//   - an event that is missing or hidden from the organizer: the not-found
//     page (404), exactly alike;
//   - an event the organizer sees but may not edit (another region's):
//     refused (403; it sees the event, so the refusal hides nothing),
//     except to tabRead;
//   - an imported event (from a regional calendar: Origin) changes at its
//     source: tabChange is refused (409), its details page shows it
//     read-only (eventFormView.ReadOnly), and its other tabs work as for
//     any event (agenda refuses writes to its agenda itself).
//
// The event comes without a parent hidden from the organizer.
func (s *Server) eventTab(c echo.Context, need tabAccess) (access.Session, agenda.Event, error) {
	_, se, ok := s.signedIn(c)
	if !ok {
		return access.Session{}, agenda.Event{}, errSignIn
	}
	e, err := s.pageEvent(c)
	if err != nil {
		return access.Session{}, agenda.Event{}, err
	}
	p := principal(c)
	switch {
	case !p.CanSee(e):
		return access.Session{}, agenda.Event{}, errPageNotFound
	case need != tabRead && !p.CanEdit(e):
		return access.Session{}, agenda.Event{}, &pageError{Status: http.StatusForbidden, Title: "events.forbidden.title", Body: "events.forbidden.body"}
	case need == tabChange && e.Origin != nil:
		// agenda refuses every change to it: say so before the form.
		return access.Session{}, agenda.Event{}, &pageError{Status: http.StatusConflict, Title: "events.imported.title", Body: "events.imported.body"}
	}
	e.Parent, err = s.agenda.ParentFor(c.Request().Context(), e, p)
	return se, e, err
}

// errSignIn is a request of the organizer app without a session.
var errSignIn = errors.New("server: not signed in to the organizer app")

// signInFirst sends a browser without a session to the sign-in page;
// other errors go on to the error handler.
func signInFirst(c echo.Context, err error) error {
	if errors.Is(err, errSignIn) {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	return err
}

// newEventPage is the empty form, in the organizer's region and its zone.
func (s *Server) newEventPage(c echo.Context) error {
	o, se, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	r := o.Region
	if !r.Valid() {
		r = agenda.RegionGlobal
	}
	e := agenda.Event{Kind: agenda.KindWebinar, Region: r, Visibility: agenda.VisibilityPublic, Status: agenda.StatusDraft,
		TimeZone: s.agenda.Zone(r).String(), Languages: slices.Clone(s.langs)}
	return s.renderEventForm(c, http.StatusOK, se, e, nil, nil)
}

// editEventPage is the form of an existing event; an imported event's,
// read-only.
func (s *Server) editEventPage(c echo.Context) error {
	se, e, err := s.eventTab(c, tabEdit)
	if err != nil {
		return signInFirst(c, err)
	}
	return s.renderEventForm(c, http.StatusOK, se, e, nil, func(v *eventFormView, _ *page) {
		v.Saved = c.QueryParam("saved") != ""
		if e.Origin != nil {
			v.ReadOnly, v.Steps = true, nil
		}
	})
}

// eventForm is what an event form posted: the input for the API's paths,
// the texts as typed (to show them again), and what could not be read.
type eventForm struct {
	in           eventInput
	start, end   string
	shiftWarning string
	problems     map[string]string
}

// readEventForm reads the form into an eventInput. Only what the API would
// get in another shape is read here (local times in the chosen zone);
// every rule is agenda's.
func readEventForm(c echo.Context, langs []string) (eventForm, error) {
	if err := c.Request().ParseForm(); err != nil {
		return eventForm{}, badRequest("bad_request", "", "the form could not be read")
	}
	f := c.Request().PostForm
	var ef eventForm
	in := &ef.in
	str := func(name string) *string { v := f.Get(name); return &v }
	texts := func(name string) map[string]*string {
		m := map[string]*string{}
		for _, l := range langs {
			m[l] = str(name + "-" + l)
		}
		return m
	}
	in.Kind, in.Region, in.Visibility, in.TimeZone = str("kind"), str("region"), str("visibility"), str("timezone")
	in.Parent, in.Conference = str("parent"), str("conference")
	in.Title, in.Description, in.Location = texts("title"), texts("description"), textInput(texts("location"))
	languages := slices.Clone(f["languages"])
	in.Languages = &languages
	ef.start, ef.end = f.Get("start"), f.Get("end")
	ef.problems = map[string]string{}
	readShiftWarning(f, &ef)
	loc, ok := loadZone(f.Get("timezone"))
	if !ok {
		ef.problems["timezone"] = "unknown"
		return ef, nil
	}
	for _, t := range []struct {
		name, value string
		dst         **string
	}{{"start", ef.start, &in.Start}, {"end", ef.end, &in.End}} {
		if t.value == "" {
			continue // agenda says it is required
		}
		at, err := time.ParseInLocation(localLayout, t.value, loc)
		if err != nil {
			ef.problems[t.name] = "unreadable"
			continue
		}
		v := at.Format(time.RFC3339)
		*t.dst = &v
	}
	return ef, nil
}

// createEventForm creates an event from the form, as a draft.
func (s *Server) createEventForm(c echo.Context) error {
	_, se, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	ef, err := readEventForm(c, s.langs)
	if err != nil {
		return err
	}
	draft := string(agenda.StatusDraft)
	ef.in.Status = &draft
	shown := agenda.Event{}
	_ = ef.in.apply(&shown, true)
	if len(ef.problems) > 0 {
		return s.renderEventForm(c, http.StatusUnprocessableEntity, se, shown, &ef, nil)
	}
	ev, err := s.newEvent(c, ef.in)
	if fields, ok := formFields(err); ok {
		ef.problems = fields
		return s.renderEventForm(c, http.StatusUnprocessableEntity, se, shown, &ef, nil)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(ev.ID)+"?saved=1")
}

// saveEventForm changes an event from the form. A form read at an older
// version changes nothing and shows the newer one.
func (s *Server) saveEventForm(c echo.Context) error {
	se, e, err := s.eventTab(c, tabChange)
	if err != nil {
		return signInFirst(c, err)
	}
	if c.FormValue("version") != strconv.FormatInt(e.Version, 10) {
		return s.staleEventForm(c, se, e)
	}
	ef, err := readEventForm(c, s.langs)
	if err != nil {
		return err
	}
	shown := e
	_ = ef.in.apply(&shown, false)
	if len(ef.problems) > 0 {
		return s.renderEventForm(c, http.StatusUnprocessableEntity, se, shown, &ef, nil)
	}
	_, err = s.changeEvent(c, e, ef.in)
	if errors.Is(err, agenda.ErrConflict) {
		return s.staleEventForm(c, se, e)
	}
	if fields, ok := formFields(err); ok {
		ef.problems = fields
		return s.renderEventForm(c, http.StatusUnprocessableEntity, se, shown, &ef, nil)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(e.ID)+"?saved=1")
}

// staleEventForm answers a form read at an older version: nothing is
// saved, and the form shows the event as it is now.
func (s *Server) staleEventForm(c echo.Context, se access.Session, e agenda.Event) error {
	fresh, err := s.store.GetEvent(c.Request().Context(), e.ID)
	if err != nil {
		return err
	}
	if fresh.Parent, err = s.agenda.ParentFor(c.Request().Context(), fresh, principal(c)); err != nil {
		return err
	}
	return s.renderEventForm(c, http.StatusConflict, se, fresh, nil, func(v *eventFormView, p *page) {
		v.Errors = append(v.Errors, formError{Field: "title-" + p.lang, Message: p.T("events.error.stale")})
	})
}

// formFields reads the field errors of err (agenda's 422 or a 400 naming
// a field), for a form to show.
func formFields(err error) (map[string]string, bool) {
	var ve *agenda.ValidationError
	var ae *apiError
	switch {
	case errors.As(err, &ve):
		return ve.Fields, true
	case errors.As(err, &ae) && ae.Status < 500 && len(ae.Fields) > 0:
		return ae.Fields, true
	}
	return nil, false
}

// renderEventForm shows e in the form; ef, when set, is what was posted
// (shown again as typed, with its problems next to their inputs).
func (s *Server) renderEventForm(c echo.Context, status int, se access.Session, e agenda.Event, ef *eventForm, extra func(*eventFormView, *page)) error {
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	who := principal(c)
	o := *who.Organizer
	v := &eventFormView{New: e.ID == "", ID: e.ID, CSRF: access.CSRFToken(s.cfg.Secret, se), Err: map[string]string{},
		Conference: e.Conference, Status: string(e.Status), ShiftWarning: strconv.Itoa(e.Interpretation.ShiftWarningMinutes()),
		ShiftMin: agenda.MinShiftWarning, ShiftMax: agenda.MaxShiftWarning}
	if v.New {
		v.Action = "/organizer/events"
	} else {
		id := url.PathEscape(e.ID)
		v.Action, v.Version = "/organizer/events/"+id, strconv.FormatInt(e.Version, 10)
		v.PreviewURL, v.PublicURL, v.CoverageURL = "/organizer/events/"+id+"/preview", "/events/"+id, "/organizer/events/"+id+"/coverage"
		v.StatusLabel, v.StatusHelp = statusLabel(p, e.Status), statusHelp(p, e.Status)
		for _, to := range nextStatuses[e.Status] {
			v.Steps = append(v.Steps, s.statusStep(p, e, to))
		}
	}
	for _, l := range s.langs {
		lf := langFields{Code: l, Name: p.T("lang." + l), Dir: dir(l), Title: e.Title[l], Description: e.Description[l], Location: e.Location[l]}
		hint := func(t agenda.Text) string {
			if t[l] != "" {
				return ""
			}
			text, from := t.In(l)
			if text == "" {
				return ""
			}
			// Isolated (FSI … PDI): an Arabic text in a French sentence, or
			// the reverse, keeps its own direction.
			return p.Tf("events.fallback", "lang", p.T("lang."+from), "text", "\u2068"+text+"\u2069")
		}
		lf.TitleHint, lf.DescriptionHint, lf.LocationHint = hint(e.Title), hint(e.Description), hint(e.Location)
		v.Langs = append(v.Langs, lf)
	}
	for _, k := range agenda.Kinds {
		if k != agenda.KindRegional {
			v.Kinds = append(v.Kinds, option{Value: string(k), Label: p.T("kind." + string(k)), Selected: k == e.Kind})
		}
	}
	v.Parents = append(v.Parents, option{Value: "", Label: p.T("events.parent.none"), Selected: e.Parent == ""})
	all, err := s.store.ListEvents(c.Request().Context(), agenda.Filter{Kind: agenda.KindAnnualMeeting})
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.ID != e.ID && who.CanSee(m) {
			title, _ := m.Title.In(p.lang)
			v.Parents = append(v.Parents, option{Value: m.ID, Label: title + " (" + p.date(m.Start.In(m.Zone())) + ")", Selected: m.ID == e.Parent})
		}
	}
	now := s.cfg.Now()
	v.Zones = zoneOptions(e.TimeZone, now)
	if e.TimeZone == "" || !slices.ContainsFunc(v.Zones, func(z option) bool { return z.Selected }) {
		v.Zones = zoneOptions("UTC", now)
	}
	for _, r := range agenda.Regions {
		if o.Manages(r) {
			v.Regions = append(v.Regions, option{Value: string(r), Label: p.T("region." + string(r)), Selected: r == e.Region})
		}
	}
	for _, vis := range agenda.Visibilities {
		v.Visibilities = append(v.Visibilities, choice{Value: string(vis), Label: visibilityLabel(p, vis),
			Help: visibilityHelp(p, vis), Checked: vis == e.Visibility})
	}
	for _, l := range s.langs {
		v.Languages = append(v.Languages, choice{Value: l, Label: p.T("lang." + l), Checked: slices.Contains(e.Languages, l)})
	}
	loc := e.Zone()
	if !e.Start.IsZero() {
		v.Start = e.Start.In(loc).Format(localLayout)
	}
	if !e.End.IsZero() {
		v.End = e.End.In(loc).Format(localLayout)
	}
	known := !e.Start.IsZero() && e.End.After(e.Start)
	for _, r := range []agenda.Region{agenda.RegionAfrica, agenda.RegionAmericas, agenda.RegionAsiaPacific, agenda.RegionEurope, agenda.RegionGlobal} {
		z := s.agenda.Zone(r)
		rt := regionTime{Label: p.T("region." + string(r)), Name: z.String(), Zone: z.String()}
		if r == agenda.RegionGlobal {
			rt.Label = p.T("events.geneva")
		}
		if known {
			rt.When, rt.Zone = p.span(e.Start, e.End, z), zoneLabel(z, e.Start)
		}
		v.RegionTimes = append(v.RegionTimes, rt)
	}
	if ef != nil {
		v.Start, v.End = ef.start, ef.end
		if ef.shiftWarning != "" {
			v.ShiftWarning = ef.shiftWarning
		}
		for _, field := range sortedFields(ef.problems) {
			id, msg := fieldInput(field), eventFieldMessage(p, field)
			if _, dup := v.Err[id]; !dup {
				v.Err[id] = msg
				v.Errors = append(v.Errors, formError{Field: id, Message: msg})
			}
		}
	}
	if extra != nil {
		extra(v, p)
	}
	if v.New {
		p.Title = p.T("events.new")
	} else {
		p.Title = p.Tf("events.edit", "title", p.text(e.Title).Text)
	}
	p.EventForm = v
	return s.render(c, status, "organizer-event", p)
}

func sortedFields(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fieldInput is the id of the input an API field name is shown at:
// "title.fr" → "title-fr", "languages[2]" → "languages".
func fieldInput(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return strings.ReplaceAll(field, ".", "-")
}

// eventFieldMessage says in the organizer's language what the rule of a
// field is (agenda's messages are English, for the API).
func eventFieldMessage(p *page, field string) string {
	base, _, _ := strings.Cut(fieldInput(field), "-")
	switch base {
	case "title":
		return p.Tf("events.error.title", "n", agenda.MaxTitleRunes)
	case "description":
		return p.Tf("events.error.description", "n", agenda.MaxDescriptionRunes)
	case "location":
		return p.Tf("events.error.location", "n", agenda.MaxLocationRunes)
	case "kind":
		return p.T("events.error.kind")
	case "parent":
		return p.T("events.error.parent")
	case "start":
		return p.Tf("events.error.start", "min", agenda.MinYear, "max", agenda.MaxYear)
	case "end":
		return p.Tf("events.error.end", "n", int(agenda.MaxEventDuration.Hours()/24))
	case "timezone":
		return p.T("events.error.timezone")
	case "region":
		return p.T("events.error.region")
	case "visibility":
		return p.T("events.error.visibility")
	case "languages":
		return p.T("events.error.languages")
	case "conference":
		return p.Tf("events.error.conference", "n", agenda.MaxConferenceBytes)
	case "interpretation":
		return p.Tf("live.event.shift_warning_error", "min", agenda.MinShiftWarning, "max", agenda.MaxShiftWarning)
	}
	return p.T("events.error.other")
}

// nextStatuses are the steps offered from each status: a draft is
// published, a published event cancelled (kept, so that calendars remove
// it), a cancelled one may be published again.
var nextStatuses = map[agenda.Status][]agenda.Status{
	agenda.StatusDraft:     {agenda.StatusPublished},
	agenda.StatusPublished: {agenda.StatusCancelled},
	agenda.StatusCancelled: {agenda.StatusPublished},
}

func (s *Server) statusStep(p *page, e agenda.Event, to agenda.Status) statusStep {
	if to == agenda.StatusPublished {
		return statusStep{To: string(to), Label: p.T("events.step.published"), Body: p.Tf("events.confirm.published", "who", visibilityHelp(p, e.Visibility))}
	}
	return statusStep{To: string(to), Label: p.T("events.step.cancelled"), Body: p.T("events.confirm.cancelled")}
}

// words are the catalog keys of a value's name (Title) and of its
// explanation (Body).
type words struct{ Title, Body string }

// statusWords and visibilityWords name each status and visibility.
var (
	statusWords = map[agenda.Status]words{
		agenda.StatusDraft:     {Title: "events.status.draft", Body: "events.status_help.draft"},
		agenda.StatusPublished: {Title: "events.status.published", Body: "events.status_help.published"},
		agenda.StatusCancelled: {Title: "events.status.cancelled", Body: "events.status_help.cancelled"},
	}
	visibilityWords = map[agenda.Visibility]words{
		agenda.VisibilityPublic:       {Title: "events.visibility.public", Body: "events.visibility_help.public"},
		agenda.VisibilityMembers:      {Title: "events.visibility.members", Body: "events.visibility_help.members"},
		agenda.VisibilityConfidential: {Title: "events.visibility.confidential", Body: "events.visibility_help.confidential"},
	}
)

func statusLabel(p *page, st agenda.Status) string        { return p.T(statusWords[st].Title) }
func statusHelp(p *page, st agenda.Status) string         { return p.T(statusWords[st].Body) }
func visibilityLabel(p *page, v agenda.Visibility) string { return p.T(visibilityWords[v].Title) }
func visibilityHelp(p *page, v agenda.Visibility) string  { return p.T(visibilityWords[v].Body) }

// statusPage is the confirmation step of a status change (?to=).
func (s *Server) statusPage(c echo.Context) error {
	se, e, err := s.eventTab(c, tabChange)
	if err != nil {
		return signInFirst(c, err)
	}
	to := agenda.Status(c.QueryParam("to"))
	if !slices.Contains(nextStatuses[e.Status], to) {
		return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(e.ID))
	}
	return s.renderEventForm(c, http.StatusOK, se, e, nil, func(v *eventFormView, p *page) {
		st := s.statusStep(p, e, to)
		v.Confirm = &st
	})
}

// setStatusForm applies a confirmed status change.
func (s *Server) setStatusForm(c echo.Context) error {
	se, e, err := s.eventTab(c, tabChange)
	if err != nil {
		return signInFirst(c, err)
	}
	to := c.FormValue("to")
	if c.FormValue("version") != strconv.FormatInt(e.Version, 10) || !slices.Contains(nextStatuses[e.Status], agenda.Status(to)) {
		return s.staleEventForm(c, se, e)
	}
	_, err = s.changeEvent(c, e, eventInput{Status: &to})
	if errors.Is(err, agenda.ErrConflict) {
		return s.staleEventForm(c, se, e)
	}
	if fields, ok := formFields(err); ok {
		return s.renderEventForm(c, http.StatusUnprocessableEntity, se, e, &eventForm{problems: fields,
			start: e.Start.In(e.Zone()).Format(localLayout), end: e.End.In(e.Zone()).Format(localLayout)}, nil)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(e.ID)+"?saved=1")
}

// previewPage shows an event, a draft included, exactly as its public
// page will: the public page's own view code and template, with a
// preview banner, never indexed, never kept by shared caches.
func (s *Server) previewPage(c echo.Context) error {
	_, e, err := s.eventTab(c, tabRead)
	if err != nil {
		return signInFirst(c, err)
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	p.Preview = &previewView{EditURL: "/organizer/events/" + url.PathEscape(e.ID)}
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	return s.renderEvent(c, p, e)
}

// previewView is the banner of a preview.
type previewView struct{ EditURL string }

// withEventsApp documents what the organizer app's event pages added to
// the API: the video meeting address, and the refusal of another region's
// event.
func withEventsApp(doc obj) obj {
	schemas := doc["components"].(obj)["schemas"].(obj)
	event := schemas["Event"].(obj)["properties"].(obj)
	event["conference"] = obj{"type": "string", "format": "uri", "maxLength": agenda.MaxConferenceBytes,
		"description": "an external video meeting's https address (RFC 7986 CONFERENCE in feeds); no user name or password"}
	one := doc["paths"].(obj)["/events/{id}"].(obj)
	for _, m := range []string{"patch", "delete"} {
		one[m].(obj)["responses"].(obj)["403"] = errResp("an event of another region than the regional organizer's")
	}
	return doc
}
