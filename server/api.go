package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
)

// eventJSON is an event as the API shows it.
type eventJSON struct {
	ID          string      `json:"id"`
	Kind        agenda.Kind `json:"kind"`
	Parent      *string     `json:"parent"`
	Series      string      `json:"series,omitempty"`
	Title       agenda.Text `json:"title"`
	Description agenda.Text `json:"description"`
	Start       string      `json:"start"`
	End         string      `json:"end"`
	TimeZone    string      `json:"timezone"`
	// LocalStart and LocalEnd are start and end in the event's own zone.
	LocalStart string            `json:"local_start"`
	LocalEnd   string            `json:"local_end"`
	Region     agenda.Region     `json:"region"`
	Visibility agenda.Visibility `json:"visibility"`
	Status     agenda.Status     `json:"status"`
	Languages  []string          `json:"languages"`
	Location   agenda.Text       `json:"location,omitempty"`
	Sequence   int               `json:"sequence"`
	Created    string            `json:"created"`
	Updated    string            `json:"updated"`
	URL        string            `json:"url"`
	// AllDay marks an event of whole days; Origin labels an event imported
	// from a regional network's calendar (read-only here); its URL is the
	// source's full address only for the organizers who manage the source.
	AllDay bool           `json:"all_day,omitempty"`
	Origin *agenda.Origin `json:"origin,omitempty"`
	// Owner and Invitees are shown to organizers only.
	Owner    string   `json:"owner,omitempty"`
	Invitees []string `json:"invitees,omitempty"`
	// Conference is the external video meeting's https address.
	Conference string `json:"conference,omitempty"`
	// Interpretation is shown to organizers only (live_settings.go).
	Interpretation *agenda.Interpretation `json:"interpretation,omitempty"`
}

const rfc3339 = "2006-01-02T15:04:05Z07:00"

// toJSON shows e to p. A parent p may not see is not shown (parent null),
// nor is one that cannot be looked up: its ID would tell that it exists.
// parents, when not nil, remembers the parents shown to p across the
// events of one answer, so that each is looked up once.
func (s *Server) toJSON(ctx context.Context, e agenda.Event, p access.Principal, parents map[string]string) eventJSON {
	loc := e.Zone()
	out := eventJSON{
		ID: e.ID, Kind: e.Kind, Series: e.Series, Title: e.Title, Description: e.Description,
		Start: e.Start.UTC().Format(rfc3339), End: e.End.UTC().Format(rfc3339), TimeZone: e.TimeZone,
		LocalStart: e.Start.In(loc).Format(rfc3339), LocalEnd: e.End.In(loc).Format(rfc3339),
		Region: e.Region, Visibility: e.Visibility, Status: e.Status, Languages: e.Languages,
		Location: e.Location, Conference: e.Conference, Sequence: e.Sequence, Created: e.Created.UTC().Format(rfc3339),
		Updated: e.Updated.UTC().Format(rfc3339), URL: s.cfg.BaseURL + "/events/" + e.ID,
		AllDay: e.AllDay, Origin: e.Origin,
	}
	if parent := s.shownParent(ctx, e, p, parents); parent != "" {
		out.Parent = &parent
	}
	if out.Title == nil {
		out.Title = agenda.Text{}
	}
	if out.Description == nil {
		out.Description = agenda.Text{}
	}
	if out.Languages == nil {
		out.Languages = []string{}
	}
	if !p.Anonymous() {
		out.Owner, out.Invitees = e.Owner, e.Invitees
		out.Interpretation = interpretationShown(e)
	}
	if e.Origin != nil && (p.Organizer == nil || !p.Organizer.Manages(e.Region)) {
		// The source's address is for the organizers who manage it (an
		// imported event has its source's region).
		o := e.Origin.Public()
		out.Origin = &o
	}
	return out
}

// shownParent is e's parent as p may see it ("" for none), remembered in
// parents when not nil.
func (s *Server) shownParent(ctx context.Context, e agenda.Event, p access.Principal, parents map[string]string) string {
	if e.Parent == "" {
		return ""
	}
	if shown, ok := parents[e.Parent]; ok {
		return shown
	}
	shown, err := s.agenda.ParentFor(ctx, e, p)
	if err != nil {
		return "" // not remembered: a later event may find it
	}
	if parents != nil {
		parents[e.Parent] = shown
	}
	return shown
}

func (s *Server) listEvents(c echo.Context) error {
	var f agenda.Filter
	q := c.QueryParams()
	for name := range q {
		if !slices.Contains([]string{"from", "to", "region", "kind", "parent", "status"}, name) {
			return badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q (known: from, to, region, kind, parent, status)", name))
		}
	}
	var err error
	if v := c.QueryParam("from"); v != "" {
		if f.From, err = parseTime("from", v); err != nil {
			return err
		}
	}
	if v := c.QueryParam("to"); v != "" {
		if f.To, err = parseTime("to", v); err != nil {
			return err
		}
	}
	if v := c.QueryParam("region"); v != "" {
		if f.Region = agenda.Region(v); !f.Region.Valid() {
			return badRequest("invalid", "region", "must be one of global, africa, americas, asia-pacific, europe")
		}
	}
	if v := c.QueryParam("kind"); v != "" {
		if f.Kind = agenda.Kind(v); !f.Kind.Valid() {
			return badRequest("invalid", "kind", "must be one of annual-meeting, general-assembly, session, side-event, webinar, regional")
		}
	}
	status := agenda.Status(c.QueryParam("status"))
	if status != "" && !status.Valid() {
		return badRequest("invalid", "status", "must be one of draft, published, cancelled")
	}
	f.Parent = c.QueryParam("parent")
	ctx := c.Request().Context()
	p := principal(c)
	out := []eventJSON{}
	if f.Parent != "" {
		// A parent the caller may not see lists nothing, like an unknown one.
		if len(f.Parent) > 64 {
			return c.JSON(http.StatusOK, map[string]any{"events": out})
		}
		if parent, err := s.agenda.ParentFor(ctx, agenda.Event{Parent: f.Parent}, p); err != nil {
			return err
		} else if parent == "" {
			return c.JSON(http.StatusOK, map[string]any{"events": out})
		}
	}
	evs, err := s.store.ListEvents(ctx, f)
	if err != nil {
		return err
	}
	parents := map[string]string{}
	for _, e := range evs {
		if p.CanSee(e) && (status == "" || e.Status == status) {
			out = append(out, s.toJSON(ctx, e, p, parents))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out})
}

// visibleEvent loads an event the caller may see; hidden and missing
// events give the same 404.
func (s *Server) visibleEvent(c echo.Context) (agenda.Event, error) {
	id := c.Param("id")
	if len(id) > 64 {
		return agenda.Event{}, errNotFound
	}
	e, err := s.store.GetEvent(c.Request().Context(), id)
	if errors.Is(err, agenda.ErrNotFound) {
		return agenda.Event{}, errNotFound
	}
	if err != nil {
		return agenda.Event{}, err
	}
	if !principal(c).CanSee(e) {
		return agenda.Event{}, errNotFound
	}
	return e, nil
}

// editableEvent loads an event the caller may change.
func (s *Server) editableEvent(c echo.Context) (agenda.Event, error) {
	if _, err := requireOrganizer(c); err != nil {
		return agenda.Event{}, err
	}
	e, err := s.visibleEvent(c)
	if err != nil {
		return agenda.Event{}, err
	}
	if !principal(c).CanEdit(e) {
		// It sees the event, so refusing hides nothing.
		return agenda.Event{}, errOtherRegion
	}
	return e, nil
}

// errOtherRegion refuses a regional organizer a change to an event of
// another region.
var errOtherRegion = &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "you organize the events of your own region only"}

// changeableEvent is the event a write names, once the caller may edit it
// and If-Match matches its version (428 without, 412 when stale).
func (s *Server) changeableEvent(c echo.Context) (agenda.Event, error) {
	e, err := s.editableEvent(c)
	if err != nil {
		return agenda.Event{}, err
	}
	v, err := ifMatch(c, "e")
	if err != nil {
		return agenda.Event{}, err
	}
	if v != 0 && v != e.Version {
		return agenda.Event{}, agenda.ErrConflict
	}
	return e, nil
}

// editableAgenda is the event whose agenda a write changes, once the
// caller may edit it, and the agenda version If-Match names (0 for *; 428
// without). The store checks the version inside its write.
func (s *Server) editableAgenda(c echo.Context) (agenda.Event, int64, error) {
	e, err := s.editableEvent(c)
	if err != nil {
		return agenda.Event{}, 0, err
	}
	v, err := ifMatch(c, "a")
	if err != nil {
		return agenda.Event{}, 0, err
	}
	return e, v, nil
}

func (s *Server) getEvent(c echo.Context) error {
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	return s.sendEvent(c, http.StatusOK, e)
}

func (s *Server) sendEvent(c echo.Context, status int, e agenda.Event) error {
	tag := etag("e", e.Version)
	c.Response().Header().Set(headerETag, tag)
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	if status == http.StatusOK && c.Request().Method == http.MethodGet {
		if done, err := conditional(c, tag, time.Time{}); done {
			return err
		}
	}
	return c.JSON(status, s.toJSON(c.Request().Context(), e, principal(c), nil))
}

// eventInput is the body of POST and PATCH /events. Absent fields are nil:
// on PATCH they keep their value. Text objects merge per language; an empty
// string removes that language.
type eventInput struct {
	ID          *string            `json:"id"`
	Kind        *string            `json:"kind"`
	Parent      *string            `json:"parent"`
	Series      *string            `json:"series"`
	Title       map[string]*string `json:"title"`
	Description map[string]*string `json:"description"`
	Start       *string            `json:"start"`
	End         *string            `json:"end"`
	TimeZone    *string            `json:"timezone"`
	Region      *string            `json:"region"`
	Visibility  *string            `json:"visibility"`
	Languages   *[]string          `json:"languages"`
	Status      *string            `json:"status"`
	Location    textInput          `json:"location"`
	Conference  *string            `json:"conference"`
	Invitees    *[]string          `json:"invitees"`
	// Interpretation is the event's interpretation settings (live_settings.go).
	Interpretation *interpretationInput `json:"interpretation"`
}

// textInput is a text object of a body (merged per language); a plain
// string, as location was sent before it had languages, is read as
// agenda.PlainLanguage.
type textInput map[string]*string

// UnmarshalJSON reads an object of languages or a plain string; null
// changes nothing.
func (t *textInput) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = textInput{agenda.PlainLanguage: &s}
		return nil
	}
	var m map[string]*string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

func mergeText(dst agenda.Text, patch map[string]*string) agenda.Text {
	out := dst.Clone()
	if out == nil {
		out = agenda.Text{}
	}
	for k, v := range patch {
		if v == nil || *v == "" {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}

// errIDAssigned refuses a client-chosen id on create: IDs are assigned by
// the server, at random, so that no answer to a create can tell whether an
// ID is taken by an event the caller may not see.
func errIDAssigned(what string) error {
	return &agenda.ValidationError{Fields: map[string]string{"id": "assigned by the server; leave it out (the new " + what + "'s id is in the answer and its Location header)"}}
}

func (in eventInput) apply(e *agenda.Event, create bool) error {
	if in.ID != nil {
		if create {
			return errIDAssigned("event")
		}
		if *in.ID != e.ID {
			return badRequest("invalid", "id", "the id of an event cannot change")
		}
	}
	if in.Series != nil {
		if !create && *in.Series != e.Series {
			return badRequest("invalid", "series", "the series of an event is set when it is created")
		}
		e.Series = *in.Series
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Kind != nil {
		e.Kind = agenda.Kind(*in.Kind)
	}
	set(&e.Parent, in.Parent)
	if in.Title != nil {
		e.Title = mergeText(e.Title, in.Title)
	}
	if in.Description != nil {
		e.Description = mergeText(e.Description, in.Description)
	}
	var err error
	if in.Start != nil {
		if e.Start, err = parseTime("start", *in.Start); err != nil {
			return err
		}
	}
	if in.End != nil {
		if e.End, err = parseTime("end", *in.End); err != nil {
			return err
		}
	}
	set(&e.TimeZone, in.TimeZone)
	set(&e.Conference, in.Conference)
	if in.Region != nil {
		e.Region = agenda.Region(*in.Region)
	}
	if in.Visibility != nil {
		e.Visibility = agenda.Visibility(*in.Visibility)
	}
	if in.Languages != nil {
		e.Languages = slices.Clone(*in.Languages)
	}
	if in.Status != nil {
		e.Status = agenda.Status(*in.Status)
	}
	if in.Location != nil {
		e.Location = mergeText(e.Location, in.Location)
	}
	if in.Invitees != nil {
		e.Invitees = slices.Clone(*in.Invitees)
	}
	in.Interpretation.applyTo(e)
	return nil
}

func (s *Server) createEvent(c echo.Context) error {
	if _, err := requireOrganizer(c); err != nil {
		return err
	}
	var in eventInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := s.newEvent(c, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/events/"+ev.ID)
	return s.sendWritten(c, http.StatusCreated, ev)
}

// newEvent creates the event in describes for the caller, an organizer,
// and records it in the audit log: the one path of the API and the
// organizer app's form.
func (s *Server) newEvent(c echo.Context, in eventInput) (agenda.Event, error) {
	p := principal(c)
	e := agenda.Event{Owner: p.Organizer.ID}
	if err := in.apply(&e, true); err != nil {
		return agenda.Event{}, err
	}
	if err := checkEventRegion(p, e); err != nil {
		return agenda.Event{}, err
	}
	e.ID = agenda.NewID("ev-")
	ev, _, err := s.agenda.CreateEvent(c.Request().Context(), e, nil, agenda.For(p), agenda.By(p.Organizer.ID))
	if err != nil {
		return agenda.Event{}, err
	}
	s.auditEvent(c, agenda.Event{}, ev)
	return ev, nil
}

func (s *Server) patchEvent(c echo.Context) error {
	e, err := s.changeableEvent(c)
	if err != nil {
		return err
	}
	var in eventInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ev, err := s.changeEvent(c, e, in)
	if err != nil {
		return err
	}
	return s.sendWritten(c, http.StatusOK, ev)
}

// changeEvent applies in to e, as read at e.Version by the caller, who
// may edit it, and records the change in the audit log: the one path of
// the API and the organizer app's form.
func (s *Server) changeEvent(c echo.Context, e agenda.Event, in eventInput) (agenda.Event, error) {
	ctx, p, old := c.Request().Context(), principal(c), e
	// The caller changes the event as it sees it: without a parent it may
	// not see (UpdateEvent keeps that one; any parent named is checked).
	var err error
	if e.Parent, err = s.agenda.ParentFor(ctx, e, p); err != nil {
		return agenda.Event{}, err
	}
	if err := in.apply(&e, false); err != nil {
		return agenda.Event{}, err
	}
	if e.Visibility == agenda.VisibilityConfidential && !p.CanSee(e) {
		// Making an event confidential must not lock its editor out of it.
		e.Invitees = append(e.Invitees, p.Organizer.ID)
	}
	if err := checkEventRegion(p, e); err != nil {
		return agenda.Event{}, err
	}
	ev, err := s.agenda.UpdateEvent(ctx, e, e.Version, agenda.For(p), agenda.By(p.Organizer.ID))
	if err != nil {
		return agenda.Event{}, err
	}
	s.auditEvent(c, old, ev)
	return ev, nil
}

// checkEventRegion refuses to give an event a region its organizer does
// not manage: a regional secretariat makes its own region's events.
func checkEventRegion(p access.Principal, e agenda.Event) error {
	if e.Region.Valid() && !p.Organizer.Manages(e.Region) {
		return &agenda.ValidationError{Fields: map[string]string{"region": "you organize the events of " + string(p.Organizer.Region) + " only"}}
	}
	return nil
}

func (s *Server) deleteEvent(c echo.Context) error {
	e, err := s.changeableEvent(c)
	if err != nil {
		return err
	}
	ev, removed, err := s.agenda.DeleteEvent(c.Request().Context(), e.ID, e.Version, agenda.For(principal(c)))
	if err != nil {
		return err
	}
	if removed {
		s.audit(c, audit.Entry{Action: audit.EventDeleted, Event: audit.RefTo(e)})
		s.revokeInvites(c, e.ID) // its ID may serve another event later
		s.deleteCaptions(c, e.ID)
		return c.NoContent(http.StatusNoContent)
	}
	s.auditEvent(c, e, ev)
	return s.sendEvent(c, http.StatusOK, ev)
}

// itemJSON is an agenda item as the API shows and takes it.
type itemJSON struct {
	ID            string        `json:"id"`
	Title         agenda.Text   `json:"title"`
	Start         string        `json:"start"`
	End           string        `json:"end,omitempty"`
	Duration      int           `json:"duration"`
	Speakers      []agenda.Text `json:"speakers"`
	FloorLanguage string        `json:"floor_language,omitempty"`
	Kind          string        `json:"kind"`
	Parallel      bool          `json:"parallel,omitempty"`
}

type agendaJSON struct {
	Event string     `json:"event"`
	Items []itemJSON `json:"items"`
}

func toItemJSON(it agenda.Item) itemJSON {
	sp := it.Speakers
	if sp == nil {
		sp = []agenda.Text{}
	}
	return itemJSON{ID: it.ID, Title: it.Title, Start: it.Start.UTC().Format(rfc3339), End: it.End().UTC().Format(rfc3339),
		Duration: it.Minutes, Speakers: sp, FloorLanguage: it.FloorLanguage, Kind: string(it.Kind), Parallel: it.Parallel}
}

func fromItemJSON(field string, in itemJSON) (agenda.Item, error) {
	it := agenda.Item{ID: in.ID, Title: in.Title, Minutes: in.Duration, Speakers: in.Speakers,
		FloorLanguage: in.FloorLanguage, Kind: agenda.ItemKind(in.Kind), Parallel: in.Parallel}
	if in.Start == "" {
		return it, &agenda.ValidationError{Fields: map[string]string{field + ".start": "required (RFC 3339 with a zone offset)"}}
	}
	t, err := parseTime(field+".start", in.Start)
	if err != nil {
		return it, err
	}
	it.Start = t
	if in.End != "" {
		end, err := parseTime(field+".end", in.End)
		if err != nil {
			return it, err
		}
		if in.Duration == 0 {
			it.Minutes = int(end.Sub(t) / time.Minute)
		} else if !end.Equal(it.End()) {
			return it, badRequest("invalid", field+".end", "end disagrees with start + duration; send one of them")
		}
	}
	return it, nil
}

// sendAgenda answers a: the working draft (ETag "a…"), or, when
// published, the published agenda (ETag "p…", see releases.go).
func (s *Server) sendAgenda(c echo.Context, status int, a agenda.Agenda, published bool) error {
	tag := etag("a", a.Version)
	if published {
		tag = etag("p", a.Version)
	}
	c.Response().Header().Set(headerETag, tag)
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	if c.Request().Method == http.MethodGet {
		if done, err := conditional(c, tag, time.Time{}); done {
			return err
		}
	}
	out := agendaJSON{Event: a.EventID, Items: make([]itemJSON, 0, len(a.Items))}
	for _, it := range a.Items {
		out.Items = append(out.Items, toItemJSON(it))
	}
	return c.JSON(status, out)
}

func (s *Server) getAgenda(c echo.Context) error {
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	a, draft, err := s.agendaFor(c, e)
	if err != nil {
		return err
	}
	return s.sendAgenda(c, http.StatusOK, a, !draft)
}

func (s *Server) putAgenda(c echo.Context) error {
	e, v, err := s.editableAgenda(c)
	if err != nil {
		return err
	}
	var in struct {
		Items []itemJSON `json:"items"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Items == nil {
		return badRequest("invalid", "items", "required (an array, possibly empty)")
	}
	if len(in.Items) > agenda.MaxItems {
		return badRequest("invalid", "items", fmt.Sprintf("at most %d items", agenda.MaxItems))
	}
	items := make([]agenda.Item, 0, len(in.Items))
	for i, x := range in.Items {
		it, err := fromItemJSON(fmt.Sprintf("items[%d]", i), x)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	a, err := s.agenda.PutAgenda(c.Request().Context(), e.ID, items, versionOrStale(v))
	if err != nil {
		return err
	}
	s.audit(c, audit.Entry{Action: audit.AgendaChanged, Event: audit.RefTo(e)})
	return s.sendAgenda(c, http.StatusOK, a, false)
}

// versionOrStale maps ifMatch's "can never match" (-1) to a version no
// store holds, so the write fails with a conflict.
func versionOrStale(v int64) int64 {
	if v < 0 {
		return 1 << 62
	}
	return v
}

func (s *Server) addItem(c echo.Context) error {
	e, v, err := s.editableAgenda(c)
	if err != nil {
		return err
	}
	var in itemJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	it, err := fromItemJSON("item", in)
	if err != nil {
		return err
	}
	a, got, err := s.agenda.AddItem(c.Request().Context(), e.ID, it, versionOrStale(v))
	if err != nil {
		return err
	}
	s.audit(c, audit.Entry{Action: audit.AgendaChanged, Event: audit.RefTo(e)})
	c.Response().Header().Set(headerETag, etag("a", a.Version))
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/events/"+e.ID+"/agenda/items/"+got.ID)
	return c.JSON(http.StatusCreated, toItemJSON(got))
}

// itemPatch is the body of PATCH …/items/:item; absent fields keep their value.
type itemPatch struct {
	Title         map[string]*string `json:"title"`
	Start         *string            `json:"start"`
	Duration      *int               `json:"duration"`
	Speakers      *[]agenda.Text     `json:"speakers"`
	FloorLanguage *string            `json:"floor_language"`
	Kind          *string            `json:"kind"`
	Parallel      *bool              `json:"parallel"`
}

func (s *Server) patchItem(c echo.Context) error {
	e, v, err := s.editableAgenda(c)
	if err != nil {
		return err
	}
	var in itemPatch
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := s.store.GetAgenda(ctx, e.ID)
	if err != nil {
		return err
	}
	it, ok := cur.Item(c.Param("item"))
	if !ok {
		return errNotFound
	}
	if in.Title != nil {
		it.Title = mergeText(it.Title, in.Title)
	}
	if in.Start != nil {
		if it.Start, err = parseTime("start", *in.Start); err != nil {
			return err
		}
	}
	if in.Duration != nil {
		it.Minutes = *in.Duration
	}
	if in.Speakers != nil {
		it.Speakers = *in.Speakers
	}
	if in.FloorLanguage != nil {
		it.FloorLanguage = *in.FloorLanguage
	}
	if in.Kind != nil {
		it.Kind = agenda.ItemKind(*in.Kind)
	}
	if in.Parallel != nil {
		it.Parallel = *in.Parallel
	}
	a, got, err := s.agenda.UpdateItem(ctx, e.ID, it, versionOrStale(v))
	if err != nil {
		return err
	}
	s.audit(c, audit.Entry{Action: audit.AgendaChanged, Event: audit.RefTo(e)})
	c.Response().Header().Set(headerETag, etag("a", a.Version))
	return c.JSON(http.StatusOK, toItemJSON(got))
}

func (s *Server) deleteItem(c echo.Context) error {
	e, v, err := s.editableAgenda(c)
	if err != nil {
		return err
	}
	a, err := s.agenda.DeleteItem(c.Request().Context(), e.ID, c.Param("item"), versionOrStale(v))
	if err != nil {
		return err
	}
	s.audit(c, audit.Entry{Action: audit.AgendaChanged, Event: audit.RefTo(e)})
	c.Response().Header().Set(headerETag, etag("a", a.Version))
	return c.NoContent(http.StatusNoContent)
}

// seriesFor shows ser to p: who created it is for organizers only.
func seriesFor(ser agenda.Series, p access.Principal) agenda.Series {
	if p.Anonymous() {
		ser.Owner = ""
	}
	return ser
}

func (s *Server) listSeries(c echo.Context) error {
	all, err := s.store.ListSeries(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]agenda.Series, 0, len(all))
	for _, ser := range all {
		out = append(out, seriesFor(ser, principal(c)))
	}
	return c.JSON(http.StatusOK, map[string]any{"series": out})
}

func (s *Server) getSeries(c echo.Context) error {
	ser, err := s.store.GetSeries(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, etag("s", ser.Version))
	return c.JSON(http.StatusOK, seriesFor(ser, principal(c)))
}

// putSeries creates a series, owned by the caller's secretariat, or
// replaces one the caller's secretariat owns (head office: any). Series
// are public, so another's is 403, not 404: refusing hides nothing.
func (s *Server) putSeries(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	v, err := ifMatch(c, "s")
	if err != nil {
		return err
	}
	var in struct {
		Title         agenda.Text           `json:"title"`
		StandingItems []agenda.StandingItem `json:"standing_items"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ser := agenda.Series{ID: c.Param("id"), Title: in.Title, StandingItems: in.StandingItems, Region: o.Region, Owner: o.ID}
	if ser.Region == "" {
		ser.Region = agenda.RegionGlobal
	}
	if agenda.ValidID(ser.ID) {
		cur, err := s.store.GetSeries(ctx, ser.ID)
		switch {
		case err == nil:
			if !principal(c).CanEditSeries(cur) {
				return &apiError{Status: http.StatusForbidden, Code: "forbidden",
					Message: fmt.Sprintf("series %q belongs to the %s secretariat: only its organizers and head office may change it", cur.ID, cur.OwnerRegion())}
			}
			ser.Region, ser.Owner = cur.OwnerRegion(), cur.Owner
			if v == 0 {
				v = cur.Version // the owner just checked is the one replaced
			}
		case !errors.Is(err, agenda.ErrNotFound):
			return err
		}
	}
	ser, err = s.agenda.PutSeries(ctx, ser, versionOrStale(v))
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, etag("s", ser.Version))
	return c.JSON(http.StatusOK, seriesFor(ser, principal(c)))
}

const headerETag = "ETag"

var _ = strings.TrimSpace
