package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
)

// openAPIDoc describes /api/v1 in OpenAPI 3.0. It is built once; a test
// checks that every registered /api/v1 route appears in it.
var openAPIDoc = withPolls(withAttendance(withLiveSettings(withAssembly(withInstitutions(withRegistration(withCaptions(withPeople(withEventsApp(withReleases(withSignIn(withSources(buildOpenAPI()))))))))))))

func (s *Server) openAPI(c echo.Context) error {
	doc := make(obj, len(openAPIDoc)+1)
	for k, v := range openAPIDoc {
		doc[k] = v
	}
	doc["servers"] = []any{map[string]any{"url": s.cfg.BaseURL + "/api/v1"}}
	return c.JSON(http.StatusOK, doc)
}

type obj = map[string]any

// enum is an OpenAPI string enum of a domain's own list of values, so the
// document cannot drift from what the code accepts.
func enum[T ~string](values []T) obj {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return obj{"type": "string", "enum": out}
}

// with returns o with key set to value.
func with(o obj, key string, value any) obj {
	o[key] = value
	return o
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonBody(schema obj) obj {
	return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

func jsonResp(desc string, schema obj) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
}

func errResp(desc string) obj { return jsonResp(desc, ref("Error")) }

// withErrors returns a maker of an operation's responses: the one answer
// code, desc, schema, and the error answers errs that every operation of a
// resource shares.
func withErrors(errs obj) func(code, desc string, schema obj) obj {
	return func(code, desc string, schema obj) obj {
		r := obj{code: jsonResp(desc, schema)}
		for k, v := range errs {
			r[k] = v
		}
		return r
	}
}

func param(name, in, desc string, required bool) obj {
	return obj{"name": name, "in": in, "description": desc, "required": required, "schema": obj{"type": "string"}}
}

func buildOpenAPI() obj {
	id := param("id", "path", "event id", true)
	item := param("item", "path", "agenda item id", true)
	ifm := param("If-Match", "header", "ETag last read; * to overwrite. Missing: 428; stale: 412.", true)
	sec := []any{obj{"bearer": []any{}}}
	std := func(ok obj) obj {
		r := obj{"400": errResp("malformed body or parameter"), "401": errResp("missing or bad token"),
			"404": errResp("no such resource (or not visible to you)"), "412": errResp("stale If-Match"),
			"413": errResp("body too large"), "422": errResp("the input breaks a rule; fields name it"),
			"428": errResp("If-Match missing"), "429": errResp("rate limited")}
		for k, v := range ok {
			r[k] = v
		}
		return r
	}
	text := obj{"type": "object", "description": "text keyed by ISO 639-1 language (ar, en, fr, es); fallback en, fr, es, ar", "additionalProperties": obj{"type": "string"}}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "majlis API", "version": "1",
			"description": "Events, agendas and series of the alliance. Times are RFC 3339 in UTC; inputs must carry a zone. Writes need If-Match."},
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "description": "organizer token from `majlis organizer add`"}},
			"schemas": obj{
				"Text": text,
				"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": obj{"type": "object",
					"required": []string{"code", "message"}, "properties": obj{
						"code": obj{"type": "string"}, "message": obj{"type": "string"},
						"fields": obj{"type": "object", "additionalProperties": obj{"type": "string"}}}}}},
				"Event": obj{"type": "object", "properties": obj{
					"id":     obj{"type": "string", "readOnly": true, "description": "assigned by the server at random; sending one on create is a 422 (field id)"},
					"kind":   with(enum(agenda.Kinds), "description", "regional: imported from a regional network's calendar (read-only)"),
					"parent": obj{"type": "string", "nullable": true, "description": "its annual meeting; null when there is none or you may not see it"}, "series": obj{"type": "string"},
					"title": ref("Text"), "description": ref("Text"),
					"start": obj{"type": "string", "format": "date-time"}, "end": obj{"type": "string", "format": "date-time"},
					"local_start": obj{"type": "string", "format": "date-time", "readOnly": true}, "local_end": obj{"type": "string", "format": "date-time", "readOnly": true},
					"timezone":   obj{"type": "string", "example": "Europe/Zurich"},
					"region":     enum(agenda.Regions),
					"visibility": enum(agenda.Visibilities),
					"status":     enum(agenda.Statuses),
					"languages":  obj{"type": "array", "items": obj{"type": "string"}},
					"location":   obj{"oneOf": []any{ref("Text"), obj{"type": "string", "description": "read as English"}}, "description": "answered as a Text object"}, "invitees": obj{"type": "array", "items": obj{"type": "string"}},
					"sequence": obj{"type": "integer", "readOnly": true}, "created": obj{"type": "string", "format": "date-time", "readOnly": true},
					"updated": obj{"type": "string", "format": "date-time", "readOnly": true}, "url": obj{"type": "string", "readOnly": true},
					"owner": obj{"type": "string", "readOnly": true}}},
				"Item": obj{"type": "object", "required": []string{"title", "start", "duration", "kind"}, "properties": obj{
					"id": obj{"type": "string"}, "title": ref("Text"), "start": obj{"type": "string", "format": "date-time"},
					"end": obj{"type": "string", "format": "date-time"}, "duration": obj{"type": "integer", "description": "minutes"},
					"speakers": obj{"type": "array", "description": "names and titles, each a Text (a plain string is read as English)", "items": obj{"oneOf": []any{ref("Text"), obj{"type": "string"}}}}, "floor_language": obj{"type": "string"},
					"kind":     enum(agenda.ItemKinds),
					"parallel": obj{"type": "boolean"}}},
				"Clash": obj{"type": "object", "properties": obj{"event": ref("Event"),
					"overlap_start": obj{"type": "string", "format": "date-time"}, "overlap_end": obj{"type": "string", "format": "date-time"},
					"overlap_minutes": obj{"type": "integer"}}},
				"EventWritten": obj{"allOf": []any{ref("Event"), obj{"type": "object", "properties": obj{
					"clashes": obj{"type": "array", "items": ref("Clash"), "description": "the event's clashes that the caller may see; never blocks the write; absent when they could not be computed"}}}}},
				"Slot": obj{"type": "object", "properties": obj{
					"start": obj{"type": "string", "format": "date-time"}, "end": obj{"type": "string", "format": "date-time"},
					"worst_stretch_minutes": obj{"type": "integer", "description": "how far beyond its working hours the worst-off region is asked to attend (0: everyone inside)"},
					"total_minutes_outside": obj{"type": "integer"},
					"clashes":               obj{"type": "integer", "description": "events the caller may see that overlap the slot for one of the regions' audiences"},
					"regions": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
						"region": obj{"type": "string"}, "zone": obj{"type": "string", "example": "Australia/Sydney"},
						"zone_abbreviation": obj{"type": "string", "example": "AEST"},
						"local_start":       obj{"type": "string", "format": "date-time"}, "local_end": obj{"type": "string", "format": "date-time"},
						"inside_working_hours": obj{"type": "boolean"}, "minutes_outside": obj{"type": "integer"},
						"minutes_at_night": obj{"type": "integer"}, "stretch_minutes": obj{"type": "integer"}}}}}},
				"Invite": obj{"type": "object", "properties": obj{
					"id": obj{"type": "string"}, "event": obj{"type": "string"}, "role": obj{"type": "string"}, "name": obj{"type": "string"},
					"institution": obj{"type": "string"}, "languages": obj{"type": "array", "items": obj{"type": "string"}}, "booth": obj{"type": "string"},
					"expires": obj{"type": "string", "format": "date-time", "description": "when it stops working, for the event as it is now"},
					"created": obj{"type": "string", "format": "date-time"}, "by": obj{"type": "string", "description": "the issuing organizer"},
					"revoked": obj{"type": "boolean"}, "last_joined": obj{"type": "string", "format": "date-time", "description": "absent until the token first opens the room"},
					"token": obj{"type": "string", "description": "only in the answer to POST: mjj_ and 26 base32 characters"},
					"url":   obj{"type": "string", "description": "only in the answer to POST"}}},
				"Agenda": obj{"type": "object", "properties": obj{"event": obj{"type": "string"}, "items": obj{"type": "array", "items": ref("Item")}}},
				"Series": obj{"type": "object", "properties": obj{"id": obj{"type": "string"}, "title": ref("Text"),
					"region":         obj{"type": "string", "readOnly": true, "description": "the secretariat it belongs to (set on creation); its organizers and head office may change it"},
					"owner":          obj{"type": "string", "readOnly": true, "description": "the organizer who created it (organizers only)"},
					"standing_items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"title": ref("Text"), "duration": obj{"type": "integer"}}}}}},
			},
		},
		"paths": obj{
			"/openapi.json": obj{"get": obj{"summary": "this document", "responses": obj{"200": obj{"description": "OpenAPI 3 document"}}}},
			"/events": obj{
				"get": obj{"summary": "list events visible to the caller", "parameters": []any{
					param("from", "query", "events ending after (RFC 3339 with zone)", false), param("to", "query", "events starting before", false),
					param("region", "query", "region", false), param("kind", "query", "kind", false), param("parent", "query", "parent event id", false),
					param("status", "query", "status", false)},
					"responses": std(obj{"200": jsonResp("events", obj{"type": "object", "properties": obj{"events": obj{"type": "array", "items": ref("Event")}}})})},
				"post": obj{"summary": "create an event", "security": sec, "requestBody": jsonBody(ref("Event")),
					"responses": std(obj{"201": jsonResp("created, with its clashes; ETag header", ref("EventWritten"))})},
			},
			"/events/{id}": obj{
				"parameters": []any{id},
				"get":        obj{"summary": "one event", "responses": std(obj{"200": jsonResp("the event; ETag header", ref("Event")), "304": obj{"description": "not modified"}})},
				"patch":      obj{"summary": "change an event (merge)", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(ref("Event")), "responses": std(obj{"200": jsonResp("changed, with its clashes", ref("EventWritten"))})},
				"delete":     obj{"summary": "remove a draft, or cancel a published event", "security": sec, "parameters": []any{ifm}, "responses": std(obj{"200": jsonResp("cancelled", ref("Event")), "204": obj{"description": "removed"}})},
			},
			"/events/{id}/agenda": obj{
				"parameters": []any{id},
				"get":        obj{"summary": "an event's agenda", "responses": std(obj{"200": jsonResp("agenda; ETag header", ref("Agenda"))})},
				"put":        obj{"summary": "replace the agenda", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(ref("Agenda")), "responses": std(obj{"200": jsonResp("agenda", ref("Agenda"))})},
			},
			"/events/{id}/agenda/items": obj{
				"parameters": []any{id},
				"post":       obj{"summary": "add an item", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(ref("Item")), "responses": std(obj{"201": jsonResp("item; agenda ETag header", ref("Item"))})},
			},
			"/events/{id}/agenda/items/{item}": obj{
				"parameters": []any{id, item},
				"patch":      obj{"summary": "move, resize or edit an item", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(ref("Item")), "responses": std(obj{"200": jsonResp("item", ref("Item"))})},
				"delete":     obj{"summary": "delete an item", "security": sec, "parameters": []any{ifm}, "responses": std(obj{"204": obj{"description": "deleted"}})},
			},
			"/events/{id}/invites": obj{
				"parameters": []any{id},
				"post": obj{"summary": "invite one person to the event's room: the join token (shown only here) and the page they open (docs/protocol.md)", "security": sec,
					"requestBody": jsonBody(obj{"type": "object", "required": []any{"role", "name"}, "additionalProperties": false, "properties": obj{
						"role":        enum(realtime.Roles),
						"name":        obj{"type": "string", "maxLength": 80},
						"institution": obj{"type": "string", "maxLength": 80},
						"languages":   obj{"type": "array", "maxItems": maxInviteLanguages, "items": obj{"type": "string"}, "description": "preferred first; an interpreter's input languages"},
						"booth":       obj{"type": "string", "description": "an interpreter's target language, one of the event's"},
						"expires_in": obj{"type": "integer", "minimum": minInviteLife,
							"description": "seconds; default and maximum: until the event ends plus one day (a longer lifetime is a 422 naming expires_in)"},
					}}),
					"responses": std(obj{"201": jsonResp("the invitation with its token and url, the page the invitee opens: /events/{id}/session?token=…, or /events/{id}/booth?token=… for an interpreter", ref("Invite"))}),
				},
				"get": obj{"summary": "the event's invitations, oldest first, revoked ones too; never their tokens", "security": sec,
					"responses": std(obj{"200": jsonResp("invitations", obj{"type": "object", "properties": obj{
						"event": obj{"type": "string"}, "invites": obj{"type": "array", "items": ref("Invite")}}})})},
			},
			"/events/{id}/invites/{invite}": obj{
				"parameters": []any{id, param("invite", "path", "invitation id", true)},
				"delete": obj{"summary": "revoke an invitation: its token stops working at once (no If-Match: revocation only goes one way; revoking twice is 204 again)", "security": sec,
					"responses": std(obj{"204": obj{"description": "revoked"}})},
			},
			"/events/{id}/coverage": obj{
				"parameters": []any{id},
				"get": obj{"summary": "interpretation coverage: per agenda item (item \"\" is the time outside items) and channel, how long a publisher was live and how many listened; running until now", "security": sec,
					"parameters": []any{param("format", "query", "json (default) or csv; Accept: text/csv also gives CSV (header row; durations in seconds; times UTC RFC 3339)", false),
						param("lang", "query", "language of item titles: ar, en, fr or es (default en)", false)},
					"responses": std(obj{"200": obj{"description": "the report", "content": obj{
						"application/json": obj{"schema": obj{"type": "object", "properties": obj{
							"event": obj{"type": "string"}, "generated": obj{"type": "string", "format": "date-time"}, "language": obj{"type": "string"},
							"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
								"item": obj{"type": "string"}, "title": obj{"type": "string"},
								"start": obj{"type": "string", "format": "date-time"}, "end": obj{"type": "string", "format": "date-time"},
								"seconds": obj{"type": "number"},
								"channels": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
									"channel": obj{"type": "string"}, "live_seconds": obj{"type": "number"}, "listener_seconds": obj{"type": "number"},
									"average_listeners": obj{"type": "number"}, "peak_listeners": obj{"type": "integer"}}}}}}}}}},
						"text/csv": obj{"schema": obj{"type": "string", "description": "item,title,start,end,seconds,channel,live_seconds,listener_seconds,average_listeners,peak_listeners"}}}}})},
			},
			"/feeds/private": obj{
				"get": obj{"summary": "your private iCalendar feed (public events plus the members-only and confidential ones you may see): a secret URL for calendar apps, not your API token", "security": sec,
					"parameters": []any{param("lang", "query", "ar, en, fr or es (default en)", false)},
					"responses":  std(obj{"200": jsonResp("the feed's https and webcal URLs", obj{"type": "object", "properties": obj{"url": obj{"type": "string"}, "webcal": obj{"type": "string"}}})})},
			},
			"/slots": obj{
				"get": obj{"summary": "rank start times on a date by how fairly they fit each region's working hours (anyone; clash counts come from the events the caller may see)",
					"description": "Candidate starts run every step from local midnight of date in zone (default UTC) to the next midnight (23 or 25 hours on a day the zone changes offset). " +
						"Each region is judged in its reference zone on the local date the slot falls on (weekends are outside working hours). Ranking: the smallest worst_stretch_minutes " +
						"(how far the worst-off region is asked beyond its working hours), then total_minutes_outside, then clashes, then the earlier start.",
					"parameters": []any{
						param("date", "query", "YYYY-MM-DD", true),
						param("duration", "query", "15 minutes to 12 hours, whole minutes: 90m, 1h30m or PT1H30M", true),
						param("regions", "query", "comma-separated distinct regions (default africa,americas,asia-pacific,europe)", false),
						param("step", "query", "15m, 30m (default) or 60m", false),
						param("limit", "query", "how many ranked slots, 1 to 100 (default 10)", false),
						param("zone", "query", "IANA zone whose calendar day date names (default UTC)", false)},
					"responses": std(obj{"200": jsonResp("ranked slots", obj{"type": "object", "properties": obj{
						"date": obj{"type": "string"}, "zone": obj{"type": "string"},
						"from": obj{"type": "string", "format": "date-time"}, "to": obj{"type": "string", "format": "date-time"},
						"duration": obj{"type": "integer", "description": "minutes"}, "step": obj{"type": "integer", "description": "minutes"},
						"candidates": obj{"type": "integer", "description": "starts scored before limit"},
						"working_hours": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
							"region": obj{"type": "string"}, "zone": obj{"type": "string"}, "start": obj{"type": "string", "example": "08:00"},
							"end": obj{"type": "string", "example": "20:00"}, "days": obj{"type": "array", "items": obj{"type": "string", "example": "mon"}}}}},
						"slots": obj{"type": "array", "items": ref("Slot")}}})})},
			},
			"/events/{id}/clashes": obj{
				"parameters": []any{id},
				"get": obj{"summary": "events that overlap this one for the same audience (same region, or either is global), among those the caller may see; cancelled events, the event's own parent and children are not clashes",
					"responses": std(obj{"200": jsonResp("clashes", obj{"type": "object", "properties": obj{
						"event": obj{"type": "string"}, "clashes": obj{"type": "array", "items": ref("Clash")}}})})},
			},
			"/series": obj{"get": obj{"summary": "list series", "responses": std(obj{"200": jsonResp("series", obj{"type": "object"})})}},
			"/series/{id}": obj{
				"parameters": []any{param("id", "path", "series id", true)},
				"get":        obj{"summary": "one series", "responses": std(obj{"200": jsonResp("series", ref("Series"))})},
				"put":        obj{"summary": "create or replace a series and its standing items", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(ref("Series")), "responses": std(obj{"200": jsonResp("series", ref("Series")), "403": errResp("the series belongs to another secretariat")})},
			},
		},
	}
}
