package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/realtime"
)

// audit records one action of the caller in the audit log: the one place
// entries are made (each handler that changes something calls it once).
// The action is done by then, so a failure to record it is logged, not
// answered.
func (s *Server) audit(c echo.Context, e audit.Entry) {
	if s.auditLog == nil {
		return
	}
	if o := principal(c).Organizer; o != nil {
		e.Actor, e.ActorName = o.ID, o.Name
	}
	e.At = s.cfg.Now().UTC().Truncate(time.Second)
	ctx := context.WithoutCancel(c.Request().Context())
	if err := s.auditLog.AppendAudit(ctx, e, s.cfg.AuditKeep); err != nil {
		s.log.Error("audit: record", "action", e.Action, "err", err)
	}
}

// auditEvent records what a write did to an event, from the event before
// (old; the zero Event for a creation) and after it (cur).
func (s *Server) auditEvent(c echo.Context, old, cur agenda.Event) {
	ent := audit.Entry{Action: audit.EventChanged, Event: audit.RefTo(cur)}
	switch {
	case old.ID == "":
		ent.Action = audit.EventCreated
	case old.Status != cur.Status && cur.Status == agenda.StatusPublished:
		ent.Action = audit.EventPublished
	case old.Status != cur.Status && cur.Status == agenda.StatusCancelled:
		ent.Action = audit.EventCancelled
	default:
		ent.Fields = eventFields(old, cur)
	}
	s.audit(c, ent)
}

// fieldNames collects the names of the fields a change changed.
type fieldNames []string

func (f *fieldNames) add(name string, differ bool) {
	if differ {
		*f = append(*f, name)
	}
}

// eventFields names the API fields that differ between a and b.
func eventFields(a, b agenda.Event) []string {
	var out fieldNames
	add := out.add
	add("kind", a.Kind != b.Kind)
	add("parent", a.Parent != b.Parent)
	add("title", !maps.Equal(a.Title, b.Title))
	add("description", !maps.Equal(a.Description, b.Description))
	add("start", !a.Start.Equal(b.Start))
	add("end", !a.End.Equal(b.End))
	add("timezone", a.TimeZone != b.TimeZone)
	add("region", a.Region != b.Region)
	add("visibility", a.Visibility != b.Visibility)
	add("languages", !slices.Equal(a.Languages, b.Languages))
	add("status", a.Status != b.Status)
	add("location", !maps.Equal(a.Location, b.Location))
	add("invitees", !slices.Equal(a.Invitees, b.Invitees))
	add("interpretation", a.Interpretation != b.Interpretation)
	return out
}

// auditSource records what a write did to a calendar source (old: the
// zero Source for a creation; deleted: it was removed). Only the names of
// the fields changed are kept, never an address or a password.
func (s *Server) auditSource(c echo.Context, old, cur calendar.Source, deleted bool) {
	ent := audit.Entry{Action: audit.SourceChanged, Source: &audit.SourceRef{ID: cur.ID, Name: cur.Name, Region: cur.Region}}
	switch {
	case deleted:
		ent.Action = audit.SourceDeleted
	case old.ID == "":
		ent.Action = audit.SourceCreated
	default:
		a, b := reflect.ValueOf(old), reflect.ValueOf(cur)
		for i := range a.NumField() {
			f := a.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" && !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
				ent.Fields = append(ent.Fields, name)
			}
		}
	}
	s.audit(c, ent)
}

// auditReader decides which entries an organizer may read: those about
// events it may see, both as the entry remembers them and as they are now
// (while they exist), and about sources of regions it manages. Nobody
// else reads the log.
type auditReader struct {
	s      *Server
	p      access.Principal
	events map[string]*agenda.Event // nil: no such event now
}

func (s *Server) auditReader(p access.Principal) *auditReader {
	return &auditReader{s: s, p: p, events: map[string]*agenda.Event{}}
}

func (r *auditReader) may(ctx context.Context, e audit.Entry) (bool, error) {
	if r.p.Organizer == nil {
		return false, nil
	}
	if e.Event != nil {
		if !r.p.CanSee(e.Event.Event()) {
			return false, nil
		}
		cur, ok := r.events[e.Event.ID]
		if !ok {
			ev, err := r.s.store.GetEvent(ctx, e.Event.ID)
			switch {
			case err == nil:
				cur = &ev
			case !errors.Is(err, agenda.ErrNotFound):
				return false, err
			}
			r.events[e.Event.ID] = cur
		}
		if cur != nil && !r.p.CanSee(*cur) {
			return false, nil
		}
	}
	if e.Source != nil && !r.p.Organizer.Manages(e.Source.Region) {
		return false, nil
	}
	if e.Institution != nil && !r.p.Organizer.Manages(e.Institution.Region) {
		return false, nil
	}
	if e.Action == audit.InstitutionsImported && !r.p.Organizer.Manages(agenda.RegionGlobal) {
		return false, nil // an import may touch every region: head office's
	}
	return true, nil
}

// auditFilter selects entries: by event, by organizer (the actor).
type auditFilter struct{ Event, Organizer string }

// readAudit returns the entries p may read that pass f, newest first.
func (s *Server) readAudit(ctx context.Context, p access.Principal, f auditFilter) ([]audit.Entry, error) {
	if s.auditLog == nil {
		return nil, nil
	}
	all, err := s.auditLog.ListAudit(ctx)
	if err != nil {
		return nil, err
	}
	r := s.auditReader(p)
	out := []audit.Entry{}
	for _, e := range all {
		if f.Event != "" && (e.Event == nil || e.Event.ID != f.Event) {
			continue
		}
		if f.Organizer != "" && e.Actor != f.Organizer {
			continue
		}
		ok, err := r.may(ctx, e)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// auditRow is one entry on a page.
type auditRow struct {
	When, WhenISO, Who, Action string
	What                       localText
	WhatURL, Detail            string
}

// auditRows says entries in the page's language and zone.
func auditRows(p *page, entries []audit.Entry) []auditRow {
	out := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		row := auditRow{When: p.releaseTime(e.At), WhenISO: e.At.UTC().Format(time.RFC3339), Who: e.ActorName,
			Action: actionLabel(p, e.Action)}
		switch {
		case e.Event != nil:
			row.What = p.text(e.Event.Title)
			row.WhatURL = "/organizer/events/" + url.PathEscape(e.Event.ID) + "/history"
		case e.Source != nil:
			row.What = localText{Text: e.Source.Name}
		case e.Institution != nil:
			row.What = p.text(e.Institution.Name)
			if e.Action != audit.InstitutionDeleted {
				row.WhatURL = "/organizer/institutions/" + url.PathEscape(e.Institution.ID)
			}
		}
		var details []string
		if len(e.Fields) > 0 {
			details = append(details, p.Tf("audit.fields", "fields", strings.Join(e.Fields, p.T("list.separator"))))
		}
		if e.Release > 0 {
			details = append(details, p.Tf("audit.release", "n", e.Release))
		}
		if len(e.Accreditation) == 2 {
			details = append(details, p.Tf("audit.accreditation", "from", accreditationLabel(p, institution.Status(e.Accreditation[0])),
				"to", accreditationLabel(p, institution.Status(e.Accreditation[1]))))
		}
		if len(e.Added) > 0 {
			details = append(details, p.Tf("audit.imported_added", "ids", strings.Join(e.Added, p.T("list.separator"))))
		}
		if len(e.Changed) > 0 {
			details = append(details, p.Tf("audit.imported_changed", "ids", strings.Join(e.Changed, p.T("list.separator"))))
		}
		if e.Role != "" {
			details = append(details, p.Tf("audit.invite", "role", roleLabel(p, e.Role), "name", e.Person))
		}
		row.Detail = strings.Join(details, "; ")
		out = append(out, row)
	}
	return out
}

// auditView is the audit page, and the history of one event.
type auditView struct {
	CSRF string
	// The audit page's filters, and the CSV download of what they select.
	Events, Organizers []option
	CSV                string
	Rows               []auditRow
	// Shown says how many of how many entries are shown.
	Shown string

	// An event's history: its releases and publishing the draft.
	EventID    string
	EventTitle localText
	Published  string
	Unreleased []changeLine
	DraftETag  string
	Releases   []releaseRow
	Notice     string
	Error      string
}

// releaseRow is one release on the history page.
type releaseRow struct {
	Number        int
	When, By      string
	Note, WhenISO string
}

// organizerPage starts a page of the organizer app: the page and the
// caller's session, or no page when the caller is not signed in (then
// redirected to sign in) or the page cannot be made (err).
func (s *Server) organizerPage(c echo.Context) (*page, access.Session, error) {
	_, se, ok := s.signedIn(c)
	if !ok {
		return nil, se, c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	p, err := s.newPage(c)
	if err != nil {
		return nil, se, err
	}
	return p, se, nil
}

// auditPageRows is how many entries a page shows (the CSV has them all).
const auditPageRows = 200

// auditPage shows the audit log to a signed-in organizer: what it may
// read of it, filtered by event and by organizer.
func (s *Server) auditPage(c echo.Context) error {
	p, se, err := s.organizerPage(c)
	if p == nil {
		return err
	}
	ctx, pr := c.Request().Context(), principal(c)
	f := auditFilter{Event: clipParam(c.QueryParam("event")), Organizer: clipParam(c.QueryParam("organizer"))}
	every, err := s.readAudit(ctx, pr, auditFilter{})
	if err != nil {
		return err
	}
	v := &auditView{CSRF: access.CSRFToken(s.cfg.Secret, se)}
	v.Events = []option{{Value: "", Label: p.T("audit.all_events")}}
	v.Organizers = []option{{Value: "", Label: p.T("audit.all_organizers")}}
	seen := map[string]bool{}
	for _, e := range every {
		if e.Event != nil && !seen["e"+e.Event.ID] {
			seen["e"+e.Event.ID] = true
			v.Events = append(v.Events, option{Value: e.Event.ID, Label: p.text(e.Event.Title).Text, Selected: e.Event.ID == f.Event})
		}
		if e.Actor != "" && !seen["o"+e.Actor] {
			seen["o"+e.Actor] = true
			v.Organizers = append(v.Organizers, option{Value: e.Actor, Label: e.ActorName, Selected: e.Actor == f.Organizer})
		}
	}
	entries := slices.DeleteFunc(every, func(e audit.Entry) bool {
		return (f.Event != "" && (e.Event == nil || e.Event.ID != f.Event)) || (f.Organizer != "" && e.Actor != f.Organizer)
	})
	q := url.Values{}
	if f.Event != "" {
		q.Set("event", f.Event)
	}
	if f.Organizer != "" {
		q.Set("organizer", f.Organizer)
	}
	v.CSV = "/organizer/audit.csv"
	if len(q) > 0 {
		v.CSV += "?" + q.Encode()
	}
	v.Rows = auditRows(p, entries[:min(len(entries), auditPageRows)])
	v.Shown = p.Tf("audit.shown", "shown", len(v.Rows), "total", len(entries))
	p.Title = p.T("audit.title")
	p.Audit = v
	return s.render(c, http.StatusOK, "audit", p)
}

// clipParam drops a query parameter over the limit (no ID is that long).
func clipParam(v string) string {
	if len(v) > maxParam {
		return "\x00"
	}
	return v
}

// auditCSV exports what the audit page selects, every entry, as CSV
// (times in UTC, texts in the reader's language).
func (s *Server) auditCSV(c echo.Context) error {
	p, _, err := s.organizerPage(c)
	if p == nil {
		return err
	}
	f := auditFilter{Event: clipParam(c.QueryParam("event")), Organizer: clipParam(c.QueryParam("organizer"))}
	entries, err := s.readAudit(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"time", "organizer_id", "organizer", "action", "event", "event_title", "source", "source_name",
		"fields", "release", "role", "person", "institution", "institution_name", "accreditation", "added", "changed"}) // a bytes.Buffer does not fail
	for _, e := range entries {
		row := []string{e.At.UTC().Format(time.RFC3339), e.Actor, csvSafe(e.ActorName), string(e.Action), "", "", "", "",
			strings.Join(e.Fields, " "), "", e.Role, csvSafe(e.Person), "", "", strings.Join(e.Accreditation, " "),
			strings.Join(e.Added, " "), strings.Join(e.Changed, " ")}
		if e.Institution != nil {
			row[12], row[13] = e.Institution.ID, csvSafe(e.Institution.Name.Get(p.lang))
		}
		if e.Event != nil {
			row[4], row[5] = e.Event.ID, csvSafe(e.Event.Title.Get(p.lang))
		}
		if e.Source != nil {
			row[6], row[7] = e.Source.ID, csvSafe(e.Source.Name)
		}
		if e.Release > 0 {
			row[9] = strconv.Itoa(e.Release)
		}
		_ = w.Write(row)
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="majlis-audit.csv"`)
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// historyPage shows an event's releases, what publishing the draft would
// change (with the button that does it) and the event's audit entries.
func (s *Server) historyPage(c echo.Context) error {
	return s.renderHistory(c, http.StatusOK, func(*auditView, *page) {})
}

func (s *Server) renderHistory(c echo.Context, status int, extra func(*auditView, *page)) error {
	se, e, err := s.eventTab(c, tabEdit)
	if err != nil {
		return signInFirst(c, err)
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := s.store.GetAgenda(ctx, e.ID)
	if err != nil {
		return err
	}
	v := &auditView{CSRF: access.CSRFToken(s.cfg.Secret, se), EventID: e.ID, EventTitle: p.text(e.Title),
		DraftETag: etag("a", a.Version)}
	pub, n := a.Published()
	if n == 0 {
		v.Published = p.T("history.never_released")
	} else {
		v.Published = p.Tf("history.published", "n", n)
	}
	v.Unreleased = changeLines(p, e, agenda.Diff(pub.Items, a.Items))
	names := map[string]string{}
	for i := len(a.Releases) - 1; i >= 0; i-- {
		r := a.Releases[i]
		row := releaseRow{Number: r.Number, When: p.releaseTime(r.Published), WhenISO: r.Published.UTC().Format(time.RFC3339), Note: r.Note}
		if r.By != "" {
			if _, ok := names[r.By]; !ok {
				if o, err := s.store.GetOrganizer(ctx, r.By); err == nil {
					names[r.By] = o.Name
				}
			}
			row.By = names[r.By]
		}
		v.Releases = append(v.Releases, row)
	}
	entries, err := s.readAudit(ctx, principal(c), auditFilter{Event: e.ID})
	if err != nil {
		return err
	}
	v.Rows = auditRows(p, entries[:min(len(entries), auditPageRows)])
	v.Shown = p.Tf("audit.shown", "shown", len(v.Rows), "total", len(entries))
	v.CSV = "/organizer/audit.csv?event=" + url.QueryEscape(e.ID)
	if n, err := strconv.Atoi(c.QueryParam("released")); err == nil && n > 0 {
		v.Notice = p.Tf("history.released", "n", n)
	}
	extra(v, p)
	p.Title = p.Tf("history.title", "event", v.EventTitle.Text)
	p.Audit = v
	return s.render(c, status, "history", p)
}

// releaseForm publishes an event's draft from its history page: the form
// carries the draft's ETag the organizer reviewed, so a draft changed
// since is not published unseen.
func (s *Server) releaseForm(c echo.Context) error {
	_, e, err := s.eventTab(c, tabEdit)
	if err != nil {
		return signInFirst(c, err)
	}
	v := int64(-1)
	if tag, ok := strings.CutPrefix(strings.Trim(c.FormValue("etag"), `"`), "a"); ok {
		if n, err := strconv.ParseInt(tag, 10, 64); err == nil && n > 0 {
			v = n
		}
	}
	_, r, err := s.agenda.Publish(c.Request().Context(), e.ID, c.FormValue("note"), principal(c).Organizer.ID, versionOrStale(v))
	var ve *agenda.ValidationError
	switch {
	case errors.Is(err, agenda.ErrConflict):
		return s.renderHistory(c, http.StatusPreconditionFailed, func(v *auditView, p *page) { v.Error = p.T("history.stale") })
	case errors.As(err, &ve):
		return s.renderHistory(c, http.StatusUnprocessableEntity, func(v *auditView, p *page) { v.Error = p.T("history.bad_note") })
	case err != nil:
		return err
	}
	s.audit(c, audit.Entry{Action: audit.AgendaReleased, Event: audit.RefTo(e), Release: r.Number})
	return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(e.ID)+"/history?released="+strconv.Itoa(r.Number))
}

// actionLabel names an action in the page's language (each key literal,
// so that the catalog test sees it used).
func actionLabel(p *page, a audit.Action) string {
	switch a {
	case audit.EventCreated:
		return p.T("audit.action.event_created")
	case audit.EventChanged:
		return p.T("audit.action.event_changed")
	case audit.EventPublished:
		return p.T("audit.action.event_published")
	case audit.EventCancelled:
		return p.T("audit.action.event_cancelled")
	case audit.EventDeleted:
		return p.T("audit.action.event_deleted")
	case audit.AgendaChanged:
		return p.T("audit.action.agenda_changed")
	case audit.AgendaReleased:
		return p.T("audit.action.agenda_released")
	case audit.InviteCreated:
		return p.T("audit.action.invite_created")
	case audit.InviteRevoked:
		return p.T("audit.action.invite_revoked")
	case audit.SourceCreated:
		return p.T("audit.action.source_created")
	case audit.SourceChanged:
		return p.T("audit.action.source_changed")
	case audit.SourceDeleted:
		return p.T("audit.action.source_deleted")
	case audit.InstitutionCreated:
		return p.T("audit.action.institution_created")
	case audit.InstitutionChanged:
		return p.T("audit.action.institution_changed")
	case audit.InstitutionAccredited:
		return p.T("audit.action.institution_accredited")
	case audit.InstitutionDeleted:
		return p.T("audit.action.institution_deleted")
	case audit.InstitutionsImported:
		return p.T("audit.action.institutions_imported")
	}
	return string(a)
}

// roleLabel names an invitation's role in the page's language.
func roleLabel(p *page, role string) string {
	switch realtime.Role(role) {
	case realtime.RoleHost:
		return p.T("audit.role.host")
	case realtime.RoleSpeaker:
		return p.T("audit.role.speaker")
	case realtime.RoleInterpreter:
		return p.T("audit.role.interpreter")
	case realtime.RoleParticipant:
		return p.T("audit.role.participant")
	case realtime.RoleObserver:
		return p.T("audit.role.observer")
	}
	return role
}
