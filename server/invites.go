package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/realtime"
)

// inviteInput is the body of POST /api/v1/events/{id}/invites.
type inviteInput struct {
	Role        string `json:"role"`
	Name        string `json:"name"`
	Institution string `json:"institution"`
	// Languages are the invitee's languages, preferred first; for an
	// interpreter, those they can take as input.
	Languages []string `json:"languages"`
	// Booth is an interpreter's target language: one the event offers.
	Booth string `json:"booth"`
	// ExpiresIn is the invitation's lifetime in seconds, from
	// minInviteLife until the event ends plus access.InviteMargin.
	// Default: until then.
	ExpiresIn *int64 `json:"expires_in"`
}

// minInviteLife is the shortest lifetime expires_in may ask for.
const minInviteLife = 60

// maxInviteLanguages bounds the languages of one invitation.
const maxInviteLanguages = 8

// inviteJSON is an invitation as the API shows it. The token is shown
// once, when the invitation is created; only its hash is kept.
type inviteJSON struct {
	ID          string   `json:"id"`
	Event       string   `json:"event"`
	Role        string   `json:"role"`
	Name        string   `json:"name"`
	Institution string   `json:"institution,omitempty"`
	Languages   []string `json:"languages"`
	Booth       string   `json:"booth,omitempty"`
	// Expires is when the invitation stops working (for the event as it
	// is now).
	Expires    string `json:"expires"`
	Created    string `json:"created"`
	By         string `json:"by"`
	Revoked    bool   `json:"revoked"`
	LastJoined string `json:"last_joined,omitempty"`
	// State, FirstJoined and Replaces: see describeInvite (people.go).
	State       string `json:"state"`
	FirstJoined string `json:"first_joined,omitempty"`
	Replaces    string `json:"replaces,omitempty"`
	// Token and URL (the page the invitee opens) are set only in the
	// answer to the creation.
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty"`
}

func inviteView(inv access.Invite, e agenda.Event) inviteJSON {
	out := inviteJSON{ID: inv.ID, Event: inv.Event, Role: inv.Role, Name: inv.Name, Institution: inv.Institution,
		Languages: inv.Languages, Booth: inv.Booth, Expires: inv.ExpiresFor(e).UTC().Format(rfc3339),
		Created: inv.Created.UTC().Format(rfc3339), By: inv.By, Revoked: inv.Revoked}
	if out.Languages == nil {
		out.Languages = []string{}
	}
	if !inv.LastJoined.IsZero() {
		out.LastJoined = inv.LastJoined.UTC().Format(rfc3339)
	}
	describeInvite(&out, inv)
	return out
}

// invitePage is the page an invitee opens (InviteURL).
func (s *Server) invitePage(inv access.Invite, token string) string {
	return InviteURL(s.cfg.BaseURL, inv, token)
}

// InviteURL is the page an invitation's token opens at baseURL: the booth
// console for an interpreter, the session page for everyone else.
func InviteURL(baseURL string, inv access.Invite, token string) string {
	page := "/session"
	if inv.Role == string(realtime.RoleInterpreter) {
		page = "/booth"
	}
	return baseURL + "/events/" + url.PathEscape(inv.Event) + page + "?token=" + url.QueryEscape(token)
}

func (s *Server) createInvite(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	var in inviteInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	if !realtime.Role(in.Role).Valid() {
		fields["role"] = "must be one of host, speaker, interpreter, participant, observer, delegate"
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > realtime.MaxName || strings.ContainsFunc(in.Name, isControl) {
		fields["name"] = fmt.Sprintf("1 to %d characters, no control characters", realtime.MaxName)
	}
	if utf8.RuneCountInString(in.Institution) > realtime.MaxName || strings.ContainsFunc(in.Institution, isControl) {
		fields["institution"] = fmt.Sprintf("at most %d characters, no control characters", realtime.MaxName)
	}
	if len(in.Languages) > maxInviteLanguages {
		fields["languages"] = fmt.Sprintf("at most %d languages", maxInviteLanguages)
	}
	for i, l := range in.Languages {
		if !slices.Contains(s.agenda.Languages(), l) {
			fields[fmt.Sprintf("languages[%d]", i)] = "must be one of " + strings.Join(s.agenda.Languages(), ", ")
		}
	}
	if in.Role == string(realtime.RoleDelegate) {
		s.checkDelegate(c.Request().Context(), in.Institution, fields)
	}
	if in.Booth != "" && (in.Role != string(realtime.RoleInterpreter) || !slices.Contains(e.Languages, in.Booth)) {
		fields["booth"] = "only for interpreters, and one of the event's languages: " + strings.Join(e.Languages, ", ")
	}
	// Created keeps its precision: it orders the listing.
	created := s.cfg.Now().UTC()
	now := created.Truncate(time.Second)
	inv := access.Invite{ID: agenda.NewID("inv"), Event: e.ID, EventCreated: e.Created, Role: in.Role, Name: in.Name, Institution: in.Institution,
		Languages: in.Languages, Booth: in.Booth, By: o.ID, Created: created}
	// An invitation lasts until its event ends plus the margin; a
	// lifetime of its own must end before then. Seconds are compared as
	// whole numbers, so that no lifetime overflows a time.Duration.
	limit := int64(inv.ExpiresFor(e).Sub(now) / time.Second)
	switch {
	case limit < minInviteLife:
		fields["expires_in"] = fmt.Sprintf("the event ended more than %d hours ago: invitations to it can no longer be issued", int(access.InviteMargin/time.Hour))
	case in.ExpiresIn != nil && (*in.ExpiresIn < minInviteLife || *in.ExpiresIn > limit):
		fields["expires_in"] = fmt.Sprintf("seconds, from %d to %d (the event's end plus %d hours); leave it out to last until then",
			minInviteLife, limit, int(access.InviteMargin/time.Hour))
	case in.ExpiresIn != nil:
		inv.Expires = now.Add(time.Duration(*in.ExpiresIn) * time.Second)
	}
	if len(fields) > 0 {
		return &agenda.ValidationError{Fields: fields}
	}
	out, err := s.issueInvite(c, inv, e)
	if err != nil {
		return err
	}
	return sendNewInvite(c, out)
}

// issueInvite gives inv a fresh token and stores it: the answer shows the
// token and the page it opens, once.
func (s *Server) issueInvite(c echo.Context, inv access.Invite, e agenda.Event) (inviteJSON, error) {
	token, hash := access.NewInviteToken()
	inv.TokenHash = hash
	if err := s.store.CreateInvite(c.Request().Context(), inv); err != nil {
		return inviteJSON{}, err
	}
	if err := s.addDelegate(c.Request().Context(), inv); err != nil {
		return inviteJSON{}, err
	}
	s.audit(c, audit.Entry{Action: audit.InviteCreated, Event: audit.RefTo(e), Role: inv.Role, Person: inv.Name})
	out := inviteView(inv, e)
	out.Token, out.URL = token, s.invitePage(inv, token)
	return out, nil
}

// sendNewInvite answers a new invitation with its token, never cached.
func sendNewInvite(c echo.Context, out inviteJSON) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, out)
}

// listInvites answers GET /api/v1/events/{id}/invites: every invitation
// to the event, revoked ones too, oldest first; never their tokens.
func (s *Server) listInvites(c echo.Context) error {
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	invs, err := s.store.ListInvites(c.Request().Context(), e.ID)
	if err != nil {
		return err
	}
	out := make([]inviteJSON, 0, len(invs))
	for _, inv := range invs {
		if inv.EventCreated.Equal(e.Created) { // not those to an earlier event of the same ID
			out = append(out, inviteView(inv, e))
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(http.StatusOK, map[string]any{"event": e.ID, "invites": out})
}

// revokeInvite answers DELETE /api/v1/events/{id}/invites/{invite}: the
// invitation stops working at once, on every instance (they all ask the
// store at each join), and whoever joined the room with it is removed and
// banned from it, as a host's remove does. Revocation only ever goes one way, so it needs no
// If-Match; revoking twice answers 204 again.
func (s *Server) revokeInvite(c echo.Context) error {
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	id := c.Param("invite")
	if len(id) > 64 {
		return errNotFound
	}
	if err := s.revokeOne(c, e, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// revokeOne revokes an invitation to e, records it in the audit log and
// removes whoever is in the room with it, now, on every instance. Should
// that fail, the answer is an error: revoking again retries.
func (s *Server) revokeOne(c echo.Context, e agenda.Event, id string) error {
	ctx := c.Request().Context()
	inv, err := s.store.RevokeInvite(ctx, e.ID, id)
	if errors.Is(err, access.ErrNotFound) {
		return errNotFound
	} else if err != nil {
		return err
	}
	s.audit(c, audit.Entry{Action: audit.InviteRevoked, Event: audit.RefTo(e), Role: inv.Role, Person: inv.Name})
	if err := s.rooms.RemoveSubject(ctx, e.ID, "invite:"+id); err != nil {
		return fmt.Errorf("server: remove the holder of a revoked invitation: %w", err)
	}
	return nil
}

// revokeInvites revokes every invitation to a removed event, so that none
// opens another event made later under the same ID (Admit also compares
// the events' creation times, to the second). A failure is logged: the
// event is gone either way.
func (s *Server) revokeInvites(c echo.Context, event string) {
	ctx := c.Request().Context()
	invs, err := s.store.ListInvites(ctx, event)
	for _, inv := range invs {
		if err != nil {
			break
		}
		if !inv.Revoked {
			_, err = s.store.RevokeInvite(ctx, event, inv.ID)
		}
	}
	if err != nil {
		s.log.Error("invites: revoke the invitations to a removed event", "event", event, "err", err)
	}
}
