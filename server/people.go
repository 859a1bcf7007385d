package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
)

// The People tab of the organizer app (issue 13, item 6) and running a
// session from it (item 7). The page's script (assets/organizer-people.js)
// speaks the invitation API with the session cookie and its CSRF token:
// POST …/invites, GET …/invites, DELETE …/invites/{invite} and the resend
// below.

// peopleView is the People page of one event.
type peopleView struct {
	orgEvent
	// Roles and Languages are the form's choices, labelled in the page
	// language; Booths are the event's languages.
	Roles, Languages, Booths []option
}

// orgEvent is what every tab of one event in the organizer app shows.
type orgEvent struct {
	ID   string
	Name string // the event's title in the page language
	CSRF string
	// Session is the page that runs the event's session as host.
	Session string
}

// organizerEvent starts a tab that works on an event (eventTab's
// tabEdit, its one rule): the page and what every tab shows, or no page
// when the browser was sent to sign in (err nil) or the answer is err.
func (s *Server) organizerEvent(c echo.Context) (*page, agenda.Event, orgEvent, error) {
	se, e, err := s.eventTab(c, tabEdit)
	if err != nil {
		return nil, agenda.Event{}, orgEvent{}, signInFirst(c, err)
	}
	p, err := s.newPage(c)
	if err != nil {
		return nil, agenda.Event{}, orgEvent{}, err
	}
	v := orgEvent{ID: e.ID, Name: p.text(e.Title).Text, CSRF: access.CSRFToken(s.cfg.Secret, se),
		Session: "/events/" + e.ID + "/session"}
	return p, e, v, nil
}

// peoplePage renders GET /organizer/events/{id}/people.
func (s *Server) peoplePage(c echo.Context) error {
	p, e, oe, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	v := &peopleView{orgEvent: oe}
	for _, r := range realtime.Roles {
		v.Roles = append(v.Roles, option{Value: string(r), Label: p.T("people_role." + string(r)), Selected: r == realtime.RoleParticipant})
	}
	for _, l := range s.agenda.Languages() {
		v.Languages = append(v.Languages, option{Value: l, Label: p.T("lang." + l)})
	}
	for _, l := range e.Languages {
		v.Booths = append(v.Booths, option{Value: l, Label: p.T("lang." + l)})
	}
	p.Title = p.Tf("people.title", "event", oe.Name)
	p.People = v
	return s.render(c, http.StatusOK, "organizer-people", p)
}

// runsSession reports whether the request comes from a signed-in
// organizer (the session cookie, not a token) who may edit e: they open
// its session page and room as host without a token in the URL. The
// cookie is SameSite=Lax and the room's upgrade checks Origin, so another
// site's page can use neither.
func (s *Server) runsSession(c echo.Context, e agenda.Event) bool {
	_, ok := session(c)
	return ok && principal(c).CanEdit(e)
}

var errResendRevoked = &apiError{Status: http.StatusConflict, Code: "revoked",
	Message: "this invitation was revoked: invite the person again instead"}

// resendInvite answers POST /api/v1/events/{id}/invites/{invite}/resend:
// a fresh token for the same person, role, languages and booth (a new
// invitation that names the one it replaces), and the old invitation
// revoked, so its link stops working at once. The new token and page are
// in this answer only.
func (s *Server) resendInvite(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	id := c.Param("invite")
	if len(id) > 64 {
		return errNotFound
	}
	ctx := c.Request().Context()
	invs, err := s.store.ListInvites(ctx, e.ID)
	if err != nil {
		return err
	}
	var old *access.Invite
	for i := range invs {
		if invs[i].ID == id && invs[i].EventCreated.Equal(e.Created) {
			old = &invs[i]
		}
	}
	if old == nil {
		return errNotFound
	}
	if old.Revoked {
		return errResendRevoked
	}
	created := s.cfg.Now().UTC()
	inv := access.Invite{ID: agenda.NewID("inv"), Event: e.ID, EventCreated: e.Created, Role: old.Role, Name: old.Name,
		Institution: old.Institution, Languages: old.Languages, Booth: old.Booth, By: o.ID, Created: created, Replaces: old.ID}
	if old.Expires.After(created.Add(minInviteLife * time.Second)) {
		inv.Expires = old.Expires
	}
	out, err := s.issueInvite(c, inv, e)
	if err != nil {
		return err
	}
	if err := s.revokeOne(c, e, old.ID); err != nil {
		return err
	}
	return sendNewInvite(c, out)
}

// withPeople adds resending an invitation to the OpenAPI document.
func withPeople(doc obj) obj {
	sec := []any{obj{"bearer": []any{}}, obj{"session": []any{}}}
	inv := doc["components"].(obj)["schemas"].(obj)["Invite"].(obj)["properties"].(obj)
	inv["state"] = obj{"type": "string", "enum": []any{access.InviteWaiting, access.InviteJoined, access.InviteRemoved},
		"description": "invited until the token first opens the room, then joined; removed once revoked"}
	inv["first_joined"] = obj{"type": "string", "format": "date-time", "description": "absent until the token first opens the room"}
	inv["replaces"] = obj{"type": "string", "description": "the invitation this one was resent for"}
	doc["paths"].(obj)["/events/{id}/invites/{invite}/resend"] = obj{
		"parameters": []any{param("id", "path", "event id", true), param("invite", "path", "invitation id", true)},
		"post": obj{"summary": "a fresh link for the same person: a new invitation (with the same role, languages and booth) replaces this one, which is revoked at once", "security": sec,
			"responses": obj{"201": jsonResp("the new invitation with its token and url (shown only here)", ref("Invite")),
				"401": errResp("not signed in"), "403": errResp("cookie without the CSRF token, or from another site"),
				"404": errResp("no such event or invitation, or not yours to edit"), "409": errResp("the invitation was revoked")}},
	}
	return doc
}

// describeInvite adds an invitation's state to its JSON.
func describeInvite(out *inviteJSON, inv access.Invite) {
	out.State, out.Replaces = inv.State(), inv.Replaces
	if !inv.FirstJoined.IsZero() {
		out.FirstJoined = inv.FirstJoined.UTC().Format(rfc3339)
	}
}
