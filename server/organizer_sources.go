package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// The organizer app's regional calendar sources (/organizer/sources…)
// and interpretation coverage (/organizer/events/{id}/coverage), with the
// session cookie. A regional organizer manages its own region's sources
// only: the others answer like missing ones (managedSource). The forms go
// through the API's paths (newSource, changeSource, syncNow, confirmNow),
// and calendar.Source.Validate is the one rule of a source.

// sourcesView is the list of sources with the form that adds one.
type sourcesView struct {
	CSRF string
	Rows []sourceRow
	// Done says what the last action did; Problem why it did nothing.
	Done, Problem string
	Form          *sourceFormView
}

type sourceRow struct {
	ID, Name, Region, Kind     string
	State, StateLabel          string
	LastFetch, NextFetch       string
	Changes, Error, Pending    string
	Conflicts                  string
	Paused, NeedsConfirmation  bool
	EditURL, SyncURL, PauseURL string
	ConfirmURL                 string
	// PauseValue is what the pause button sets ("1" pauses, "0" resumes).
	PauseValue, PauseLabel, Version string
}

// sourceFormView is the form of a new or an existing source.
type sourceFormView struct {
	New                      bool
	ID, Action, CSRF         string
	Version                  string
	Name, URL, Username      string
	HasPassword              bool
	Kinds, Regions, Langs    []option
	Errors                   []formError
	Err                      map[string]string
	MaxName, MaxURL, MaxCred int
}

// coverageView is an event's interpretation coverage.
type coverageView struct {
	ID, EventTitle, CSV, CSVName string
	Items                        []coverageRow
	Generated                    string
}

type coverageRow struct {
	ID, Title, When, Duration string
	Channels                  []coverageCell
}

type coverageCell struct {
	ID, Channel, Live, Average, Peak string
	// Share is the part of the item the channel was live, 0 to 100.
	Share int
}

// sourcesAppPage lists the sources the organizer manages.
func (s *Server) sourcesAppPage(c echo.Context) error {
	return s.renderSources(c, http.StatusOK, nil)
}

func (s *Server) renderSources(c echo.Context, status int, form *sourceFormView, extra ...func(*sourcesView, *page)) error {
	o, se, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	st, _, err := s.sources()
	if err != nil {
		return err
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	all, err := st.ListSources(ctx)
	if err != nil {
		return err
	}
	v := &sourcesView{CSRF: access.CSRFToken(s.cfg.Secret, se)}
	switch c.QueryParam("done") {
	case "added":
		v.Done = p.T("sources.done.added")
	case "saved":
		v.Done = p.T("sources.done.saved")
	case "synced":
		v.Done = p.T("sources.done.synced")
	case "confirmed":
		v.Done = p.T("sources.done.confirmed")
	case "paused":
		v.Done = p.T("sources.done.paused")
	case "resumed":
		v.Done = p.T("sources.done.resumed")
	}
	for _, src := range all {
		if !manages(o, src.Region) {
			continue
		}
		j, err := s.describeSource(c, src)
		if err != nil {
			return err
		}
		v.Rows = append(v.Rows, s.sourceRow(p, src, j))
	}
	if form == nil {
		form = s.sourceForm(p, o, se, calendar.Source{Kind: calendar.SourceICS, Region: defaultRegion(o)})
	}
	v.Form = form
	for _, f := range extra {
		f(v, p)
	}
	p.Title = p.T("sources.title")
	p.Sources = v
	return s.render(c, status, "sources", p)
}

func defaultRegion(o access.Organizer) agenda.Region {
	if o.Region.Valid() {
		return o.Region
	}
	return agenda.RegionGlobal
}

func (s *Server) sourceRow(p *page, src calendar.Source, j sourceJSON) sourceRow {
	when := func(t *string) string {
		if t == nil {
			return p.T("sources.never")
		}
		at, err := time.Parse(time.RFC3339, *t)
		if err != nil {
			return *t
		}
		at = at.In(p.loc)
		return p.Tf("date.with_time", "date", p.date(at), "time", p.ltr(at.Format("15:04")))
	}
	id := url.PathEscape(src.ID)
	r := sourceRow{ID: src.ID, Name: src.Name, Region: p.T("region." + string(src.Region)), Kind: string(src.Kind),
		State: string(j.Status.State), StateLabel: stateLabel(p, j.Status.State),
		LastFetch: when(j.Status.LastFetch), NextFetch: when(j.Status.NextFetch),
		Changes: p.Tf("sources.changes", "added", j.Status.Added, "updated", j.Status.Updated, "cancelled", j.Status.Cancelled),
		Error:   j.Status.LastError, Paused: src.Paused, NeedsConfirmation: j.Status.PendingCancel > 0,
		EditURL: "/organizer/sources/" + id, SyncURL: "/organizer/sources/" + id + "/sync",
		PauseURL: "/organizer/sources/" + id + "/pause", ConfirmURL: "/organizer/sources/" + id + "/confirm",
		Version: strconv.FormatInt(src.Version, 10)}
	if j.Status.PendingCancel > 0 {
		r.Pending = p.Tf("sources.pending", "n", j.Status.PendingCancel)
	}
	if len(j.Conflicts) > 0 {
		r.Conflicts = p.Tf("sources.conflicts", "n", len(j.Conflicts))
	}
	r.PauseValue, r.PauseLabel = "1", p.T("sources.pause")
	if src.Paused {
		r.PauseValue, r.PauseLabel = "0", p.T("sources.resume")
	}
	return r
}

// stateLabel names a source's state.
func stateLabel(p *page, st calendar.State) string {
	switch st {
	case calendar.StateSyncing:
		return p.T("sources.state.syncing")
	case calendar.StateOK:
		return p.T("sources.state.ok")
	case calendar.StateError:
		return p.T("sources.state.error")
	case calendar.StateNeedsConfirmation:
		return p.T("sources.state.needs_confirmation")
	}
	return p.T("sources.state.new")
}

// sourceForm is the form of src (an empty ID: a new source).
func (s *Server) sourceForm(p *page, o access.Organizer, se access.Session, src calendar.Source) *sourceFormView {
	v := &sourceFormView{New: src.ID == "", ID: src.ID, CSRF: access.CSRFToken(s.cfg.Secret, se), Name: src.Name, URL: src.URL,
		Username: src.Username, HasPassword: src.Password != "", Err: map[string]string{},
		MaxName: calendar.MaxSourceName, MaxURL: calendar.MaxSourceURL, MaxCred: calendar.MaxCredential}
	if v.New {
		v.Action = "/organizer/sources"
	} else {
		v.Action, v.Version = "/organizer/sources/"+url.PathEscape(src.ID), strconv.FormatInt(src.Version, 10)
	}
	for _, k := range calendar.SourceKinds {
		label := p.T("sources.kind.ics")
		if k == calendar.SourceCalDAV {
			label = p.T("sources.kind.caldav")
		}
		v.Kinds = append(v.Kinds, option{Value: string(k), Label: label, Selected: k == src.Kind})
	}
	for _, r := range agenda.Regions {
		if o.Manages(r) {
			v.Regions = append(v.Regions, option{Value: string(r), Label: p.T("region." + string(r)), Selected: r == src.Region})
		}
	}
	lang := src.Language
	if lang == "" {
		lang = agenda.PlainLanguage
	}
	for _, l := range s.langs {
		v.Langs = append(v.Langs, option{Value: l, Label: p.T("lang." + l), Selected: l == lang})
	}
	return v
}

// withProblems puts the field errors of a refused source form next to
// their inputs, in the organizer's language.
func withProblems(p *page, v *sourceFormView, fields map[string]string) {
	for _, field := range sortedFields(fields) {
		id := fieldInput(field)
		var msg string
		switch id {
		case "name":
			msg = p.Tf("sources.error.name", "n", calendar.MaxSourceName)
		case "url":
			msg = p.Tf("sources.error.url", "n", calendar.MaxSourceURL)
		case "username", "password":
			msg = p.Tf("sources.error.credentials", "n", calendar.MaxCredential)
		case "region":
			msg = p.T("sources.error.region")
		case "kind":
			msg = p.T("sources.error.kind")
		case "version":
			msg = p.T("sources.problem.stale")
		default:
			msg = p.T("events.error.other")
		}
		if _, dup := v.Err[id]; !dup {
			v.Err[id] = msg
			v.Errors = append(v.Errors, formError{Field: "source-" + id, Message: msg})
		}
	}
}

// readSourceForm reads a source form; an empty password keeps the stored
// one unless "forget password" is ticked.
func readSourceForm(c echo.Context, create bool) sourceInput {
	str := func(name string) *string { v := c.FormValue(name); return &v }
	in := sourceInput{Name: str("name"), URL: str("url"), Username: str("username"), Language: str("language"), Region: str("region")}
	if create {
		in.Kind = str("kind")
	}
	if pw := c.FormValue("password"); pw != "" || c.FormValue("forget_password") != "" {
		in.Password = &pw
	}
	return in
}

// createSourceForm adds a source from the form.
func (s *Server) createSourceForm(c echo.Context) error {
	o, se, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	if _, _, err := s.sources(); err != nil {
		return err
	}
	in := readSourceForm(c, true)
	_, err := s.newSource(c, o, in)
	if fields, ok := formFields(err); ok {
		p, perr := s.newPage(c)
		if perr != nil {
			return perr
		}
		shown := calendar.Source{}
		_ = in.apply(&shown, true)
		form := s.sourceForm(p, o, se, shown)
		withProblems(p, form, fields)
		return s.renderSources(c, http.StatusUnprocessableEntity, form)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/sources?done=added")
}

// sourceAs is the preamble of the pages and forms about one source: the
// organizer, its session and the source it manages (managedSource).
// Without a session: errSignIn (signInFirst).
func (s *Server) sourceAs(c echo.Context) (access.Organizer, access.Session, calendar.Source, error) {
	o, se, ok := s.signedIn(c)
	if !ok {
		return access.Organizer{}, access.Session{}, calendar.Source{}, errSignIn
	}
	src, err := s.managedSource(c)
	return o, se, src, err
}

// sourceEditPage is the form of one source.
func (s *Server) sourceEditPage(c echo.Context) error {
	o, se, src, err := s.sourceAs(c)
	if err != nil {
		return signInFirst(c, err)
	}
	return s.renderSourceForm(c, http.StatusOK, o, se, src, nil)
}

func (s *Server) renderSourceForm(c echo.Context, status int, o access.Organizer, se access.Session, src calendar.Source, fields map[string]string) error {
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	v := s.sourceForm(p, o, se, src)
	withProblems(p, v, fields)
	p.Title = p.Tf("sources.edit", "name", src.Name)
	p.SourceForm = v
	return s.render(c, status, "organizer-source", p)
}

// saveSourceForm changes a source from its form; a form read at an older
// version changes nothing.
func (s *Server) saveSourceForm(c echo.Context) error {
	o, se, src, err := s.sourceAs(c)
	if err != nil {
		return signInFirst(c, err)
	}
	if c.FormValue("version") != strconv.FormatInt(src.Version, 10) {
		return s.renderSourceForm(c, http.StatusConflict, o, se, src, map[string]string{"version": "stale"})
	}
	in := readSourceForm(c, false)
	_, err = s.changeSource(c, o, src, in)
	if fields, ok := formFields(err); ok {
		shown := src
		_ = in.apply(&shown, false)
		return s.renderSourceForm(c, http.StatusUnprocessableEntity, o, se, shown, fields)
	}
	if errors.Is(err, agenda.ErrConflict) {
		return s.renderSourceForm(c, http.StatusConflict, o, se, src, map[string]string{"version": "stale"})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/sources?done=saved")
}

// sourceAction runs one button of the list (pause, sync, confirm) and
// shows the list again with what it did, or why it did nothing.
func (s *Server) sourceAction(c echo.Context, act func(o access.Organizer, src calendar.Source) (string, error)) error {
	o, _, src, err := s.sourceAs(c)
	if err != nil {
		return signInFirst(c, err)
	}
	done, err := act(o, src)
	var ae *apiError
	switch {
	case errors.Is(err, agenda.ErrConflict), errors.As(err, &ae) && ae.Status == http.StatusConflict:
		return s.renderSources(c, http.StatusConflict, nil, func(v *sourcesView, p *page) {
			switch {
			case errors.Is(err, errSyncBusy):
				v.Problem = p.T("sources.problem.busy")
			case errors.Is(err, errNothingToConfirm):
				v.Problem = p.T("sources.problem.nothing_to_confirm")
			default:
				v.Problem = p.T("sources.problem.stale")
			}
		})
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/sources?done="+done)
}

func (s *Server) pauseSourceForm(c echo.Context) error {
	return s.sourceAction(c, func(o access.Organizer, src calendar.Source) (string, error) {
		if c.FormValue("version") != strconv.FormatInt(src.Version, 10) {
			return "", agenda.ErrConflict
		}
		paused := c.FormValue("paused") == "1"
		if _, err := s.changeSource(c, o, src, sourceInput{Paused: &paused}); err != nil {
			return "", err
		}
		if paused {
			return "paused", nil
		}
		return "resumed", nil
	})
}

func (s *Server) syncSourceForm(c echo.Context) error {
	return s.sourceAction(c, func(_ access.Organizer, src calendar.Source) (string, error) {
		return "synced", s.syncNow(c.Request().Context(), src)
	})
}

func (s *Server) confirmSourceForm(c echo.Context) error {
	return s.sourceAction(c, func(_ access.Organizer, src calendar.Source) (string, error) {
		return "confirmed", s.confirmNow(c.Request().Context(), src)
	})
}

// coveragePage shows an event's interpretation coverage: per agenda item
// and channel, how long it was live and how many listened, as a table
// and as a chart of meters, with the CSV of the API.
func (s *Server) coveragePage(c echo.Context) error {
	_, e, err := s.eventTab(c, tabRead)
	if err != nil {
		return signInFirst(c, err)
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	rep, err := s.coverageOf(c.Request().Context(), e, p.lang)
	if err != nil {
		return err
	}
	id := url.PathEscape(e.ID)
	v := &coverageView{ID: e.ID, EventTitle: p.text(e.Title).Text,
		CSV: "/api/v1/events/" + id + "/coverage?format=csv&lang=" + p.lang, CSVName: "coverage-" + e.ID + ".csv"}
	if at, err := time.Parse(time.RFC3339, rep.Generated); err == nil {
		at = at.In(p.loc)
		v.Generated = p.Tf("date.with_time", "date", p.date(at), "time", p.ltr(at.Format("15:04")))
	}
	minutes := func(sec float64) string { return p.Nf("agenda.minutes", int(sec/60+0.5)) }
	for i, it := range rep.Items {
		row := coverageRow{ID: "cov-" + strconv.Itoa(i), Title: it.Title, Duration: minutes(it.Seconds)}
		if row.Title == "" {
			row.Title = p.T("coverage.outside_items")
		}
		if start, err := time.Parse(time.RFC3339, it.Start); err == nil {
			if end, err := time.Parse(time.RFC3339, it.End); err == nil {
				row.When = p.clock(start, end, p.loc, e.Start)
			}
		}
		for j, ch := range it.Channels {
			label := p.T("session.floor")
			if ch.Channel != "floor" {
				label = p.T("lang." + ch.Channel)
			}
			share := 0
			if it.Seconds > 0 {
				share = min(100, int(ch.LiveSeconds/it.Seconds*100+0.5))
			}
			row.Channels = append(row.Channels, coverageCell{ID: fmt.Sprintf("cov-%d-%d", i, j), Channel: label,
				Live: minutes(ch.LiveSeconds), Average: strconv.FormatFloat(ch.AverageListeners, 'f', -1, 64),
				Peak: strconv.Itoa(ch.PeakListeners), Share: share})
		}
		v.Items = append(v.Items, row)
	}
	p.Title = p.Tf("coverage.title", "title", v.EventTitle)
	p.Coverage = v
	return s.render(c, http.StatusOK, "organizer-coverage", p)
}
