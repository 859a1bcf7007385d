package server

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/attendance"
	"github.com/majlis/majlis/registration"
)

// Attendance reports (issue 16): the rooms record visits (realtime's
// recorder, into the store); here an organizer reads them per person,
// with the event's approved registrants who never came, as a page, JSON
// and CSV, and deletes one person's. They go with the registrations'
// retention (purgeRetained).

// registrantPerson is the attendance person of a registration.
func registrantPerson(id string) string { return "registrant:" + id }

// attendanceStore returns the store's attendance, or a 404 when it keeps
// none.
func (s *Server) attendanceStore() (attendance.Store, error) {
	st, ok := s.store.(attendance.Store)
	if !ok {
		return nil, errNotFound
	}
	return st, nil
}

// attendanceOf is e's attendance per person: the room's visits, the
// registrants named as they registered (a pseudonym stays one), and the
// approved registrants who never came.
func (s *Server) attendanceOf(ctx context.Context, e agenda.Event) ([]attendance.Row, error) {
	st, err := s.attendanceStore()
	if err != nil {
		return nil, err
	}
	l, err := st.Visits(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	rows := attendance.Report(l, s.cfg.Now())
	if s.reg == nil {
		return rows, nil
	}
	regs, err := s.reg.svc.List(ctx, e.ID, registration.Filter{})
	if err != nil {
		return nil, regError(err)
	}
	byPerson := make(map[string]registration.Registration, len(regs))
	for _, r := range regs {
		byPerson[registrantPerson(r.ID)] = r
	}
	came := make(map[string]bool, len(rows))
	for i := range rows {
		came[rows[i].Person] = true
		if r, ok := byPerson[rows[i].Person]; ok {
			rows[i].Name, rows[i].Pseudonym = r.Name, r.Pseudonym
		}
	}
	for _, r := range regs {
		if r.Status == registration.StatusApproved && !came[registrantPerson(r.ID)] {
			rows = append(rows, attendance.Row{Person: registrantPerson(r.ID), Kind: attendance.KindRegistrant, Name: r.Name,
				Pseudonym: r.Pseudonym, Channels: []string{}})
		}
	}
	return rows, nil
}

// forgetAttendance deletes one person's visits of event.
func (s *Server) forgetAttendance(ctx context.Context, event, person string) error {
	st, err := s.attendanceStore()
	if err != nil {
		return nil // nothing is recorded
	}
	_, err = st.ForgetVisits(ctx, event, person)
	return err
}

// purgeRetained deletes what events' webinars kept about people — the
// attendance visits, the one-way keys of who answered a poll or voted a
// question (the counts stay) — for every event whose retention has passed
// (retentionOver). Each event's retention is read once, whatever it kept.
// It is idempotent.
func (s *Server) purgeRetained(ctx context.Context, now time.Time) error {
	purges := map[string][]func(ctx context.Context, id string) (int, error){}
	collect := func(list func(context.Context) ([]string, error), purge func(context.Context, string) (int, error)) error {
		ids, err := list(ctx)
		for _, id := range ids {
			purges[id] = append(purges[id], purge)
		}
		return err
	}
	if st, err := s.attendanceStore(); err == nil {
		if err := collect(st.VisitEvents, st.PurgeVisits); err != nil {
			return err
		}
	}
	if ps, err := s.pollStore(); err == nil {
		if err := collect(ps.AnswerRooms, ps.ForgetAnswerKeys); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(purges)) {
		over, err := s.retentionOver(ctx, id, now)
		if err != nil {
			return err
		}
		if !over {
			continue
		}
		for _, purge := range purges[id] {
			if _, err := purge(ctx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// retentionOver reports whether what an event's webinar kept about people
// is due for deletion at now: its registration form's retention_days (or
// the default) after its end; an event that no longer exists keeps
// nothing.
func (s *Server) retentionOver(ctx context.Context, id string, now time.Time) (bool, error) {
	e, err := s.store.GetEvent(ctx, id)
	switch {
	case errors.Is(err, agenda.ErrNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	days := registration.DefaultRetentionDays
	if s.reg != nil {
		if f, err := s.reg.svc.Form(ctx, id); err == nil {
			days = f.RetentionDays
		}
	}
	return !now.Before(e.End.AddDate(0, 0, days)), nil
}

// attendanceJSON is one person's attendance in the API.
type attendanceJSON struct {
	Person    string     `json:"person"`
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	Pseudonym bool       `json:"pseudonym"`
	Role      string     `json:"role,omitempty"`
	FirstJoin *time.Time `json:"first_join"`
	LastLeave *time.Time `json:"last_leave"`
	Present   bool       `json:"present"`
	Minutes   int        `json:"minutes"`
	Channels  []string   `json:"channels"`
	Visits    int        `json:"visits"`
}

func toAttendanceJSON(r attendance.Row) attendanceJSON {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	out := attendanceJSON{Person: r.Person, Kind: string(r.Kind), Name: r.Name, Pseudonym: r.Pseudonym, Role: r.Role,
		FirstJoin: at(r.First), LastLeave: at(r.Last), Present: r.Present, Minutes: r.Minutes(), Channels: r.Channels, Visits: r.Visits}
	if out.Channels == nil {
		out.Channels = []string{}
	}
	return out
}

// attended is the preamble of the attendance API: the event an organizer
// may edit, and its attendance.
func (s *Server) attended(c echo.Context) (agenda.Event, []attendance.Row, error) {
	if _, err := s.attendanceStore(); err != nil {
		return agenda.Event{}, nil, err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return agenda.Event{}, nil, err
	}
	rows, err := s.attendanceOf(c.Request().Context(), e)
	return e, rows, err
}

func (s *Server) getAttendance(c echo.Context) error {
	_, rows, err := s.attended(c)
	if err != nil {
		return err
	}
	out := make([]attendanceJSON, 0, len(rows))
	for _, r := range rows {
		out = append(out, toAttendanceJSON(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"attendance": out})
}

func (s *Server) exportAttendance(c echo.Context) error {
	e, rows, err := s.attended(c)
	if err != nil {
		return err
	}
	startPrivateCSV(c, "attendance-"+e.ID)
	return attendance.WriteCSV(c.Response(), rows)
}

// maxPerson bounds a person key in a request.
const maxPerson = 200

func (s *Server) forgetAttendanceAPI(c echo.Context) error {
	if _, err := s.attendanceStore(); err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	person := c.Param("person")
	if len(person) > maxPerson || !strings.Contains(person, ":") {
		return badRequest("invalid", "person", "a person of the attendance report (kind:id)")
	}
	if err := s.forgetAttendance(c.Request().Context(), e.ID, person); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- The organizer app's attendance page ---

// attendanceView is the attendance tab of one event.
type attendanceView struct {
	orgEvent
	Rows                 []attendanceRowView
	CSVURL               string
	Attended, Registered int // people who came; approved registrants
	RegistrantsCame      int
	Others               int // people who came without registering
	RetentionDays        int
}

type attendanceRowView struct {
	Person, Name, Kind, Role string
	Pseudonym, Present, Came bool
	First, Last              string
	Minutes, Visits          int
	Channels                 string
}

func (s *Server) attendancePage(c echo.Context) error {
	p, e, oe, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	if _, err := s.attendanceStore(); err != nil {
		return errPageNotFound
	}
	ctx := c.Request().Context()
	rows, err := s.attendanceOf(ctx, e)
	if err != nil {
		return err
	}
	v := &attendanceView{orgEvent: oe, RetentionDays: registration.DefaultRetentionDays,
		CSVURL: "/api/v1/events/" + url.PathEscape(e.ID) + "/attendance/csv"}
	if s.reg != nil {
		if f, err := s.reg.svc.Form(ctx, e.ID); err == nil {
			v.RetentionDays = f.RetentionDays
		}
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		t = t.In(p.loc)
		return p.Tf("date.with_time", "date", p.date(t), "time", p.ltr(t.Format("15:04")))
	}
	for _, r := range rows {
		came := !r.First.IsZero()
		if r.Kind == attendance.KindRegistrant {
			v.Registered++
			if came {
				v.RegistrantsCame++
			}
		} else {
			v.Others++
		}
		if came {
			v.Attended++
		}
		var chans []string
		for _, ch := range r.Channels {
			chans = append(chans, channelLabel(p, ch))
		}
		v.Rows = append(v.Rows, attendanceRowView{Person: r.Person, Name: r.Name, Kind: attendanceKindLabel(p, r.Kind), Role: r.Role,
			Pseudonym: r.Pseudonym, Present: r.Present, Came: came, First: when(r.First), Last: when(r.Last),
			Minutes: r.Minutes(), Visits: r.Visits, Channels: strings.Join(chans, ", ")})
	}
	p.Title = p.Tf("attendance.title", "event", oe.Name)
	p.Webinar = &webinarView{Attendance: v}
	return s.render(c, http.StatusOK, "organizer-attendance", p)
}

// forgetAttendanceForm handles the page's delete button of one person.
func (s *Server) forgetAttendanceForm(c echo.Context) error {
	p, e, _, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	person := c.FormValue("person")
	if len(person) > maxPerson || !strings.Contains(person, ":") {
		return &pageError{Status: http.StatusUnprocessableEntity, Title: "error.bad_request.title", Body: "attendance.forget_failed"}
	}
	if err := s.forgetAttendance(c.Request().Context(), e.ID, person); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(e.ID)+"/attendance")
}

// channelLabel names a listening channel in the page language.
func channelLabel(p *page, ch string) string {
	if ch == "floor" {
		return p.T("session.floor")
	}
	return p.T("lang." + ch)
}

// attendanceKindLabel names a kind of person in the page language.
func attendanceKindLabel(p *page, k attendance.Kind) string {
	switch k {
	case attendance.KindRegistrant:
		return p.T("attendance.kind.registrant")
	case attendance.KindInvitee:
		return p.T("attendance.kind.invitee")
	case attendance.KindOrganizer:
		return p.T("attendance.kind.organizer")
	}
	return p.T("attendance.kind.walk_in")
}

// withAttendance adds the attendance API to the OpenAPI document.
func withAttendance(doc obj) obj {
	id := param("id", "path", "event id", true)
	sec := []any{obj{"bearer": []any{}}, obj{"session": []any{}}}
	schemas := doc["components"].(obj)["schemas"].(obj)
	schemas["Attendance"] = obj{"type": "object", "description": "one person's attendance: several tabs or reconnects count once",
		"properties": obj{
			"person": obj{"type": "string", "description": "registrant:ID, invite:ID, organizer:ID or anonymous:NAME (never a token)"},
			"kind":   obj{"type": "string", "enum": []any{string(attendance.KindRegistrant), string(attendance.KindInvitee), string(attendance.KindOrganizer), string(attendance.KindWalkIn)}},
			"name":   obj{"type": "string"}, "pseudonym": obj{"type": "boolean"}, "role": obj{"type": "string"},
			"first_join": obj{"type": "string", "format": "date-time", "nullable": true, "description": "null: an approved registrant who never came"},
			"last_leave": obj{"type": "string", "format": "date-time", "nullable": true, "description": "null while present"},
			"present":    obj{"type": "boolean"}, "minutes": obj{"type": "integer", "description": "minutes present, the union of the person's visits"},
			"channels": obj{"type": "array", "items": obj{"type": "string"}, "description": "floor or a language, in the order first listened to"},
			"visits":   obj{"type": "integer", "description": "connections (tabs, reconnects)"}}}
	paths := doc["paths"].(obj)
	paths["/events/{id}/attendance"] = obj{"get": obj{"summary": "An event's attendance per person (registrants, invitees, organizers, walk-ins), with the approved registrants who never came",
		"security": sec, "parameters": []any{id},
		"responses": obj{"200": obj{"description": "the attendance", "content": obj{"application/json": obj{"schema": obj{"type": "object",
			"properties": obj{"attendance": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Attendance"}}}}}}}}}}
	paths["/events/{id}/attendance/csv"] = obj{"get": obj{"summary": "The attendance as CSV (UTF-8 with BOM; columns person, kind, name, pseudonym, role, first_join, last_leave, present, minutes, channels, visits)",
		"security": sec, "parameters": []any{id}, "responses": obj{"200": obj{"description": "text/csv"}}}}
	paths["/events/{id}/attendance/{person}"] = obj{"delete": obj{"summary": "Delete one person's attendance (on request)", "security": sec,
		"parameters": []any{id, param("person", "path", "the person's key, as in the report", true)}, "responses": obj{"204": obj{"description": "deleted"}}}}
	return doc
}
