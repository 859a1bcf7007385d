package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/registration"
)

// upgrader checks origins itself (originAllowed), before upgrading. An
// idle connection holds as little memory as it can (thousands share a
// room): a 288-byte read buffer that realtime.Upgrade makes (with
// ReadBufferSize 0; net/http's 4 KiB one is freed with the request once
// the handler returns), and a 4 KiB write buffer borrowed from a pool only
// while writing a message. realtime.Upgrade batches the writes.
// Measured with scripts/bench-rooms and scripts/bench-peers
// (docs/BENCHMARKS.md).
var upgrader = websocket.Upgrader{
	ReadBufferSize:  0, // realtime.Upgrade's own (288 bytes)
	WriteBufferSize: 4096,
	WriteBufferPool: &sync.Pool{},
	CheckOrigin:     func(*http.Request) bool { return true },
}

// originAllowed accepts requests without an Origin (not from a browser)
// and browser requests from majlis's own pages or a configured origin.
func (s *Server) originAllowed(origin string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	if base, err := url.Parse(s.cfg.BaseURL); err == nil && strings.ToLower(base.Scheme+"://"+base.Host) == o {
		return true
	}
	for _, a := range s.cfg.AllowedOrigins {
		if strings.ToLower(strings.TrimRight(a, "/")) == o {
			return true
		}
	}
	return false
}

func (s *Server) joinRoom(c echo.Context) error {
	req := c.Request()
	for name := range c.QueryParams() {
		if !slices.Contains([]string{"token", "name", "since", "epoch"}, name) {
			return badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q (known: token, name, since, epoch)", name))
		}
	}
	if !s.originAllowed(req.Header.Get("Origin")) {
		return &apiError{Status: http.StatusForbidden, Code: "forbidden_origin", Message: "pages from this origin may not open rooms"}
	}
	e, err := s.visibleEvent(c) // organizers by header; invitations checked below
	hidden := false             // the event exists, but only the token may show it
	if errors.Is(err, errNotFound) && c.QueryParam("token") != "" {
		e, err = s.store.GetEvent(req.Context(), c.Param("id"))
		if errors.Is(err, agenda.ErrNotFound) {
			err = errNotFound
		}
		hidden = err == nil
	}
	if err != nil {
		return err
	}
	m, err := s.roomMember(c, e)
	if err != nil && hidden {
		// A bad token for an event the caller may not see gets the answer
		// a missing event gets: a 401 would tell that it exists.
		return errNotFound
	}
	if err != nil {
		return err
	}
	if e.Status == agenda.StatusCancelled {
		return &apiError{Status: http.StatusGone, Code: "cancelled", Message: "this event was cancelled"}
	}
	var since *realtime.Position
	if v := c.QueryParam("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("invalid", "since", "must be the seq of the last message received (a whole number)")
		}
		since = &realtime.Position{Seq: n, Epoch: c.QueryParam("epoch")}
	}
	if len(c.QueryParam("epoch")) > realtime.MaxEpoch {
		return badRequest("too_long", "epoch", fmt.Sprintf("must be the epoch of the welcome (at most %d characters)", realtime.MaxEpoch))
	}
	var header http.Header
	if strings.HasPrefix(m.Subject, "anonymous:") && e.Kind == agenda.KindWebinar {
		m.Subject, header = s.visitorSubject(req, e) // one person across reconnects (webinar_visitor.go)
	}
	conn, err := realtime.Upgrade(&upgrader, c.Response(), req, header)
	if err != nil {
		return nil // the upgrader has answered
	}
	if inv, ok := strings.CutPrefix(m.Subject, "invite:"); ok {
		// When an invitation was last used is a hint for its organizers,
		// not worth refusing a join for.
		if err := s.store.InviteJoined(req.Context(), e.ID, inv, s.cfg.Now()); err != nil {
			s.log.Warn("room: record an invitation's join", "room", e.ID, "err", err)
		}
	}
	// The room serves the connection on goroutines of its own; this
	// handler (and the request's memory) ends now.
	if err := s.rooms.Accept(conn, e.ID, m, since); err != nil && !errors.Is(err, realtime.ErrShuttingDown) {
		s.log.Warn("room: join failed", "room", e.ID, "err", err)
	}
	return nil
}

// roomMember decides who the caller is in the room of e: an organizer
// (header or ?token=), an invitee (?token=mjj_…, checked against the
// stored invitation at every join), or, for public events, an anonymous
// participant named by ?name=.
func (s *Server) roomMember(c echo.Context, e agenda.Event) (realtime.Member, error) {
	ctx := c.Request().Context()
	p := principal(c)
	token := c.QueryParam("token")
	switch {
	case token != "" && access.IsInvite(token):
		inv, err := access.Admit(ctx, s.store, token, e, s.cfg.Now())
		if errors.Is(err, access.ErrBadInvite) {
			return realtime.Member{}, &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "the join token is invalid, expired, revoked or for another event"}
		}
		if err != nil {
			return realtime.Member{}, err
		}
		return realtime.Member{Name: inv.Name, Role: realtime.Role(inv.Role), Institution: inv.Institution,
			Languages: inv.Languages, Booth: inv.Booth, Subject: "invite:" + inv.ID}, nil
	case token != "" && registration.IsToken(token):
		return s.registrantMember(ctx, token, e)
	case token != "":
		if len(token) > 256 {
			return realtime.Member{}, access.ErrUnauthorized
		}
		o, err := access.Authenticate(ctx, s.store, token)
		if err != nil {
			return realtime.Member{}, err
		}
		p = access.Principal{Organizer: &o}
	}
	if p.Organizer != nil {
		if !p.CanSee(e) {
			return realtime.Member{}, errNotFound
		}
		role := realtime.RoleParticipant
		if p.CanEdit(e) {
			role = realtime.RoleHost
		}
		return realtime.Member{Name: p.Organizer.Name, Role: role, Subject: "organizer:" + p.Organizer.ID}, nil
	}
	if !(access.Principal{}).CanSee(e) {
		return realtime.Member{}, errNotFound
	}
	// A display name is cleaned, not refused: usertext.Clean drops what
	// could disguise it (bidi overrides, control characters).
	name := usertext.Clean(c.QueryParam("name"), usertext.Line)
	if name == "" || usertext.Len(name) > realtime.MaxName {
		return realtime.Member{}, badRequest("invalid", "name", fmt.Sprintf("a display name of 1 to %d characters is required to join without a token", realtime.MaxName))
	}
	return realtime.Member{Name: name, Role: realtime.RoleParticipant, Subject: "anonymous:" + agenda.NewID("a")}, nil
}

// isControl reports a character usertext forbids in one line: a control
// character, a bidi override or isolate, a line break or a tab.
func isControl(r rune) bool { return !usertext.Allowed(r, usertext.Line) }

// Shutdown closes every room connection ("going away", so clients resume
// elsewhere) and waits for them, or for ctx. http.Server.Shutdown does not
// see hijacked websocket connections; call both.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.reg.close()
	return s.rooms.Shutdown(ctx)
}
