package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// webinarView is what the registration pages need: the public form (on
// the event page and the registration page), a registrant's personal
// page, and the organizer's list.
type webinarView struct {
	Form       *regFormView
	Registrant *registrantView
	Organizer  *regOrganizerView
	// Attendance is the organizer's attendance tab (attendance.go).
	Attendance *attendanceView
}

// regFormView is the public registration form of one event.
type regFormView struct {
	Action     string
	Pseudonyms bool
	// Email: "optional", "required" or "none".
	Email     string
	Questions []regQuestionView
	Languages []option
	// Error is a message for the whole form; Fields one per field (by
	// input name), both in the page language.
	Error  string
	Fields map[string]string
	// Values are the submitted values, to fill the form again.
	Name, EmailValue string
	Pseudonym        bool
}

type regQuestionView struct {
	ID, Kind string
	Label    localText
	Required bool
	MaxRunes int
	Options  []regOptionView
	Value    string
	Error    string
}

type regOptionView struct {
	ID      string
	Label   localText
	Checked bool
}

// registrantView is a registrant's personal page.
type registrantView struct {
	Token, Name, Status, StatusKey string
	Position                       int
	Message                        string
	JoinURL, ICSURL, CancelURL     string
	CanCancel                      bool
}

// regOrganizerView is the organizer's registrations page.
type regOrganizerView struct {
	ID, CSRF        string
	Form            registration.Form
	Statuses        []option
	Query           string
	Rows            []regRow
	CSVURL          string
	Approvals       []option
	EmailRules      []option
	Deadline        string
	PlacesHeld, Cap int
	// Languages are the languages of the questions' labels, named in the
	// page language (the questions editor).
	Languages []option
}

type regRow struct {
	ID, Name, Email, Language, Status, StatusKey, Registered string
	Seq                                                      int64
	Pseudonym, Pending, Live                                 bool
}

// registrationForm returns the public form of e for p, or nil when e takes
// no registrations.
func (s *Server) registrationForm(ctx context.Context, p *page, e agenda.Event) (*regFormView, error) {
	if s.reg == nil {
		return nil, nil
	}
	f, err := s.reg.svc.Form(ctx, e.ID)
	if errors.Is(err, registration.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !f.Open || !s.cfg.Now().Before(f.Closes()) {
		return nil, nil
	}
	v := &regFormView{Action: "/events/" + url.PathEscape(e.ID) + "/register", Pseudonyms: f.Pseudonyms, Email: string(f.Email), Fields: map[string]string{}}
	for _, q := range f.Questions {
		qv := regQuestionView{ID: q.ID, Kind: string(q.Kind), Label: p.text(q.Label), Required: q.Required, MaxRunes: q.MaxRunes}
		for _, o := range q.Options {
			qv.Options = append(qv.Options, regOptionView{ID: o.ID, Label: p.text(o.Label)})
		}
		v.Questions = append(v.Questions, qv)
	}
	for _, l := range s.langs {
		v.Languages = append(v.Languages, option{Value: l, Label: s.pages.cats.in(l).T("language.native"), Selected: l == p.lang})
	}
	return v, nil
}

// maxFormValues bounds the values one submitted form may carry.
const maxFormValues = 400

// requestOf reads the registration form's fields into a request.
func requestOf(c echo.Context, v *regFormView) (registration.Request, error) {
	form, err := c.FormParams()
	if err != nil {
		return registration.Request{}, badRequest("bad_request", "", "unreadable form")
	}
	n := 0
	for _, vs := range form {
		n += len(vs)
	}
	if n > maxFormValues {
		return registration.Request{}, badRequest("too_many_fields", "", "too many form fields")
	}
	req := registration.Request{Name: form.Get("name"), Email: form.Get("email"), Language: form.Get("language"),
		Pseudonym: form.Get("pseudonym") == "yes", Answers: map[string]registration.Answer{}}
	for i := range v.Questions {
		q := &v.Questions[i]
		key := "answers." + q.ID
		switch registration.Kind(q.Kind) {
		case registration.KindText:
			if t := form.Get(key); t != "" {
				req.Answers[q.ID] = registration.Answer{Text: t}
				q.Value = t
			}
		case registration.KindChoice, registration.KindChoices:
			if cs := form[key]; len(cs) > 0 {
				req.Answers[q.ID] = registration.Answer{Choices: cs}
				for j := range q.Options {
					q.Options[j].Checked = slices.Contains(cs, q.Options[j].ID)
				}
			}
		case registration.KindConsent:
			if form.Get(key) == "yes" {
				req.Answers[q.ID] = registration.Answer{Consent: true}
				q.Value = "yes"
			}
		}
	}
	v.Name, v.EmailValue, v.Pseudonym = req.Name, req.Email, req.Pseudonym
	for i := range v.Languages {
		v.Languages[i].Selected = v.Languages[i].Value == req.Language
	}
	return req, nil
}

// regBodyLimited caps a registration's body at regBodyLimit and answers an
// oversized one in the caller's terms: the API names the limit that
// applies (not the server's), the page (forPage) says so in the person's
// language.
func regBodyLimited(forPage bool) echo.MiddlewareFunc {
	limit := middleware.BodyLimit(regBodyLimit)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := limit(next)
		return func(c echo.Context) error {
			err := h(c)
			var he *echo.HTTPError
			if !errors.As(err, &he) || he.Code != http.StatusRequestEntityTooLarge {
				return err
			}
			if forPage {
				return &pageError{Status: http.StatusRequestEntityTooLarge, Title: "registration.title", Body: "registration.too_large"}
			}
			return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "a registration is at most " + regBodyLimit + "B"}
		}
	}
}

// registrationPage renders GET /events/{id}/register: the form alone.
func (s *Server) registrationPage(c echo.Context) error {
	return s.renderRegistration(c, nil)
}

// registerForm handles the form's POST: the personal page on success (or
// a page saying the link was mailed), the form with its errors otherwise.
func (s *Server) registerForm(c echo.Context) error {
	return s.renderRegistration(c, func(p *page, e agenda.Event, v *regFormView) (bool, error) {
		req, err := requestOf(c, v)
		if err != nil {
			// Unreadable, or more fields than any form has: said in the
			// person's language, on the form.
			v.Error = p.T("registration.too_many_fields")
			c.Response().Status = http.StatusBadRequest
			return false, nil
		}
		out, err := s.register(c.Request().Context(), e, req)
		var ae *apiError
		if errors.As(err, &ae) && ae.Status < 500 {
			switch ae.Code {
			case "registration_closed", "registration_deadline":
				v.Error = p.T("registration.closed")
			case "invalid":
				v.Error = p.T("registration.fix_fields")
				for f := range ae.Fields {
					name, _, _ := strings.Cut(f, "[")
					v.Fields[name] = p.T("registration.field_invalid")
					for i := range v.Questions {
						if name == "answers."+v.Questions[i].ID {
							v.Questions[i].Error = p.T("registration.field_invalid")
						}
					}
				}
			default:
				v.Error = p.T("registration.fix_fields")
			}
			c.Response().Status = ae.Status
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if out.Token != "" {
			return true, c.Redirect(http.StatusSeeOther, "/r/"+out.Token)
		}
		v.Error = ""
		v.Questions = nil
		v.Fields["mailed"] = p.T("registration.mailed")
		return false, nil
	})
}

// renderRegistration renders the registration page of :id; submit, when
// set, handles a POST first (done: it has answered).
func (s *Server) renderRegistration(c echo.Context, submit func(*page, agenda.Event, *regFormView) (bool, error)) error {
	p, e, err := s.publicEventPage(c)
	if err != nil {
		return err
	}
	v, err := s.registrationForm(c.Request().Context(), p, e)
	if err != nil {
		return err
	}
	if v == nil {
		return &pageError{Status: http.StatusConflict, Title: "registration.title", Body: "registration.closed"}
	}
	status := http.StatusOK
	if submit != nil {
		done, err := submit(p, e, v)
		if err != nil || done {
			return err
		}
		if c.Response().Status >= 400 {
			status = c.Response().Status
		}
	}
	d := &eventDetail{eventView: s.eventView(p, e, nil)}
	p.Event = d
	p.Title = p.Tf("registration.page_title", "event", d.Title.Text)
	p.Webinar = &webinarView{Form: v}
	return s.render(c, status, "registration", p)
}

// registrantPage renders GET /r/{token}: the registrant's status, join
// link, cancel button and calendar file, in their language unless ?lang=
// asks for another.
func (s *Server) registrantPage(c echo.Context) error {
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	pg, e, err := s.registrantOf(c)
	if err != nil {
		return err
	}
	r := pg.Registration
	if c.QueryParam("lang") == "" && s.pages.cats.has(r.Language) {
		p.messages, p.Dir = s.pages.cats.in(r.Language), dir(r.Language)
		p.Langs = s.langLinks(c, r.Language)
	}
	token := c.Param("token")
	v := &registrantView{Token: token, Name: r.Name, StatusKey: string(r.Status), Status: registrationStatusLabel(p, r.Status),
		Position: pg.Position, Message: r.Message, ICSURL: "/r/" + token + "/event.ics", CancelURL: "/r/" + token + "/cancel",
		CanCancel: r.Status != registration.StatusDeclined && s.cfg.Now().Before(e.End)}
	if pg.CanJoin {
		v.JoinURL = "/events/" + url.PathEscape(e.ID) + "/session?token=" + url.QueryEscape(token)
	}
	d := &eventDetail{eventView: s.eventView(p, e, nil)}
	p.Event = d
	p.Title = d.Title.Text
	p.Webinar = &webinarView{Registrant: v}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return s.render(c, http.StatusOK, "registrant", p)
}

// registrantOf resolves /r/{token}: forged, cancelled and forgotten links
// and hidden events all give the same not-found page.
func (s *Server) registrantOf(c echo.Context) (registration.Page, agenda.Event, error) {
	token := c.Param("token")
	if s.reg == nil || len(token) > 128 {
		return registration.Page{}, agenda.Event{}, errPageNotFound
	}
	ctx := c.Request().Context()
	pg, err := s.reg.svc.PageOf(ctx, token)
	if errors.Is(err, registration.ErrForgedToken) || errors.Is(err, registration.ErrCancelled) {
		return registration.Page{}, agenda.Event{}, errPageNotFound
	}
	if err != nil {
		return registration.Page{}, agenda.Event{}, err
	}
	e, err := s.store.GetEvent(ctx, pg.Registration.Event)
	if errors.Is(err, agenda.ErrNotFound) {
		return registration.Page{}, agenda.Event{}, errPageNotFound
	}
	return pg, e, err
}

// cancelRegistration handles the personal page's cancel button.
func (s *Server) cancelRegistration(c echo.Context) error {
	_, e, err := s.registrantOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, promoted, err := s.reg.svc.Cancel(ctx, c.Param("token"))
	if err != nil {
		return regError(err)
	}
	s.notifyPromoted(ctx, e, promoted)
	return &pageError{Status: http.StatusOK, Title: "registration.cancelled.title", Body: "registration.cancelled.body"}
}

// registrantICS serves /r/{token}/event.ics in the registrant's language.
func (s *Server) registrantICS(c echo.Context) error {
	pg, e, err := s.registrantOf(c)
	if err != nil {
		return err
	}
	body, err := s.icsOf(e, pg.Registration.Language)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+url.PathEscape(e.ID)+`.ics"`)
	h.Set(echo.HeaderCacheControl, "private, no-store")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
}

// --- The organizer app's registrations page ---

func (s *Server) registrationsPage(c echo.Context) error {
	p, e, oe, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	if s.reg == nil {
		return errPageNotFound
	}
	ctx := c.Request().Context()
	f, err := s.reg.formOf(ctx, e.ID)
	if err != nil {
		return err
	}
	fl, err := filterOf(c)
	if err != nil {
		return err
	}
	list, err := s.reg.svc.List(ctx, e.ID, fl)
	if err != nil {
		return &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "registration.bad_filter"}
	}
	v := &regOrganizerView{ID: e.ID, CSRF: oe.CSRF, Form: f, Query: fl.Query, Cap: f.Capacity,
		CSVURL: "/api/v1/events/" + url.PathEscape(e.ID) + "/registrations/csv?lang=" + p.lang}
	v.Statuses = append(v.Statuses, option{Value: "", Label: p.T("registration.filter.all"), Selected: len(fl.Statuses) == 0})
	for _, st := range registration.Statuses {
		v.Statuses = append(v.Statuses, option{Value: string(st), Label: registrationStatusLabel(p, st),
			Selected: len(fl.Statuses) == 1 && fl.Statuses[0] == st})
	}
	for _, a := range []registration.Approval{registration.ApprovalAutomatic, registration.ApprovalManual} {
		v.Approvals = append(v.Approvals, option{Value: string(a), Label: approvalLabel(p, a), Selected: f.Approval == a})
	}
	for _, r := range []registration.EmailRule{registration.EmailOptional, registration.EmailRequired, registration.EmailNone} {
		v.EmailRules = append(v.EmailRules, option{Value: string(r), Label: emailRuleLabel(p, r), Selected: f.Email == r})
	}
	if !f.Deadline.IsZero() {
		v.Deadline = f.Deadline.In(p.loc).Format("2006-01-02T15:04")
	}
	for _, l := range s.langs {
		v.Languages = append(v.Languages, option{Value: l, Label: p.T("lang." + l)})
	}
	for _, r := range list {
		if r.Status.HoldsPlace() {
			v.PlacesHeld++
		}
		v.Rows = append(v.Rows, regRow{ID: r.ID, Seq: r.Seq, Name: r.Name, Email: r.Email, Language: p.T("lang." + r.Language),
			Status: registrationStatusLabel(p, r.Status), StatusKey: string(r.Status), Pseudonym: r.Pseudonym,
			Registered: p.Tf("date.with_time", "date", p.date(r.Created.In(p.loc)), "time", p.ltr(r.Created.In(p.loc).Format("15:04"))),
			Pending:    r.Status == registration.StatusPending,
			Live:       r.Status == registration.StatusPending || r.Status == registration.StatusApproved || r.Status == registration.StatusWaitlisted})
	}
	d := &eventDetail{eventView: s.eventView(p, e, nil)}
	p.Event = d
	p.Title = p.Tf("registration.organizer.title", "event", d.Title.Text)
	p.Webinar = &webinarView{Organizer: v}
	return s.render(c, http.StatusOK, "organizer-registrations", p)
}

// registrationsBack redirects to the registrations page.
func registrationsBack(c echo.Context, id string) error {
	return c.Redirect(http.StatusSeeOther, "/organizer/events/"+url.PathEscape(id)+"/registrations")
}

// decideForm handles the page's approve, decline and delete buttons.
func (s *Server) decideForm(c echo.Context) error {
	p, e, _, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	if s.reg == nil {
		return errPageNotFound
	}
	action := c.Param("action")
	msg := c.FormValue("message")
	if _, err := s.changeRegistration(c.Request().Context(), e, c.Param("reg"), action, msg); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status < 500 {
			return &pageError{Status: ae.Status, Title: "error.bad_request.title", Body: "registration.decision_failed"}
		}
		return err
	}
	return registrationsBack(c, e.ID)
}

// settingsForm handles the page's settings form (the page's questions
// editor saves through the API, organizer-registrations.js).
func (s *Server) settingsForm(c echo.Context) error {
	p, e, _, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	if s.reg == nil {
		return errPageNotFound
	}
	ctx := c.Request().Context()
	cur, err := s.reg.formOf(ctx, e.ID)
	if err != nil {
		return err
	}
	in := toFormJSON(cur)
	in.Open = c.FormValue("open") == "yes"
	in.Pseudonyms = c.FormValue("pseudonyms") == "yes"
	in.Approval = registration.Approval(c.FormValue("approval"))
	in.Email = registration.EmailRule(c.FormValue("email"))
	bad := func() error {
		return &pageError{Status: http.StatusUnprocessableEntity, Title: "error.bad_request.title", Body: "registration.settings_invalid"}
	}
	if in.Capacity, err = strconv.Atoi(strings.TrimSpace(c.FormValue("capacity"))); err != nil {
		return bad()
	}
	if in.RetentionDays, err = strconv.Atoi(strings.TrimSpace(c.FormValue("retention_days"))); err != nil {
		return bad()
	}
	in.Deadline = nil
	if d := strings.TrimSpace(c.FormValue("deadline")); d != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", d, p.loc)
		if err != nil {
			return bad()
		}
		in.Deadline = &t
	}
	version, err := strconv.ParseInt(c.FormValue("version"), 10, 64)
	if err != nil {
		return bad()
	}
	if _, err := s.putForm(ctx, e, in, version); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status < 500 {
			return bad()
		}
		return err
	}
	return registrationsBack(c, e.ID)
}

// withRegistration adds the registration API to the OpenAPI document.
func withRegistration(doc obj) obj {
	id := param("id", "path", "id", true)
	reg := param("reg", "path", "reg", true)
	sec := []any{obj{"bearer": []any{}}, obj{"session": []any{}}}
	schemas := doc["components"].(obj)["schemas"].(obj)
	statuses := make([]any, len(registration.Statuses))
	for i, s := range registration.Statuses {
		statuses[i] = string(s)
	}
	schemas["RegistrationForm"] = obj{"type": "object", "description": "an event's registration form; questions have id, kind (text, choice, choices, consent), label (per language), required, options (id, label), max_runes",
		"properties": obj{
			"open": obj{"type": "boolean"}, "questions": obj{"type": "array", "maxItems": registration.MaxQuestions, "items": obj{"type": "object"}},
			"approval": obj{"type": "string", "enum": []any{"automatic", "manual"}}, "capacity": obj{"type": "integer", "minimum": 0, "maximum": registration.MaxCapacity, "description": "0: no limit"},
			"deadline": obj{"type": "string", "format": "date-time", "nullable": true}, "pseudonyms": obj{"type": "boolean"},
			"email":          obj{"type": "string", "enum": []any{"optional", "required", "none"}},
			"retention_days": obj{"type": "integer", "minimum": 1, "maximum": registration.MaxRetentionDays, "description": "registrations are deleted this many days after the event (default 90)"},
			"version":        obj{"type": "integer", "readOnly": true}}}
	schemas["Registration"] = obj{"type": "object", "properties": obj{
		"id": obj{"type": "string"}, "seq": obj{"type": "integer"}, "status": obj{"type": "string", "enum": statuses},
		"name": obj{"type": "string"}, "pseudonym": obj{"type": "boolean"}, "email": obj{"type": "string"}, "language": obj{"type": "string"},
		"answers": obj{"type": "object"}, "message": obj{"type": "string"}, "history": obj{"type": "array", "items": obj{"type": "object"}},
		"created": obj{"type": "string", "format": "date-time"}}}
	ref := func(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
	jsonBody := func(schema obj) obj {
		return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
	}
	ok := func(desc string, schema obj) obj {
		return obj{"200": obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}}
	}
	paths := doc["paths"].(obj)
	paths["/events/{id}/registration"] = obj{
		"get": obj{"summary": "An event's registration form (a closed default until one is stored); ETag rN", "security": sec,
			"parameters": []any{id}, "responses": ok("the form", ref("RegistrationForm"))},
		"put": obj{"summary": "Set the registration form (If-Match: rN, or * for whatever is stored; r0 creates)", "security": sec,
			"parameters": []any{id}, "requestBody": jsonBody(ref("RegistrationForm")), "responses": ok("the stored form", ref("RegistrationForm"))},
	}
	paths["/events/{id}/registrations"] = obj{
		"get": obj{"summary": "An event's registrations in arrival order, filtered by ?status= and ?q= (name or email)", "security": sec,
			"parameters": []any{id, param("status", "query", "status", false), param("q", "query", "q", false)},
			"responses":  ok("the registrations", obj{"type": "object", "properties": obj{"registrations": obj{"type": "array", "items": ref("Registration")}}})},
		"post": obj{"summary": "Register (public; rate-limited). With a configured mailer and an address, the link is mailed and the answer is the same whether the address was registered or not",
			"parameters": []any{id}, "requestBody": jsonBody(obj{"type": "object", "properties": obj{
				"name": obj{"type": "string", "maxLength": registration.MaxNameRunes}, "pseudonym": obj{"type": "boolean"},
				"email": obj{"type": "string", "maxLength": registration.MaxEmailBytes}, "language": obj{"type": "string"}, "answers": obj{"type": "object"}}}),
			"responses": obj{"201": obj{"description": "registered (status, position, token and url unless mailed)"}}},
	}
	paths["/events/{id}/registrations/csv"] = obj{"get": obj{"summary": "Export registrations as CSV (UTF-8 with BOM; ?lang= for choice labels)", "security": sec,
		"parameters": []any{id, param("lang", "query", "lang", false)}, "responses": obj{"200": obj{"description": "text/csv"}}}}
	paths["/events/{id}/registrations/{reg}/approve"] = obj{"post": obj{"summary": "Approve a pending registration (mails the registrant)", "security": sec,
		"parameters": []any{id, reg}, "responses": ok("the registration", ref("Registration"))}}
	paths["/events/{id}/registrations/{reg}/decline"] = obj{"post": obj{"summary": "Decline a registration with a message (mails the registrant; promotes from the waitlist)", "security": sec,
		"parameters": []any{id, reg}, "requestBody": jsonBody(obj{"type": "object", "properties": obj{"message": obj{"type": "string", "maxLength": registration.MaxMessageRunes}}}),
		"responses": ok("the registration", ref("Registration"))}}
	paths["/events/{id}/registrations/{reg}"] = obj{"delete": obj{"summary": "Delete one person's registration and every trace of it (on request)", "security": sec,
		"parameters": []any{id, reg}, "responses": obj{"204": obj{"description": "deleted"}}}}
	return doc
}

// registrationStatusLabel names a registration status in the page
// language.
func registrationStatusLabel(p *page, st registration.Status) string {
	switch st {
	case registration.StatusPending:
		return p.T("registration.status.pending")
	case registration.StatusApproved:
		return p.T("registration.status.approved")
	case registration.StatusWaitlisted:
		return p.T("registration.status.waitlisted")
	case registration.StatusDeclined:
		return p.T("registration.status.declined")
	}
	return p.T("registration.status.cancelled")
}

// approvalLabel names an approval mode in the page language.
func approvalLabel(p *page, a registration.Approval) string {
	if a == registration.ApprovalManual {
		return p.T("registration.approval.manual")
	}
	return p.T("registration.approval.automatic")
}

// emailRuleLabel names an email rule in the page language.
func emailRuleLabel(p *page, r registration.EmailRule) string {
	switch r {
	case registration.EmailRequired:
		return p.T("registration.email.required")
	case registration.EmailNone:
		return p.T("registration.email.none")
	}
	return p.T("registration.email.optional")
}
