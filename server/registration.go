package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/registration"
)

// RegistrationStore is what webinar registration needs from storage: the
// registration.Store, and MarkOnce for jobs that run on every instance
// (a reminder goes out from the one instance that marks it first).
type RegistrationStore interface {
	registration.Store
	MarkOnce(ctx context.Context, event, mark string) (bool, error)
}

// mailQueueSize bounds the mails waiting for the relay; beyond it a mail
// is dropped (and logged): the registrant's page shows everything anyway.
const mailQueueSize = 1000

// regBodyLimit caps a registration's body: 30 questions of at most 2,000
// characters fit many times over.
const regBodyLimit = "256K"

// webinars wires package registration into the server: the service, the
// optional mailer and its queue.
type webinars struct {
	svc    *registration.Service
	store  RegistrationStore
	mailer registration.Mailer // nil: no mail is sent
	// mails feeds the one sender goroutine; closed once by close (mu).
	mails  chan registration.Message
	mu     sync.Mutex // mu guards closed
	closed bool
	wg     sync.WaitGroup
}

// newWebinars returns the registration wiring over st, or nil when the
// store keeps no registrations.
func newWebinars(cfg Config, st Store, langs []string) *webinars {
	rs, ok := st.(RegistrationStore)
	if !ok {
		return nil
	}
	w := &webinars{store: rs, mailer: cfg.Mailer,
		svc: registration.New(registration.Config{Languages: langs, Now: cfg.Now,
			// Without a mailer nobody can be told privately that their
			// address is taken; refusing would tell anyone.
			SameEmailTwice: cfg.Mailer == nil}, rs)}
	if w.mailer != nil {
		w.mails = make(chan registration.Message, mailQueueSize)
		w.wg.Add(1)
		go w.send(cfg)
	}
	return w
}

// send is the mail sender: it owns the receiving end of w.mails and
// returns when close has closed it and the queue is empty.
func (w *webinars) send(cfg Config) {
	defer w.wg.Done()
	for m := range w.mails {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := w.mailer.Send(ctx, m); err != nil {
			cfg.Logger.Warn("registration: mail not sent", "kind", "registrant mail", "err", err)
		}
		cancel()
	}
}

// close stops taking mails and waits for the queue to drain.
func (w *webinars) close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	if !w.closed && w.mails != nil {
		close(w.mails)
	}
	w.closed = true
	w.mu.Unlock()
	w.wg.Wait()
}

// queue hands a mail to the sender without waiting.
func (w *webinars) queue(m registration.Message) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.mails == nil {
		return false
	}
	select {
	case w.mails <- m:
		return true
	default:
		return false
	}
}

// registrantURL is a registrant's personal page.
func (s *Server) registrantURL(token string) string { return s.cfg.BaseURL + "/r/" + token }

// notify composes and queues a mail of kind to r (with a fresh personal
// link unless token is given); it does nothing without a mailer or an
// address.
func (s *Server) notify(ctx context.Context, kind registration.MailKind, r registration.Registration, e agenda.Event, token string, position int) {
	w := s.reg
	if w == nil || w.mailer == nil || r.Email == "" {
		return
	}
	if token == "" {
		var err error
		if token, err = w.svc.IssueLink(ctx, r.Event, r.ID); err != nil {
			s.log.Warn("registration: no link for a mail", "event", r.Event, "err", err)
			return
		}
	}
	m, err := registration.Compose(registration.Mail{Kind: kind, Registration: r, Event: e, PageURL: s.registrantURL(token), Position: position})
	if err != nil {
		s.log.Warn("registration: compose mail", "kind", kind, "err", err)
		return
	}
	if !w.queue(m) {
		s.log.Warn("registration: mail queue full or closed; mail dropped", "kind", kind)
	}
}

// notifyPromoted tells each promoted registrant that a place is theirs.
func (s *Server) notifyPromoted(ctx context.Context, e agenda.Event, promoted []registration.Registration) {
	for _, r := range promoted {
		s.notify(ctx, registration.MailPromotion, r, e, "", 0)
	}
}

// regError maps a registration error to an API error; others pass.
func regError(err error) error {
	var ve *registration.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: "the request breaks a rule; see fields", Fields: ve.Fields}
	case errors.Is(err, registration.ErrNotFound):
		return errNotFound
	case errors.Is(err, registration.ErrConflict):
		return &apiError{Status: http.StatusPreconditionFailed, Code: "precondition_failed", Message: "the registration form changed since you read it; fetch it again and retry"}
	case errors.Is(err, registration.ErrClosed):
		return &apiError{Status: http.StatusConflict, Code: "registration_closed", Message: "this event takes no registrations"}
	case errors.Is(err, registration.ErrDeadline):
		return &apiError{Status: http.StatusConflict, Code: "registration_deadline", Message: "the registration deadline has passed"}
	case errors.Is(err, registration.ErrState):
		return &apiError{Status: http.StatusConflict, Code: "invalid_state", Message: "the registration is not in a state this applies to"}
	case errors.Is(err, registration.ErrForgedToken), errors.Is(err, registration.ErrCancelled):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no registration has this link"}
	case errors.Is(err, registration.ErrUnavailable):
		return fmt.Errorf("%w (%w)", err, agenda.ErrUnavailable)
	}
	return err
}

// registrations returns the wiring, or a 404 when the store keeps none.
func (s *Server) registrations() (*webinars, error) {
	if s.reg == nil {
		return nil, errNotFound
	}
	return s.reg, nil
}

// --- The organizer's API ---

// formJSON is a registration form as the API shows and takes it.
type formJSON struct {
	Open          bool                    `json:"open"`
	Questions     []registration.Question `json:"questions"`
	Approval      registration.Approval   `json:"approval"`
	Capacity      int                     `json:"capacity"`
	Deadline      *time.Time              `json:"deadline"`
	Pseudonyms    bool                    `json:"pseudonyms"`
	Email         registration.EmailRule  `json:"email"`
	RetentionDays int                     `json:"retention_days"`
	// Version is set in answers only (send it back in If-Match as "rN").
	Version int64 `json:"version,omitempty"`
}

func toFormJSON(f registration.Form) formJSON {
	out := formJSON{Open: f.Open, Questions: f.Questions, Approval: f.Approval, Capacity: f.Capacity, Pseudonyms: f.Pseudonyms,
		Email: f.Email, RetentionDays: f.RetentionDays, Version: f.Version}
	if out.Questions == nil {
		out.Questions = []registration.Question{}
	}
	if !f.Deadline.IsZero() {
		d := f.Deadline.UTC()
		out.Deadline = &d
	}
	return out
}

// formOf returns an event's form, or the default closed form (version 0).
func (w *webinars) formOf(ctx context.Context, event string) (registration.Form, error) {
	f, err := w.svc.Form(ctx, event)
	if errors.Is(err, registration.ErrNotFound) {
		return registration.Form{Event: event, Approval: registration.ApprovalAutomatic, Email: registration.EmailOptional,
			RetentionDays: registration.DefaultRetentionDays}, nil
	}
	return f, err
}

func (s *Server) getRegistrationForm(c echo.Context) error {
	w, err := s.registrations()
	if err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	f, err := w.formOf(c.Request().Context(), e.ID)
	if err != nil {
		return regError(err)
	}
	c.Response().Header().Set(headerETag, etag("r", f.Version))
	return c.JSON(http.StatusOK, toFormJSON(f))
}

// putForm stores in as e's form at version v (-1: whatever is stored)
// and tells the promoted.
func (s *Server) putForm(ctx context.Context, e agenda.Event, in formJSON, v int64) (registration.Form, error) {
	w := s.reg
	if v < 0 {
		cur, err := w.formOf(ctx, e.ID)
		if err != nil {
			return registration.Form{}, regError(err)
		}
		v = cur.Version
	}
	f := registration.Form{Open: in.Open, Questions: in.Questions, Approval: in.Approval, Capacity: in.Capacity,
		Pseudonyms: in.Pseudonyms, Email: in.Email, RetentionDays: in.RetentionDays}
	if in.Deadline != nil {
		f.Deadline = in.Deadline.UTC()
	}
	out, promoted, err := w.svc.PutForm(ctx, e, f, v)
	if err != nil {
		return registration.Form{}, regError(err)
	}
	s.notifyPromoted(ctx, e, promoted)
	return out, nil
}

func (s *Server) putRegistrationForm(c echo.Context) error {
	if _, err := s.registrations(); err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	v, err := ifMatch(c, "r")
	if err != nil {
		return err
	}
	var in formJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(c.Request().Header.Get("If-Match")) == "*":
		v = -1 // whatever is stored
	case v < 0:
		return regError(registration.ErrConflict)
	}
	f, err := s.putForm(c.Request().Context(), e, in, v)
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, etag("r", f.Version))
	return c.JSON(http.StatusOK, toFormJSON(f))
}

// registrationJSON is a registration as organizers see it: no token
// hashes, no email key.
type registrationJSON struct {
	ID        string                         `json:"id"`
	Seq       int64                          `json:"seq"`
	Status    registration.Status            `json:"status"`
	Name      string                         `json:"name"`
	Pseudonym bool                           `json:"pseudonym"`
	Email     string                         `json:"email,omitempty"`
	Language  string                         `json:"language"`
	Answers   map[string]registration.Answer `json:"answers"`
	Message   string                         `json:"message,omitempty"`
	History   []registration.Step            `json:"history"`
	Created   time.Time                      `json:"created"`
}

func toRegistrationJSON(r registration.Registration) registrationJSON {
	out := registrationJSON{ID: r.ID, Seq: r.Seq, Status: r.Status, Name: r.Name, Pseudonym: r.Pseudonym, Email: r.Email,
		Language: r.Language, Answers: r.Answers, Message: r.Message, History: r.History, Created: r.Created}
	if out.Answers == nil {
		out.Answers = map[string]registration.Answer{}
	}
	return out
}

// filterOf reads ?status= (repeatable or comma-separated) and ?q=.
func filterOf(c echo.Context) (registration.Filter, error) {
	var fl registration.Filter
	for _, v := range c.QueryParams()["status"] {
		for st := range strings.SplitSeq(v, ",") {
			if st = strings.TrimSpace(st); st != "" && len(fl.Statuses) < len(registration.Statuses) {
				fl.Statuses = append(fl.Statuses, registration.Status(st))
			}
		}
	}
	fl.Query = c.QueryParam("q")
	if len(fl.Query) > 800 {
		return fl, badRequest("invalid", "q", "at most 200 characters")
	}
	return fl, nil
}

// listed returns the event of an organizer's request and its
// registrations filtered by ?status= and ?q=.
func (s *Server) listed(c echo.Context) (agenda.Event, []registration.Registration, error) {
	w, err := s.registrations()
	if err != nil {
		return agenda.Event{}, nil, err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return agenda.Event{}, nil, err
	}
	fl, err := filterOf(c)
	if err != nil {
		return agenda.Event{}, nil, err
	}
	list, err := w.svc.List(c.Request().Context(), e.ID, fl)
	return e, list, regError(err)
}

func (s *Server) listRegistrations(c echo.Context) error {
	_, list, err := s.listed(c)
	if err != nil {
		return err
	}
	out := make([]registrationJSON, 0, len(list))
	for _, r := range list {
		out = append(out, toRegistrationJSON(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"registrations": out})
}

func (s *Server) exportRegistrations(c echo.Context) error {
	lang := c.QueryParam("lang")
	if lang == "" {
		lang = "en"
	}
	if !slices.Contains(s.langs, lang) {
		return badRequest("invalid", "lang", "must be one of "+strings.Join(s.langs, ", "))
	}
	e, list, err := s.listed(c)
	if err != nil {
		return err
	}
	f, err := s.reg.formOf(c.Request().Context(), e.ID)
	if err != nil {
		return regError(err)
	}
	startPrivateCSV(c, "registrations-"+e.ID)
	return registration.WriteCSV(c.Response(), f, list, lang)
}

// startPrivateCSV answers 200 with the headers of a CSV download named
// name.csv that holds people's data: never stored by a cache.
func startPrivateCSV(c echo.Context, name string) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+url.PathEscape(name)+`.csv"`)
	h.Set(echo.HeaderCacheControl, "private, no-store")
	c.Response().WriteHeader(http.StatusOK)
}

// declineInput is the body of a decline.
type declineInput struct {
	Message string `json:"message"`
}

// changeRegistration applies an organizer's decision to one registration
// and mails whoever it concerns.
func (s *Server) changeRegistration(ctx context.Context, e agenda.Event, id, action, message string) (registration.Registration, error) {
	w := s.reg
	if len(id) > 64 {
		return registration.Registration{}, errNotFound
	}
	switch action {
	case "approve":
		r, err := w.svc.Approve(ctx, e.ID, id)
		if err != nil {
			return r, regError(err)
		}
		s.notify(ctx, registration.MailApproval, r, e, "", 0)
		return r, nil
	case "decline":
		r, promoted, err := w.svc.Decline(ctx, e.ID, id, message)
		if err != nil {
			return r, regError(err)
		}
		s.notify(ctx, registration.MailDecline, r, e, "", 0)
		s.notifyPromoted(ctx, e, promoted)
		return r, nil
	case "forget":
		promoted, err := w.svc.Forget(ctx, e.ID, id)
		if err != nil {
			return registration.Registration{}, regError(err)
		}
		// Their attendance goes with them.
		if err := s.forgetAttendance(ctx, e.ID, registrantPerson(id)); err != nil {
			return registration.Registration{}, err
		}
		s.notifyPromoted(ctx, e, promoted)
		return registration.Registration{}, nil
	}
	return registration.Registration{}, errNotFound
}

func (s *Server) approveRegistration(c echo.Context) error {
	return s.decide(c, "approve", "")
}

func (s *Server) declineRegistration(c echo.Context) error {
	var in declineInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	return s.decide(c, "decline", in.Message)
}

func (s *Server) forgetRegistration(c echo.Context) error {
	return s.decide(c, "forget", "")
}

func (s *Server) decide(c echo.Context, action, message string) error {
	if _, err := s.registrations(); err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	r, err := s.changeRegistration(c.Request().Context(), e, c.Param("reg"), action, message)
	if err != nil {
		return err
	}
	if action == "forget" {
		return c.NoContent(http.StatusNoContent)
	}
	return c.JSON(http.StatusOK, toRegistrationJSON(r))
}

// --- The registrant's side ---

// receiptJSON answers a registration. Token and URL are there only when
// no mail carries them: with a mailer and an address, every answer is
// the same whether the address was already registered or not.
type receiptJSON struct {
	Status   registration.Status `json:"status,omitempty"`
	Position int                 `json:"position,omitempty"`
	Token    string              `json:"token,omitempty"`
	URL      string              `json:"url,omitempty"`
	Mailed   bool                `json:"mailed"`
}

// register records a registrant's request for e. A duplicate address is
// answered like a success (mailed: true), and the address's owner gets a
// mail with a fresh link to their own registration instead: the answer
// never tells whether an address is registered.
func (s *Server) register(ctx context.Context, e agenda.Event, req registration.Request) (receiptJSON, error) {
	w := s.reg
	r, rc, err := w.svc.Register(ctx, e.ID, req)
	mailed := w.mailer != nil && strings.TrimSpace(req.Email) != ""
	if errors.Is(err, registration.ErrDuplicate) && mailed {
		s.remindRegistered(ctx, e, req.Email)
		return receiptJSON{Mailed: true}, nil
	}
	if err != nil {
		return receiptJSON{}, regError(err)
	}
	s.notify(ctx, registration.MailConfirmation, r, e, rc.Token, rc.Position)
	if mailed {
		return receiptJSON{Mailed: true}, nil
	}
	return receiptJSON{Status: r.Status, Position: rc.Position, Token: rc.Token, URL: s.registrantURL(rc.Token)}, nil
}

// remindRegistered mails the registration that holds email its page.
func (s *Server) remindRegistered(ctx context.Context, e agenda.Event, email string) {
	list, err := s.reg.svc.List(ctx, e.ID, registration.Filter{})
	if err != nil {
		s.log.Warn("registration: find a duplicate", "err", err)
		return
	}
	for _, r := range list {
		if r.Status != registration.StatusCancelled && strings.EqualFold(r.Email, strings.TrimSpace(email)) {
			kind := registration.MailConfirmation
			if r.Status == registration.StatusDeclined {
				kind = registration.MailDecline
			}
			pos := 0
			if r.Status == registration.StatusWaitlisted {
				for _, x := range list {
					if x.Status == registration.StatusWaitlisted && x.Seq <= r.Seq {
						pos++
					}
				}
			}
			s.notify(ctx, kind, r, e, "", pos)
			return
		}
	}
}

// publicEvent is an event anyone may see, for the registrant's side.
func (s *Server) publicEvent(c echo.Context) (agenda.Event, error) {
	id := c.Param("id")
	if len(id) > 64 {
		return agenda.Event{}, errNotFound
	}
	e, err := s.store.GetEvent(c.Request().Context(), id)
	if errors.Is(err, agenda.ErrNotFound) || (err == nil && !(access.Principal{}).CanSee(e)) {
		return agenda.Event{}, errNotFound
	}
	return e, err
}

func (s *Server) registerAPI(c echo.Context) error {
	if _, err := s.registrations(); err != nil {
		return err
	}
	e, err := s.publicEvent(c)
	if err != nil {
		return err
	}
	var req registration.Request
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	out, err := s.register(c.Request().Context(), e, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// registrantMember admits a registrant's personal link to e's room as a
// participant while the registration is approved and the event has not
// ended.
func (s *Server) registrantMember(ctx context.Context, token string, e agenda.Event) (realtime.Member, error) {
	bad := &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "the join token is invalid, expired, revoked or for another event"}
	if s.reg == nil {
		return realtime.Member{}, bad
	}
	pg, err := s.reg.svc.PageOf(ctx, token)
	if errors.Is(err, registration.ErrForgedToken) || errors.Is(err, registration.ErrCancelled) {
		return realtime.Member{}, bad
	}
	if err != nil {
		return realtime.Member{}, err
	}
	if pg.Registration.Event != e.ID || !pg.CanJoin || e.Status == agenda.StatusCancelled {
		return realtime.Member{}, bad
	}
	return realtime.Member{Name: pg.Registration.Name, Role: realtime.RoleParticipant, Languages: []string{pg.Registration.Language},
		Subject: "registrant:" + pg.Registration.ID}, nil
}

// icsOf is an event as a one-event calendar in lang.
func (s *Server) icsOf(e agenda.Event, lang string) ([]byte, error) {
	e.Invitees = nil
	f := calendar.Feed{Lang: lang, BaseURL: s.cfg.BaseURL, UIDDomain: s.cfg.UIDDomain, Events: []agenda.Event{e},
		Audience: agenda.VisibilityConfidential}
	return f.Encode()
}
