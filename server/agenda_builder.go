package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
)

// The agenda builder of the organizer app (issue 13, item 4): a timeline
// of one event, in its zone and the viewer's, that its script
// (assets/organizer-agenda.js) edits through the agenda API with the
// session cookie and its CSRF token. Every write carries If-Match; a
// stale one answers 412 with both versions (staleAgenda), and the page
// shows what changed and lets the organizer reapply their change on top.

// builderView is the agenda builder page of one event.
type builderView struct {
	orgEvent
	// Start and End bound the timeline (RFC 3339, UTC).
	Start, End string
	// EventZone is the event's IANA zone; ViewerZone the page's.
	EventZone, ViewerZone string
	SameZone              bool
	When                  string
	// ZoneNote and ViewerNote name the two zones of the timeline.
	ZoneNote, ViewerNote string
	// Languages are those an item's title may have (the configured set);
	// Floors the event's languages, for the floor language.
	Languages, Floors, Kinds []option
}

// agendaPage renders GET /organizer/events/{id}/agenda.
func (s *Server) agendaPage(c echo.Context) error {
	p, e, oe, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	ev := s.eventView(p, e, nil)
	v := &builderView{orgEvent: oe, Start: e.Start.UTC().Format(rfc3339), End: e.End.UTC().Format(rfc3339),
		EventZone: e.Zone().String(), ViewerZone: p.TZ, When: ev.When}
	v.SameZone = v.EventZone == v.ViewerZone
	v.ZoneNote = p.Tf("builder.zone_event", "zone", p.ltr(v.EventZone))
	v.ViewerNote = p.Tf("builder.zone_viewer", "zone", p.ltr(v.ViewerZone))
	for _, l := range s.agenda.Languages() {
		v.Languages = append(v.Languages, option{Value: l, Label: p.T("lang." + l)})
	}
	for _, l := range e.Languages {
		v.Floors = append(v.Floors, option{Value: l, Label: p.T("lang." + l)})
	}
	for _, k := range agenda.ItemKinds {
		v.Kinds = append(v.Kinds, option{Value: string(k), Label: p.T("item." + string(k))})
	}
	p.Title = p.Tf("builder.title", "event", oe.Name)
	p.Builder = v
	return s.render(c, http.StatusOK, "organizer-agenda", p)
}

// staleBody is the answer to a stale agenda write: the error, whose
// fields name the version sent and the current one, and the current
// agenda with its ETag, so that the page can show what changed and
// reapply the change on top.
type staleBody struct {
	Error   errorDetail `json:"error"`
	Current struct {
		ETag string `json:"etag"`
		agendaJSON
	} `json:"current"`
}

// staleAgenda answers a write to an agenda whose If-Match is stale (412)
// with both versions, and reports whether it did. Only agenda writes get
// this answer: their caller passed editableAgenda, so may read the
// agenda.
func (s *Server) staleAgenda(c echo.Context, err error) bool {
	if !errors.Is(err, agenda.ErrConflict) || !unsafeMethod(c.Request().Method) ||
		!strings.HasPrefix(c.Path(), "/api/v1/events/:id/agenda") {
		return false
	}
	a, gerr := s.store.GetAgenda(c.Request().Context(), c.Param("id"))
	if gerr != nil {
		return false // the plain 412
	}
	var out staleBody
	out.Current.ETag = etag("a", a.Version)
	out.Current.agendaJSON = agendaJSON{Event: a.EventID, Items: make([]itemJSON, 0, len(a.Items))}
	for _, it := range a.Items {
		out.Current.Items = append(out.Current.Items, toItemJSON(it))
	}
	sent, _ := fieldList(c.Request().Header, "If-Match")
	out.Error = errorDetail{Code: "precondition_failed",
		Message: "the agenda changed since you read it: current is in \"current\"; reapply your change on top of it with its ETag",
		Fields:  map[string]string{"If-Match": fmt.Sprintf("you sent %s; the agenda is now %s", sent, out.Current.ETag)}}
	c.Response().Header().Set(headerETag, out.Current.ETag)
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	_ = c.JSON(http.StatusPreconditionFailed, out)
	return true
}
