package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// Regional calendar sources (/api/v1/sources): organizers add the ICS
// feeds and CalDAV collections of the regional networks, see each one's
// sync status and push conflicts, sync one now, and confirm a mass
// cancellation the syncer held back. A head-office (global) organizer
// manages every source; a regional organizer only those of its region —
// the others are 404 to it, as if they did not exist.

// sourceJSON is a source as the API shows it: never its password.
type sourceJSON struct {
	ID          string              `json:"id"`
	Region      agenda.Region       `json:"region"`
	Name        string              `json:"name"`
	Kind        calendar.SourceKind `json:"kind"`
	URL         string              `json:"url"`
	Username    string              `json:"username,omitempty"`
	HasPassword bool                `json:"has_password"`
	Language    string              `json:"language,omitempty"`
	Paused      bool                `json:"paused"`
	Status      statusJSON          `json:"status"`
	Conflicts   []conflictJSON      `json:"conflicts"`
}

type statusJSON struct {
	State         calendar.State     `json:"state"`
	LastFetch     *string            `json:"last_fetch"`
	Result        calendar.Result    `json:"result,omitempty"`
	Added         int                `json:"added"`
	Updated       int                `json:"updated"`
	Cancelled     int                `json:"cancelled"`
	NextFetch     *string            `json:"next_fetch"`
	LastError     string             `json:"last_error,omitempty"`
	Failures      int                `json:"failures"`
	Progress      *calendar.Progress `json:"progress,omitempty"`
	Warnings      []string           `json:"warnings"`
	PendingCancel int                `json:"pending_cancel"`
	Pushed        int                `json:"pushed"`
	Refresh       int64              `json:"refresh_seconds,omitempty"`
}

type conflictJSON struct {
	Event   string `json:"event"`
	Href    string `json:"href"`
	Message string `json:"message"`
	At      string `json:"at"`
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(rfc3339)
	return &s
}

func toSourceJSON(src calendar.Source, st calendar.Status, pushes []calendar.Push) sourceJSON {
	if st.State == "" {
		st.State = calendar.StateNew
	}
	out := sourceJSON{ID: src.ID, Region: src.Region, Name: src.Name, Kind: src.Kind, URL: src.URL, Username: src.Username,
		HasPassword: src.Password != "", Language: src.Language, Paused: src.Paused, Conflicts: []conflictJSON{},
		Status: statusJSON{State: st.State, LastFetch: timeOrNil(st.LastFetch), Result: st.Result, Added: st.Added,
			Updated: st.Updated, Cancelled: st.Cancelled, NextFetch: timeOrNil(st.NextFetch), LastError: st.LastError,
			Failures: st.Failures, Progress: st.Progress, Warnings: st.Warnings, PendingCancel: len(st.PendingCancel),
			Pushed: st.Pushed, Refresh: int64(st.Refresh / time.Second)}}
	if out.Status.Warnings == nil {
		out.Status.Warnings = []string{}
	}
	for _, p := range pushes {
		if p.Conflict != "" {
			out.Conflicts = append(out.Conflicts, conflictJSON{Event: p.EventID, Href: p.Href, Message: p.Conflict, At: p.ConflictAt.UTC().Format(rfc3339)})
		}
	}
	return out
}

// sourcesStore returns the store of sources, or 404 when this server
// syncs no calendars.
func (s *Server) sources() (calendar.Store, *calendar.Syncer, error) {
	if s.sync == nil {
		return nil, nil, errNotFound
	}
	return s.syncStore, s.sync, nil
}

// manages reports whether o may manage sources of region r.
func manages(o access.Organizer, r agenda.Region) bool { return o.Manages(r) }

func (s *Server) listSources(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	st, _, err := s.sources()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	all, err := st.ListSources(ctx)
	if err != nil {
		return err
	}
	out := []sourceJSON{}
	for _, src := range all {
		if !manages(o, src.Region) {
			continue
		}
		j, err := s.describeSource(c, src)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return c.JSON(http.StatusOK, map[string]any{"sources": out})
}

func (s *Server) describeSource(c echo.Context, src calendar.Source) (sourceJSON, error) {
	st, _, err := s.sources()
	if err != nil {
		return sourceJSON{}, err
	}
	ctx := c.Request().Context()
	status, err := st.GetStatus(ctx, src.ID)
	if err != nil {
		return sourceJSON{}, err
	}
	pushes, err := st.ListPushes(ctx, src.ID)
	if err != nil {
		return sourceJSON{}, err
	}
	return toSourceJSON(src, status, pushes), nil
}

// managedSource loads a source the caller may manage; others are 404.
func (s *Server) managedSource(c echo.Context) (calendar.Source, error) {
	o, err := requireOrganizer(c)
	if err != nil {
		return calendar.Source{}, err
	}
	st, _, err := s.sources()
	if err != nil {
		return calendar.Source{}, err
	}
	id := c.Param("id")
	if len(id) > 64 {
		return calendar.Source{}, errNotFound
	}
	src, err := st.GetSource(c.Request().Context(), id)
	if errors.Is(err, agenda.ErrNotFound) {
		return calendar.Source{}, errNotFound
	}
	if err != nil {
		return calendar.Source{}, err
	}
	if !manages(o, src.Region) {
		return calendar.Source{}, errNotFound
	}
	return src, nil
}

func (s *Server) sendSource(c echo.Context, status int, src calendar.Source) error {
	j, err := s.describeSource(c, src)
	if err != nil {
		return err
	}
	c.Response().Header().Set(headerETag, etag("s", src.Version))
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(status, j)
}

func (s *Server) getSource(c echo.Context) error {
	src, err := s.managedSource(c)
	if err != nil {
		return err
	}
	return s.sendSource(c, http.StatusOK, src)
}

// sourceInput is the body of POST and PATCH /sources; absent fields keep
// their value on PATCH. password is write-only: "" removes it.
type sourceInput struct {
	ID       *string `json:"id"`
	Region   *string `json:"region"`
	Name     *string `json:"name"`
	Kind     *string `json:"kind"`
	URL      *string `json:"url"`
	Username *string `json:"username"`
	Password *string `json:"password"`
	Language *string `json:"language"`
	Paused   *bool   `json:"paused"`
}

func (in sourceInput) apply(src *calendar.Source, create bool) error {
	if in.ID != nil {
		if create {
			return errIDAssigned("source")
		}
		if *in.ID != src.ID {
			return badRequest("invalid", "id", "the id of a source cannot change")
		}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	if in.Region != nil {
		src.Region = agenda.Region(*in.Region)
	}
	if in.Kind != nil {
		if !create && calendar.SourceKind(*in.Kind) != src.Kind {
			return badRequest("invalid", "kind", "the kind of a source cannot change; add a new source")
		}
		src.Kind = calendar.SourceKind(*in.Kind)
	}
	set(&src.Name, in.Name)
	set(&src.URL, in.URL)
	set(&src.Username, in.Username)
	set(&src.Language, in.Language)
	if in.Password != nil {
		src.Password = *in.Password
	}
	if in.Paused != nil {
		src.Paused = *in.Paused
	}
	return nil
}

// checkSource validates src for organizer o.
func checkSource(o access.Organizer, src calendar.Source) error {
	err := src.Validate()
	var ve *agenda.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	if src.Region.Valid() && !manages(o, src.Region) {
		if ve == nil {
			ve = &agenda.ValidationError{Fields: map[string]string{}}
		}
		ve.Fields["region"] = "you manage the sources of " + string(o.Region) + " only"
	}
	if ve != nil {
		return ve
	}
	return nil
}

func (s *Server) createSource(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	if _, _, err := s.sources(); err != nil {
		return err
	}
	var in sourceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.newSource(c, o, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/sources/"+out.ID)
	return s.sendSource(c, http.StatusCreated, out)
}

// newSource adds the source in describes for o and records it in the
// audit log: the one path of the API and the organizer app's form.
func (s *Server) newSource(c echo.Context, o access.Organizer, in sourceInput) (calendar.Source, error) {
	src := calendar.Source{}
	if err := in.apply(&src, true); err != nil {
		return calendar.Source{}, err
	}
	src.ID = agenda.NewID("src-")
	if err := checkSource(o, src); err != nil {
		return calendar.Source{}, err
	}
	out, err := s.syncStore.PutSource(c.Request().Context(), src, 0)
	if err != nil {
		return calendar.Source{}, err
	}
	s.auditSource(c, calendar.Source{}, out, false)
	s.sync.Kick()
	return out, nil
}

// changeSource applies in to src, as read at src.Version by o, who
// manages it, and records the change in the audit log: the one path of
// the API and the organizer app's forms.
func (s *Server) changeSource(c echo.Context, o access.Organizer, src calendar.Source, in sourceInput) (calendar.Source, error) {
	old := src
	if err := in.apply(&src, false); err != nil {
		return calendar.Source{}, err
	}
	if err := checkSource(o, src); err != nil {
		return calendar.Source{}, err
	}
	out, err := s.syncStore.PutSource(c.Request().Context(), src, src.Version)
	if err != nil {
		return calendar.Source{}, err
	}
	s.auditSource(c, old, out, false)
	s.sync.Kick()
	return out, nil
}

// changeableSource is the source a write names, once the caller may manage
// it and If-Match matches its version (428 without, 412 when stale).
func (s *Server) changeableSource(c echo.Context) (calendar.Source, error) {
	src, err := s.managedSource(c)
	if err != nil {
		return calendar.Source{}, err
	}
	v, err := ifMatch(c, "s")
	if err != nil {
		return calendar.Source{}, err
	}
	if v != 0 && v != src.Version {
		return calendar.Source{}, agenda.ErrConflict
	}
	return src, nil
}

func (s *Server) patchSource(c echo.Context) error {
	src, err := s.changeableSource(c)
	if err != nil {
		return err
	}
	var in sourceInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, _ := requireOrganizer(c)
	out, err := s.changeSource(c, o, src, in)
	if err != nil {
		return err
	}
	return s.sendSource(c, http.StatusOK, out)
}

// deleteSource removes a source; the events imported from it are
// cancelled (they stay, so that subscribed calendars drop them).
func (s *Server) deleteSource(c echo.Context) error {
	src, err := s.changeableSource(c)
	if err != nil {
		return err
	}
	// Cancel first: should the delete then fail, the source is still
	// there and its next sync brings back what it still lists.
	ctx := c.Request().Context()
	if _, err := s.sync.Remove(ctx, src.ID); err != nil {
		return err
	}
	if err := s.syncStore.DeleteSource(ctx, src.ID, src.Version); err != nil {
		return err
	}
	s.auditSource(c, src, src, true)
	return c.NoContent(http.StatusNoContent)
}

// syncSource fetches the source now and answers with its new status.
func (s *Server) syncSource(c echo.Context) error {
	src, err := s.managedSource(c)
	if err != nil {
		return err
	}
	if err := s.syncNow(c.Request().Context(), src); err != nil {
		return err
	}
	return s.sendSource(c, http.StatusOK, src)
}

// syncNow fetches (and pushes) src now.
func (s *Server) syncNow(ctx context.Context, src calendar.Source) error {
	if _, err := s.sync.Sync(ctx, src.ID); errors.Is(err, calendar.ErrBusy) {
		return errSyncBusy
	} else if err != nil {
		return err
	}
	return nil
}

// confirmNow accepts the mass cancellation a fetch of src held back.
func (s *Server) confirmNow(ctx context.Context, src calendar.Source) error {
	if _, err := s.sync.Confirm(ctx, src.ID); errors.Is(err, agenda.ErrConflict) {
		return errNothingToConfirm
	} else if err != nil {
		return err
	}
	return nil
}

var (
	errSyncBusy         = &apiError{Status: http.StatusConflict, Code: "busy", Message: "another instance is syncing this source; try again shortly"}
	errNothingToConfirm = &apiError{Status: http.StatusConflict, Code: "nothing_to_confirm", Message: "this source has no held-back cancellation to confirm"}
)

// confirmSource accepts the mass cancellation a fetch held back.
func (s *Server) confirmSource(c echo.Context) error {
	src, err := s.managedSource(c)
	if err != nil {
		return err
	}
	if err := s.confirmNow(c.Request().Context(), src); err != nil {
		return err
	}
	return s.sendSource(c, http.StatusOK, src)
}

// withSources adds the sources API to the OpenAPI document.
func withSources(doc obj) obj {
	id := param("id", "path", "source id", true)
	ifm := param("If-Match", "header", "ETag last read; * to overwrite. Missing: 428; stale: 412.", true)
	sec := []any{obj{"bearer": []any{}}}
	errs := obj{"400": errResp("malformed body"), "401": errResp("missing or bad token"), "404": errResp("no such source (or not yours to manage)"),
		"409": errResp("another instance is syncing, or nothing to confirm"), "412": errResp("stale If-Match"),
		"422": errResp("the input breaks a rule; fields name it"), "428": errResp("If-Match missing")}
	resp := withErrors(errs)
	schemas := doc["components"].(obj)["schemas"].(obj)
	// Imported events: their kind, label and whole days.
	event := schemas["Event"].(obj)["properties"].(obj)
	event["all_day"] = obj{"type": "boolean", "readOnly": true, "description": "whole days: start and end are midnights in the event's zone"}
	event["origin"] = obj{"type": "object", "readOnly": true, "description": "set on events imported from a source; editing them is refused (422, field origin)",
		"properties": obj{"source": obj{"type": "string"}, "name": obj{"type": "string"},
			"url": obj{"type": "string", "description": "the source's address for its region's organizers and head office; only its scheme and host for anyone else"},
			"uid": obj{"type": "string"}, "recurrence_id": obj{"type": "string", "format": "date-time"}}}
	schemas["Source"] = obj{"type": "object", "properties": obj{
		"id":     obj{"type": "string", "readOnly": true, "description": "assigned by the server; sending one is a 422 (field id)"},
		"region": enum(agenda.Regions),
		"name":   obj{"type": "string", "maxLength": calendar.MaxSourceName}, "kind": enum(calendar.SourceKinds),
		"url":      obj{"type": "string", "description": "ICS URL, or CalDAV collection URL (http or https)"},
		"username": obj{"type": "string", "description": "CalDAV basic auth"}, "password": obj{"type": "string", "writeOnly": true, "description": "CalDAV basic auth; never returned"},
		"has_password": obj{"type": "boolean", "readOnly": true}, "language": obj{"type": "string", "description": "language of texts that do not say theirs (default en)"},
		"paused": obj{"type": "boolean"},
		"status": obj{"type": "object", "readOnly": true, "properties": obj{
			"state":      enum(calendar.States),
			"last_fetch": obj{"type": "string", "format": "date-time", "nullable": true}, "result": enum(calendar.Results),
			"added": obj{"type": "integer"}, "updated": obj{"type": "integer"}, "cancelled": obj{"type": "integer"},
			"next_fetch": obj{"type": "string", "format": "date-time", "nullable": true}, "last_error": obj{"type": "string"},
			"failures": obj{"type": "integer"}, "progress": obj{"type": "object", "properties": obj{"done": obj{"type": "integer"}, "total": obj{"type": "integer"}}},
			"warnings": obj{"type": "array", "items": obj{"type": "string"}}, "pending_cancel": obj{"type": "integer", "description": "events a confirmation would cancel"},
			"pushed": obj{"type": "integer"}, "refresh_seconds": obj{"type": "integer"}}},
		"conflicts": obj{"type": "array", "readOnly": true, "items": obj{"type": "object", "properties": obj{
			"event": obj{"type": "string"}, "href": obj{"type": "string"}, "message": obj{"type": "string"}, "at": obj{"type": "string", "format": "date-time"}}}},
	}}
	paths := doc["paths"].(obj)
	paths["/sources"] = obj{
		"get":  obj{"summary": "regional calendar sources you manage, with their sync status", "security": sec, "responses": resp("200", "sources", obj{"type": "object", "properties": obj{"sources": obj{"type": "array", "items": ref("Source")}}})},
		"post": obj{"summary": "add an ICS or CalDAV source", "security": sec, "requestBody": jsonBody(ref("Source")), "responses": resp("201", "created; ETag header", ref("Source"))},
	}
	paths["/sources/{id}"] = obj{
		"parameters": []any{id},
		"get":        obj{"summary": "one source and its status", "security": sec, "responses": resp("200", "the source; ETag header", ref("Source"))},
		"patch":      obj{"summary": "change a source (merge; password write-only)", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(ref("Source")), "responses": resp("200", "changed", ref("Source"))},
		"delete":     obj{"summary": "remove a source; its imported events are cancelled", "security": sec, "parameters": []any{ifm}, "responses": obj{"204": obj{"description": "removed"}, "404": errResp("no such source"), "412": errResp("stale If-Match"), "428": errResp("If-Match missing")}},
	}
	paths["/sources/{id}/sync"] = obj{"parameters": []any{id},
		"post": obj{"summary": "fetch (and push) now", "security": sec, "responses": resp("200", "the source with its new status", ref("Source"))}}
	paths["/sources/{id}/confirm"] = obj{"parameters": []any{id},
		"post": obj{"summary": "accept the mass cancellation a fetch held back (state needs_confirmation)", "security": sec, "responses": resp("200", "the source with its new status", ref("Source"))}}
	return doc
}
