package server

import (
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// Member institutions (/api/v1/institutions): head office keeps the
// registry (create, change, delete, CSV import); a regional secretariat
// reads its own region's institutions, and the others are 404 to it.
// There is nothing secret in the registry, but a secretariat has no use
// for the others'.

// assembly makes the general assembly's services when the store keeps its
// data; without them the institution and ballot routes answer 404.
func (s *Server) assembly(st Store, cfg Config) {
	is, ok1 := st.(institution.Store)
	bs, ok2 := st.(ballot.Store)
	if !ok1 || !ok2 {
		return
	}
	s.institutions = institution.New(institution.Config{Languages: s.langs, UserAssignedCountries: cfg.UserAssignedCountries,
		ReservedIDs: registryPageWords}, is)
	s.ballots = ballot.New(ballot.Config{Languages: s.langs, Registry: is, Events: st}, bs)
}

// registryPageWords are the organizer app's own pages beside the
// institutions' under /organizer/institutions/ (routes.go): a new
// institution may not take one as its ID, or its page could not be
// reached (nor GET /api/v1/institutions/import).
var registryPageWords = []string{"new", "import"}

// registry returns the institution service, or 404 without one.
func (s *Server) registry() (*institution.Service, error) {
	if s.institutions == nil {
		return nil, errNotFound
	}
	return s.institutions, nil
}

// headOffice refuses writes to the registry from regional secretariats.
func headOffice(o access.Organizer) error {
	if o.Region != agenda.RegionGlobal && o.Region != "" {
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "only head office changes the registry of institutions"}
	}
	return nil
}

func (s *Server) listInstitutions(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	reg, err := s.registry()
	if err != nil {
		return err
	}
	f := institution.Filter{Region: agenda.Region(c.QueryParam("region")), Status: institution.Status(c.QueryParam("status"))}
	if f.Region != "" && (!f.Region.Valid() || f.Region == agenda.RegionGlobal) {
		return badRequest("invalid", "region", "must be one of africa, americas, asia-pacific, europe")
	}
	if f.Status != "" && !f.Status.Valid() {
		return badRequest("invalid", "status", "must be one of A, B, none")
	}
	all, err := reg.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := []institution.Institution{}
	for _, in := range all {
		if o.Manages(in.Region) {
			out = append(out, in)
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(http.StatusOK, map[string]any{"institutions": out})
}

// visibleInstitution loads the institution named in the path if the caller
// may see it; others are 404.
func (s *Server) visibleInstitution(c echo.Context) (institution.Institution, access.Organizer, error) {
	o, err := requireOrganizer(c)
	if err != nil {
		return institution.Institution{}, o, err
	}
	reg, err := s.registry()
	if err != nil {
		return institution.Institution{}, o, err
	}
	id := c.Param("id")
	if !institution.ValidID(id) {
		return institution.Institution{}, o, errNotFound
	}
	in, err := reg.Get(c.Request().Context(), id)
	if errors.Is(err, institution.ErrNotFound) || err == nil && !o.Manages(in.Region) {
		return institution.Institution{}, o, errNotFound
	}
	return in, o, err
}

func sendInstitution(c echo.Context, status int, in institution.Institution) error {
	c.Response().Header().Set(headerETag, etag("n", in.Version))
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(status, in)
}

func (s *Server) getInstitution(c echo.Context) error {
	in, _, err := s.visibleInstitution(c)
	if err != nil {
		return err
	}
	return sendInstitution(c, http.StatusOK, in)
}

// institutionInput is the body of POST and PATCH /institutions; absent
// fields keep their value on PATCH, name merges per language (an empty
// string removes one). status and accredited_on follow the history:
// accredit appends a change to it.
type institutionInput struct {
	ID        *string                 `json:"id"`
	Name      agenda.Text             `json:"name"`
	Country   *string                 `json:"country"`
	Region    *agenda.Region          `json:"region"`
	History   *[]institution.Change   `json:"history"`
	Delegates *[]institution.Delegate `json:"delegates"`
	Accredit  *institution.Change     `json:"accredit"`
	// Read-only fields, accepted (and ignored) so that a client may send
	// back what it read.
	Status       *string `json:"status"`
	AccreditedOn *string `json:"accredited_on"`
	Version      *int64  `json:"version"`
}

func (in institutionInput) apply(x *institution.Institution) {
	if x.Name == nil {
		x.Name = agenda.Text{}
	}
	for l, v := range in.Name {
		if v == "" {
			delete(x.Name, l)
		} else {
			x.Name[l] = v
		}
	}
	if in.Country != nil {
		x.Country = *in.Country
	}
	if in.Region != nil {
		x.Region = *in.Region
	}
	if in.History != nil {
		x.History = *in.History
	}
	if in.Delegates != nil {
		x.Delegates = *in.Delegates
	}
	if in.Accredit != nil {
		x.History = append(x.History, *in.Accredit)
	}
}

// writableRegistry is the registry for a write: head office only.
func (s *Server) writableRegistry(c echo.Context) (*institution.Service, error) {
	o, err := requireOrganizer(c)
	if err != nil {
		return nil, err
	}
	if err := headOffice(o); err != nil {
		return nil, err
	}
	return s.registry()
}

func (s *Server) createInstitution(c echo.Context) error {
	reg, err := s.writableRegistry(c)
	if err != nil {
		return err
	}
	var in institutionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.newInstitution(c, reg, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/institutions/"+out.ID)
	return sendInstitution(c, http.StatusCreated, out)
}

// errInstitutionExists refuses a new institution whose id is taken.
var errInstitutionExists = &apiError{Status: http.StatusConflict, Code: "exists", Message: "an institution has this id", Fields: map[string]string{"id": "taken"}}

// newInstitution adds an institution from in and records it in the audit
// log: the one path of the API and the organizer app's form.
func (s *Server) newInstitution(c echo.Context, reg *institution.Service, in institutionInput) (institution.Institution, error) {
	var x institution.Institution
	if in.ID != nil {
		x.ID = *in.ID
	}
	in.apply(&x)
	out, err := reg.Create(c.Request().Context(), x)
	if errors.Is(err, institution.ErrConflict) {
		return out, errInstitutionExists
	}
	if err == nil {
		s.auditInstitution(c, institution.Institution{}, out, false)
	}
	return out, err
}

// changeInstitution applies in to x, read at its stored version (the
// If-Match of the API, the form's version), and records the change in
// the audit log: the one path of the API and the organizer app's form.
func (s *Server) changeInstitution(c echo.Context, reg *institution.Service, x institution.Institution, in institutionInput) (institution.Institution, error) {
	if in.ID != nil && *in.ID != x.ID {
		return x, badRequest("invalid", "id", "the id of an institution cannot change")
	}
	old := x.Clone()
	in.apply(&x)
	out, err := reg.Update(c.Request().Context(), x, x.Version)
	if err == nil {
		s.auditInstitution(c, old, out, false)
	}
	return out, err
}

// applyImport applies a previewed registry CSV (digest from the preview)
// and records what it wrote in the audit log, also when a write failed
// part of the way: the one path of the API and the organizer app.
func (s *Server) applyImport(c echo.Context, reg *institution.Service, body io.Reader, digest string) (institution.Plan, error) {
	pl, err := reg.Apply(c.Request().Context(), body, digest)
	if pl.Applied == 0 {
		return pl, err
	}
	ent := audit.Entry{Action: audit.InstitutionsImported}
	written := 0
	for _, rp := range pl.Rows {
		if written == pl.Applied || rp.Action != institution.ActionAdd && rp.Action != institution.ActionChange {
			continue
		}
		written++
		if rp.Action == institution.ActionAdd {
			ent.Added = append(ent.Added, rp.ID)
		} else {
			ent.Changed = append(ent.Changed, rp.ID)
		}
	}
	s.audit(c, ent)
	return pl, err
}

// auditInstitution records what a write did to an institution (old: the
// zero Institution for a creation; deleted: it was removed): the names of
// the fields changed and an accreditation's statuses, never who its
// delegates are.
func (s *Server) auditInstitution(c echo.Context, old, cur institution.Institution, deleted bool) {
	ent := audit.Entry{Action: audit.InstitutionChanged, Institution: &audit.InstitutionRef{ID: cur.ID, Name: cur.Name.Clone(), Region: cur.Region}}
	switch {
	case deleted:
		ent.Action = audit.InstitutionDeleted
	case old.ID == "":
		ent.Action = audit.InstitutionCreated
	default:
		var fields fieldNames
		add := fields.add
		add("name", !maps.Equal(old.Name, cur.Name))
		add("country", old.Country != cur.Country)
		add("region", old.Region != cur.Region)
		add("history", !slices.Equal(old.History, cur.History))
		add("delegates", !slices.Equal(old.Delegates, cur.Delegates))
		ent.Fields = fields
		if old.Status != cur.Status {
			ent.Action = audit.InstitutionAccredited
			ent.Accreditation = []string{statusName(old.Status), statusName(cur.Status)}
		}
	}
	s.audit(c, ent)
}

// statusName is an accreditation status as the audit log says it.
func statusName(st institution.Status) string {
	if st == "" {
		return string(institution.StatusNone)
	}
	return string(st)
}

// changeableInstitution is the institution a write names, once the caller
// is head office and If-Match names its version (428 without).
func (s *Server) changeableInstitution(c echo.Context) (institution.Institution, error) {
	x, o, err := s.visibleInstitution(c)
	if err != nil {
		return x, err
	}
	if err := headOffice(o); err != nil {
		return x, err
	}
	v, err := ifMatch(c, "n")
	if err != nil {
		return x, err
	}
	if v != 0 && v != x.Version {
		return x, institution.ErrConflict
	}
	return x, nil
}

func (s *Server) patchInstitution(c echo.Context) error {
	x, err := s.changeableInstitution(c)
	if err != nil {
		return err
	}
	var in institutionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.changeInstitution(c, s.institutions, x, in)
	if err != nil {
		return err
	}
	return sendInstitution(c, http.StatusOK, out)
}

func (s *Server) deleteInstitution(c echo.Context) error {
	x, err := s.changeableInstitution(c)
	if err != nil {
		return err
	}
	if err := s.institutions.Delete(c.Request().Context(), x.ID, x.Version); err != nil {
		return err
	}
	s.auditInstitution(c, x, x, true)
	return c.NoContent(http.StatusNoContent)
}

// importCSV answers POST /institutions/import: with ?digest= (from a
// preview) it applies the file, else it previews it, writing nothing.
func (s *Server) importInstitutions(c echo.Context) error {
	reg, err := s.writableRegistry(c)
	if err != nil {
		return err
	}
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != "text/csv" {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the registry as Content-Type: text/csv"}
	}
	ctx, body := c.Request().Context(), c.Request().Body
	var pl institution.Plan
	if d := c.QueryParam("digest"); d == "" {
		pl, err = reg.Preview(ctx, body)
	} else if len(d) > 128 || strings.ContainsFunc(d, isControl) {
		return badRequest("invalid", "digest", "the digest of a preview")
	} else {
		pl, err = s.applyImport(c, reg, body, d)
	}
	if errors.Is(err, institution.ErrConflict) {
		return &apiError{Status: http.StatusConflict, Code: "changed", Message: "the registry or the file changed since the preview: preview again",
			Fields: map[string]string{"digest": "does not match the file and the registry as they are now"}}
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(http.StatusOK, pl)
}

// withInstitutions adds the registry to the OpenAPI document.
func withInstitutions(doc obj) obj {
	id := param("id", "path", "institution id", true)
	ifm := param("If-Match", "header", "ETag last read; * to overwrite. Missing: 428; stale: 412.", true)
	sec := []any{obj{"bearer": []any{}}}
	errs := obj{"400": errResp("malformed body"), "401": errResp("missing or bad token"), "403": errResp("only head office changes the registry"),
		"404": errResp("no such institution (or not of your region)"), "412": errResp("stale If-Match"),
		"422": errResp("the input breaks a rule; fields name it"), "428": errResp("If-Match missing")}
	resp := withErrors(errs)
	text := obj{"type": "object", "description": "text per language code", "additionalProperties": obj{"type": "string"}}
	change := obj{"type": "object", "properties": obj{"status": enum(institution.Statuses), "date": obj{"type": "string", "format": "date"},
		"note": obj{"type": "string", "maxLength": institution.MaxNoteRunes}}}
	schemas := doc["components"].(obj)["schemas"].(obj)
	schemas["Institution"] = obj{"type": "object", "properties": obj{
		"id":   obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$", "description": "chosen on create (not new or import: the organizer app's own pages); never changes"},
		"name": text, "country": obj{"type": "string", "description": "ISO 3166-1 alpha-2"},
		"region":        enum([]agenda.Region{agenda.RegionAfrica, agenda.RegionAmericas, agenda.RegionAsiaPacific, agenda.RegionEurope}),
		"status":        with(enum(institution.Statuses), "readOnly", true),
		"accredited_on": obj{"type": "string", "format": "date", "readOnly": true},
		"history":       obj{"type": "array", "items": change, "maxItems": institution.MaxHistory, "description": "accreditation changes, oldest first"},
		"accredit":      with(change, "writeOnly", true),
		"delegates": obj{"type": "array", "maxItems": institution.MaxDelegates, "items": obj{"type": "object", "properties": obj{
			"ref": obj{"type": "string"}, "alternate": obj{"type": "boolean"}}}},
		"version": obj{"type": "integer", "readOnly": true},
	}}
	plan := obj{"type": "object", "description": "what the import does, row by row (rows[].errors name the column)", "properties": obj{
		"rows": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"row": obj{"type": "integer"}, "id": obj{"type": "string"},
			"action":  enum([]institution.Action{institution.ActionAdd, institution.ActionChange, institution.ActionUnchanged, institution.ActionInvalid}),
			"changes": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"field": obj{"type": "string"}, "old": obj{"type": "string"}, "new": obj{"type": "string"}}}},
			"errors":  obj{"type": "object", "additionalProperties": obj{"type": "string"}}}}},
		"added": obj{"type": "integer"}, "changed": obj{"type": "integer"}, "unchanged": obj{"type": "integer"}, "invalid": obj{"type": "integer"},
		"digest": obj{"type": "string"}, "applied": obj{"type": "integer"}}}
	paths := doc["paths"].(obj)
	paths["/institutions"] = obj{
		"get": obj{"summary": "member institutions (a regional secretariat sees its region's)", "security": sec,
			"parameters": []any{param("region", "query", "one regional network", false), param("status", "query", "A, B or none", false)},
			"responses":  resp("200", "institutions by id", obj{"type": "object", "properties": obj{"institutions": obj{"type": "array", "items": ref("Institution")}}})},
		"post": obj{"summary": "add an institution (head office)", "security": sec, "requestBody": jsonBody(ref("Institution")),
			"responses": with(resp("201", "created; ETag header", ref("Institution")), "409", errResp("the id is taken"))},
	}
	paths["/institutions/{id}"] = obj{
		"parameters": []any{id},
		"get":        obj{"summary": "one institution", "security": sec, "responses": resp("200", "the institution; ETag header", ref("Institution"))},
		"patch": obj{"summary": "change an institution (head office; merge, names per language; accredit appends to the history)", "security": sec,
			"parameters": []any{ifm}, "requestBody": jsonBody(ref("Institution")), "responses": resp("200", "changed", ref("Institution"))},
		"delete": obj{"summary": "remove an institution (head office)", "security": sec, "parameters": []any{ifm},
			"responses": obj{"204": obj{"description": "removed"}, "403": errResp("not head office"), "404": errResp("no such institution"), "412": errResp("stale If-Match"), "428": errResp("If-Match missing")}},
	}
	paths["/institutions/import"] = obj{
		"post": obj{"summary": "import a registry CSV (head office): without digest a preview that writes nothing; with the preview's digest, apply it",
			"security": sec, "parameters": []any{param("digest", "query", "the preview's digest: apply (409 when the file or the registry changed since)", false)},
			"requestBody": obj{"required": true, "content": obj{"text/csv": obj{"schema": obj{"type": "string",
				"description": "header row: id, name_ar, name_en, name_fr, name_es, country, region, status, accredited_on, note (id required, any order)"}}}},
			"responses": with(with(resp("200", "the plan (applied counts the rows written)", plan), "409", errResp("changed since the preview")), "415", errResp("not text/csv"))},
	}
	return doc
}
