package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
)

// Releases (as pretalx's schedule releases): organizers who may edit an
// event read and write its agenda's working draft through the agenda API
// (ETag "a<version>"); everyone else, the event page, the feeds and the
// room see the newest release (ETag "p<version>"). POST …/agenda/releases
// publishes the draft as the next release and bumps the event's SEQUENCE.
// The rule for an event never released is agenda.Published's: publishing
// the event (draft → published, or creating it published) makes release 1
// of its agenda as it stands; demo and imported events are created
// released; an agenda stored before releases existed shows as it is until
// its first edit, which first records it as release 1.

// agendaFor is the agenda of e as the caller sees it: the working draft
// for those who may edit e, the published agenda for anyone else.
func (s *Server) agendaFor(c echo.Context, e agenda.Event) (agenda.Agenda, bool, error) {
	a, err := s.store.GetAgenda(c.Request().Context(), e.ID)
	if err != nil {
		return agenda.Agenda{}, false, err
	}
	if principal(c).CanEdit(e) {
		return a, true, nil
	}
	pub, _ := a.Published()
	return pub, false, nil
}

// releaseJSON is a release as the API shows it.
type releaseJSON struct {
	Number    int    `json:"number"`
	Published string `json:"published"`
	// By is the publishing organizer's ID (organizers only).
	By   string `json:"by,omitempty"`
	Note string `json:"note,omitempty"`
	// Changes are what changed since the previous release; only the newest
	// release has them (older ones keep no items).
	Changes []changeJSON `json:"changes,omitempty"`
}

// changeJSON is one agenda.Change.
type changeJSON struct {
	Kind   agenda.ChangeKind `json:"kind"`
	Item   string            `json:"item"`
	Before *itemJSON         `json:"before,omitempty"`
	After  *itemJSON         `json:"after,omitempty"`
}

func toChangesJSON(chs []agenda.Change) []changeJSON {
	out := make([]changeJSON, 0, len(chs))
	for _, ch := range chs {
		cj := changeJSON{Kind: ch.Kind, Item: ch.Item}
		if ch.Before != nil {
			b := toItemJSON(*ch.Before)
			cj.Before = &b
		}
		if ch.After != nil {
			a := toItemJSON(*ch.After)
			cj.After = &a
		}
		out = append(out, cj)
	}
	return out
}

// newestChanges is what the newest release changed since the one before
// (nil when there is none to compare with).
func newestChanges(a agenda.Agenda) []agenda.Change {
	prev, ok := a.Previous()
	if !ok {
		return nil
	}
	pub, _ := a.Published()
	return agenda.Diff(prev.Items, pub.Items)
}

func toReleaseJSON(r agenda.Release, p access.Principal) releaseJSON {
	out := releaseJSON{Number: r.Number, Published: r.Published.UTC().Format(rfc3339), Note: r.Note}
	if !p.Anonymous() {
		out.By = r.By
	}
	return out
}

// listReleases answers an event's releases, newest first, to whoever may
// see the event (a hidden event's are a 404 like the event's), and to
// those who may edit it what the draft would change (unreleased).
func (s *Server) listReleases(c echo.Context) error {
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	a, err := s.store.GetAgenda(c.Request().Context(), e.ID)
	if err != nil {
		return err
	}
	p := principal(c)
	out := make([]releaseJSON, 0, len(a.Releases))
	for i := len(a.Releases) - 1; i >= 0; i-- {
		r := toReleaseJSON(a.Releases[i], p)
		if i == len(a.Releases)-1 {
			r.Changes = toChangesJSON(newestChanges(a))
		}
		out = append(out, r)
	}
	_, n := a.Published()
	body := map[string]any{"releases": out, "published": n}
	if p.CanEdit(e) {
		pub, _ := a.Published()
		body["unreleased"] = toChangesJSON(agenda.Diff(pub.Items, a.Items))
		c.Response().Header().Set(headerETag, etag("a", a.Version))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	return c.JSON(http.StatusOK, body)
}

// maxNoteBody bounds the body of a release (a note of MaxNoteRunes
// characters, each up to 4 bytes, escaped).
const maxNoteBody = 8 << 10

// createRelease publishes the working draft the caller last read (If-Match
// with the draft's ETag) as the next release.
func (s *Server) createRelease(c echo.Context) error {
	e, v, err := s.editableAgenda(c)
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if c.Request().ContentLength != 0 {
		if c.Request().ContentLength > maxNoteBody {
			return badRequest("invalid", "note", "at most 500 characters")
		}
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	o := principal(c).Organizer
	a, r, err := s.agenda.Publish(c.Request().Context(), e.ID, in.Note, o.ID, versionOrStale(v))
	if err != nil {
		return err
	}
	s.audit(c, audit.Entry{Action: audit.AgendaReleased, Event: audit.RefTo(e), Release: r.Number})
	out := toReleaseJSON(r, principal(c))
	out.Changes = toChangesJSON(newestChanges(a))
	c.Response().Header().Set(headerETag, etag("a", a.Version))
	return c.JSON(http.StatusCreated, out)
}

// withReleases adds the releases to the OpenAPI document.
func withReleases(doc obj) obj {
	id := param("id", "path", "event id", true)
	ifm := param("If-Match", "header", "the draft agenda's ETag last read (\"a…\"); * publishes whatever the draft holds. Missing: 428; stale: 412.", true)
	sec := []any{obj{"bearer": []any{}}}
	errs := obj{"400": errResp("malformed body"), "401": errResp("missing or bad token"), "404": errResp("no such event (or hidden from you)"),
		"412": errResp("stale If-Match"), "422": errResp("the note breaks a rule (field note)"), "428": errResp("If-Match missing")}
	schemas := doc["components"].(obj)["schemas"].(obj)
	change := obj{"type": "object", "properties": obj{"kind": enum([]agenda.ChangeKind{agenda.ChangeAdded, agenda.ChangeMoved, agenda.ChangeRenamed, agenda.ChangeRemoved}),
		"item": obj{"type": "string"}, "before": ref("Item"), "after": ref("Item")}}
	schemas["Change"] = change
	schemas["Release"] = obj{"type": "object", "properties": obj{
		"number":    obj{"type": "integer", "description": "counts the event's releases from 1"},
		"published": obj{"type": "string", "format": "date-time"},
		"by":        obj{"type": "string", "description": "the publishing organizer (organizers only)"},
		"note":      obj{"type": "string", "maxLength": agenda.MaxNoteRunes},
		"changes":   obj{"type": "array", "items": ref("Change"), "description": "what changed since the previous release (newest release only)"},
	}}
	paths := doc["paths"].(obj)
	get := paths["/events/{id}/agenda"].(obj)["get"].(obj)
	get["summary"] = "an event's agenda: the working draft (ETag \"a…\") for organizers who may edit the event, the published release (ETag \"p…\") for anyone else"
	paths["/events/{id}/agenda/releases"] = obj{
		"parameters": []any{id},
		"get": obj{"summary": "the agenda's releases, newest first (the newest " + strconv.Itoa(agenda.MaxReleases) + " kept), the number published, and for those who may edit the event what the draft would change (unreleased)",
			"responses": obj{"200": jsonResp("releases", obj{"type": "object", "properties": obj{
				"releases": obj{"type": "array", "items": ref("Release")}, "published": obj{"type": "integer"},
				"unreleased": obj{"type": "array", "items": ref("Change")}}}), "404": errs["404"]}},
		"post": obj{"summary": "publish the working draft as the next release: the public page, the feeds (SEQUENCE bumped once) and the room show it", "security": sec,
			"parameters": []any{ifm}, "requestBody": jsonBody(obj{"type": "object", "properties": obj{"note": obj{"type": "string", "maxLength": agenda.MaxNoteRunes}}}),
			"responses": merge(obj{"201": jsonResp("the release; the draft's new ETag header", ref("Release"))}, errs)},
	}
	return doc
}

// merge returns a with b's keys added.
func merge(a, b obj) obj {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// changeLine is one change of the agenda on a page.
type changeLine struct {
	Kind string // "added", "moved", "renamed", "removed": the CSS class
	Text string
}

// changesView is what changed in the newest release, on the event page.
type changesView struct {
	Heading string
	Note    string
	Lines   []changeLine
}

// changeLines says chs in the page's language and zone.
func changeLines(p *page, e agenda.Event, chs []agenda.Change) []changeLine {
	out := make([]changeLine, 0, len(chs))
	when := func(it *agenda.Item) string { return p.clock(it.Start, it.End(), p.loc, e.Start) }
	title := func(it *agenda.Item) string { return p.text(it.Title).Text }
	for _, ch := range chs {
		var text string
		switch ch.Kind {
		case agenda.ChangeAdded:
			text = p.Tf("changes.added", "item", title(ch.After), "time", when(ch.After))
		case agenda.ChangeRemoved:
			text = p.Tf("changes.removed", "item", title(ch.Before), "time", when(ch.Before))
		case agenda.ChangeMoved:
			text = p.Tf("changes.moved", "item", title(ch.After), "from", when(ch.Before), "to", when(ch.After))
		case agenda.ChangeRenamed:
			text = p.Tf("changes.renamed", "from", title(ch.Before), "to", title(ch.After))
		}
		out = append(out, changeLine{Kind: string(ch.Kind), Text: text})
	}
	return out
}

// eventChanges is the event page's view of what the newest release
// changed, or nil when there is nothing to compare it with.
func eventChanges(p *page, e agenda.Event, a agenda.Agenda) *changesView {
	chs := newestChanges(a)
	if chs == nil {
		return nil
	}
	r := a.Releases[len(a.Releases)-1]
	v := &changesView{Heading: p.Tf("changes.heading", "n", r.Number, "date", p.releaseTime(r.Published)), Note: r.Note,
		Lines: changeLines(p, e, chs)}
	if len(v.Lines) == 0 {
		v.Lines = []changeLine{{Kind: "none", Text: p.T("changes.none")}}
	}
	return v
}

// releaseTime formats a moment in the page's zone and language.
func (p *page) releaseTime(t time.Time) string {
	t = t.In(p.loc)
	return p.Tf("date.with_time", "date", p.date(t), "time", p.ltr(t.Format("15:04")))
}
