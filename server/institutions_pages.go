package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/violation"
)

// The organizer app's registry of member institutions
// (/organizer/institutions…): the list with its filters, the form of one
// institution (names in the four languages side by side, country, region,
// accreditation with its history, the people who may act for it) and the
// CSV import with its preview. The rules are the API's (institutions.go):
// head office changes the registry, a regional secretariat sees its own
// region's institutions read-only and no other; the forms go through the
// API's paths (newInstitution, changeInstitution, Preview and Apply), so
// that institution's validation is the one rule, shown next to the inputs
// in the organizer's language.

// Limits of the registry pages.
const (
	// maxDelegateRows is how many empty rows the form offers for new
	// people who may act for an institution.
	maxDelegateRows = 2
)

// registryView is what the registry pages show: the list, one
// institution's form, or the import.
type registryView struct {
	CSRF       string
	HeadOffice bool
	List       *institutionList
	Form       *institutionForm
	Import     *importView
}

type institutionList struct {
	Regions, Statuses []option
	Query             string
	MaxQuery          int
	Count             string
	Rows              []institutionRow
	// Done says what the last action did.
	Done string
}

type institutionRow struct {
	ID, URL             string
	Name                localText
	Country, Region     string
	Status, StatusLabel string
	Since               string
	Delegates           int
}

// institutionForm is the form of a new or an existing institution; read
// only for a regional secretariat.
type institutionForm struct {
	New, ReadOnly, Saved bool
	ID, Action, Version  string
	Names                []nameField
	Country              string
	Regions              []option
	StatusLabel, Since   string
	History              []historyRow
	Statuses             []option
	AccreditDate         string
	AccreditNote         string
	Delegates            []delegateRow
	Errors               []formError
	Err                  map[string]string // input id → message
	// Stale lists, after a conflict, what the organizer's form would have
	// changed in the institution as it now is (nothing was saved).
	Stale                    []staleField
	MaxName, MaxNote, MaxRef int
	MaxHistory, MaxDelegates int
}

type nameField struct{ Code, Label, Dir, Value string }

type historyRow struct{ Status, Date, Note string }

type delegateRow struct {
	// Index numbers the row's inputs from 0; Number shows it from 1.
	Index, Number int
	Ref           string
	Alternate     bool
	// Who says whom Ref names: a display name with the role, or that it
	// names nobody the reader may see (namedDelegates).
	Who string
}

type staleField struct{ Field, Now, Yours string }

// importView is the CSV import: the form, then the preview of a file.
type importView struct {
	// CSV is the previewed file, posted again with its Digest to apply it.
	CSV, Digest string
	Previewed   bool
	Summary     string
	Rows        []importRow
	CanApply    bool
	// FileErrors are why the file could not be read at all (English
	// details from the parser, with a heading in the page language).
	FileErrors []string
	// Problem says why the last apply did nothing.
	Problem  string
	MaxBytes int
	MaxRows  int
}

type importRow struct {
	Record          int
	ID              string
	Action, Label   string
	Changes, Errors []string
}

// registryPage is the preamble of the registry pages: the organizer, its
// session and the registry (404 without one).
func (s *Server) registryPage(c echo.Context) (access.Organizer, *page, *registryView, error) {
	o, se, ok := s.signedIn(c)
	if !ok {
		return o, nil, nil, errSignIn
	}
	if _, err := s.registry(); err != nil {
		return o, nil, nil, errPageNotFound
	}
	p, err := s.newPage(c)
	if err != nil {
		return o, nil, nil, err
	}
	return o, p, &registryView{CSRF: access.CSRFToken(s.cfg.Secret, se), HeadOffice: o.HeadOffice()}, nil
}

// errNotHeadOffice is the page of a regional secretariat that tries to
// change the registry.
var errNotHeadOffice = &pageError{Status: http.StatusForbidden, Title: "institutions.forbidden.title", Body: "institutions.forbidden.body"}

// accreditationLabel names an accreditation status.
func accreditationLabel(p *page, st institution.Status) string {
	switch st {
	case institution.StatusA:
		return p.T("institutions.status.a")
	case institution.StatusB:
		return p.T("institutions.status.b")
	}
	return p.T("institutions.status.none")
}

// institutionsPage lists the institutions the organizer may see, filtered
// by region, accreditation and a search in names, ids and countries.
func (s *Server) institutionsPage(c echo.Context) error {
	o, p, v, err := s.registryPage(c)
	if err != nil {
		return signInFirst(c, err)
	}
	q := c.QueryParams()
	region, status, query := agenda.Region(q.Get("region")), institution.Status(q.Get("status")), strings.TrimSpace(q.Get("q"))
	if region != "" && (!region.Valid() || region == agenda.RegionGlobal || !o.Manages(region)) {
		return &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_region", Value: clip(string(region))}
	}
	if status != "" && !status.Valid() {
		return &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "institutions.bad_status", Value: clip(string(status))}
	}
	if utf8.RuneCountInString(query) > maxParam || strings.ContainsFunc(query, isControl) {
		return &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "institutions.bad_query", Value: strconv.Itoa(maxParam)}
	}
	all, err := s.institutions.List(c.Request().Context(), institution.Filter{Region: region, Status: status})
	if err != nil {
		return err
	}
	l := &institutionList{Query: query, MaxQuery: maxParam}
	l.Regions = append(l.Regions, option{Value: "", Label: p.T("institutions.all_regions"), Selected: region == ""})
	for _, r := range agenda.Regions {
		if r != agenda.RegionGlobal && o.Manages(r) {
			l.Regions = append(l.Regions, option{Value: string(r), Label: p.T("region." + string(r)), Selected: r == region})
		}
	}
	l.Statuses = append(l.Statuses, option{Value: "", Label: p.T("institutions.all_statuses"), Selected: status == ""})
	for _, st := range institution.Statuses {
		l.Statuses = append(l.Statuses, option{Value: string(st), Label: accreditationLabel(p, st), Selected: st == status})
	}
	needle := strings.ToLower(query)
	for _, in := range all {
		if !o.Manages(in.Region) || needle != "" && !matches(in, needle) {
			continue
		}
		l.Rows = append(l.Rows, institutionRow{ID: in.ID, URL: "/organizer/institutions/" + url.PathEscape(in.ID), Name: p.text(in.Name),
			Country: in.Country, Region: p.T("region." + string(in.Region)), Status: string(in.Status), StatusLabel: accreditationLabel(p, in.Status),
			Since: in.AccreditedOn, Delegates: len(in.Delegates)})
	}
	l.Count = p.Nf("institutions.count", len(l.Rows))
	switch c.QueryParam("done") {
	case "imported":
		n, _ := strconv.Atoi(c.QueryParam("n"))
		l.Done = p.Nf("institutions.done.imported", n)
	}
	v.List = l
	p.Title = p.T("institutions.title")
	p.Registry = v
	return s.render(c, http.StatusOK, "organizer-institutions", p)
}

// matches reports whether needle (lower case) is in one of in's names, its
// id or its country.
func matches(in institution.Institution, needle string) bool {
	if strings.Contains(in.ID, needle) || strings.Contains(strings.ToLower(in.Country), needle) {
		return true
	}
	for _, n := range in.Name {
		if strings.Contains(strings.ToLower(n), needle) {
			return true
		}
	}
	return false
}

// registryInstitution is the preamble of the pages and forms about one
// institution: registryPage, and the institution the path names as the
// organizer may see it (another region's is not found, like a missing one).
func (s *Server) registryInstitution(c echo.Context) (*page, *registryView, institution.Institution, error) {
	_, p, v, err := s.registryPage(c)
	if err != nil {
		return nil, nil, institution.Institution{}, err
	}
	x, _, err := s.visibleInstitution(c)
	if errors.Is(err, errNotFound) {
		return nil, nil, x, errPageNotFound
	}
	return p, v, x, err
}

// institutionPage is the form of one institution (read only for a
// regional secretariat); another region's is not found.
func (s *Server) institutionPage(c echo.Context) error {
	p, v, x, err := s.registryInstitution(c)
	if err != nil {
		return signInFirst(c, err)
	}
	f := s.institutionForm(p, v, x, nil)
	f.Saved = c.QueryParam("saved") != ""
	return s.renderInstitution(c, http.StatusOK, p, v, f, x)
}

// newInstitutionPage is the empty form (head office).
func (s *Server) newInstitutionPage(c echo.Context) error {
	_, p, v, err := s.registryPage(c)
	if err != nil {
		return signInFirst(c, err)
	}
	if !v.HeadOffice {
		return errNotHeadOffice
	}
	x := institution.Institution{Name: agenda.Text{}}
	return s.renderInstitution(c, http.StatusOK, p, v, s.institutionForm(p, v, x, nil), x)
}

func (s *Server) renderInstitution(c echo.Context, status int, p *page, v *registryView, f *institutionForm, x institution.Institution) error {
	if err := s.nameDelegates(c, p, f); err != nil {
		return err
	}
	v.Form = f
	if f.New {
		p.Title = p.T("institutions.new")
	} else {
		p.Title = p.Tf("institutions.edit", "name", p.text(x.Name).Text)
	}
	p.Registry = v
	return s.render(c, status, "organizer-institution", p)
}

// nameDelegates says whom each delegate row's reference names: the
// display name of the invitation (invite:ID) or the organizer
// (organizer:ID) with the row's role, delegate or alternate. A reference
// to nobody — removed, mistyped, or an invitation to an event the reader
// may not see (never named) — says so in words.
func (s *Server) nameDelegates(c echo.Context, p *page, f *institutionForm) error {
	ctx, pr := c.Request().Context(), principal(c)
	invites := map[string]*access.Invite{} // by ID: nil until found
	for _, d := range f.Delegates {
		if id, ok := strings.CutPrefix(d.Ref, "invite:"); ok && id != "" {
			invites[id] = nil
		}
	}
	if len(invites) > 0 {
		// Invitations are kept per event: look through the events the
		// reader may see until every one is found.
		events, err := s.store.ListEvents(ctx, agenda.Filter{})
		if err != nil {
			return err
		}
		left := len(invites)
		for _, e := range events {
			if left == 0 {
				break
			}
			if !pr.CanSee(e) {
				continue
			}
			invs, err := s.store.ListInvites(ctx, e.ID)
			if err != nil {
				return err
			}
			for _, inv := range invs {
				if found, want := invites[inv.ID]; want && found == nil {
					invites[inv.ID] = &inv
					left--
				}
			}
		}
	}
	for i := range f.Delegates {
		d := &f.Delegates[i]
		if d.Ref == "" {
			continue
		}
		role := p.T("institutions.role_delegate")
		if d.Alternate {
			role = p.T("institutions.role_alternate")
		}
		kind, id, _ := strings.Cut(d.Ref, ":")
		switch kind {
		case "invite":
			if inv := invites[id]; inv != nil && inv.State() == access.InviteRemoved {
				d.Who = p.Tf("institutions.delegate_revoked", "name", inv.Name, "role", role)
			} else if inv != nil {
				d.Who = p.Tf("institutions.delegate_who", "name", inv.Name, "role", role)
			}
		case "organizer":
			if o, err := s.store.GetOrganizer(ctx, id); err == nil {
				d.Who = p.Tf("institutions.delegate_who", "name", o.Name, "role", role)
			} else if !errors.Is(err, access.ErrNotFound) {
				return err
			}
		}
		if d.Who == "" {
			d.Who = p.Tf("institutions.delegate_unknown", "role", role)
		}
	}
	return nil
}

// institutionForm shows x; posted, when set, is what the organizer typed
// (shown again as typed).
func (s *Server) institutionForm(p *page, v *registryView, x institution.Institution, posted *institutionPost) *institutionForm {
	f := &institutionForm{New: x.Version == 0, ReadOnly: !v.HeadOffice, ID: x.ID, Country: x.Country, Err: map[string]string{},
		StatusLabel: accreditationLabel(p, x.Status), Since: x.AccreditedOn,
		MaxName: institution.MaxNameRunes, MaxNote: institution.MaxNoteRunes, MaxRef: institution.MaxRefRunes,
		MaxHistory: institution.MaxHistory, MaxDelegates: institution.MaxDelegates}
	if f.New {
		f.Action = "/organizer/institutions"
	} else {
		f.Action, f.Version = "/organizer/institutions/"+url.PathEscape(x.ID), strconv.FormatInt(x.Version, 10)
	}
	names, country, region := x.Name, x.Country, x.Region
	delegates := x.Delegates
	accStatus := ""
	if posted != nil {
		names, country, region, delegates = posted.names, posted.country, agenda.Region(posted.region), posted.delegates
		accStatus, f.AccreditDate, f.AccreditNote = posted.accStatus, posted.accDate, posted.accNote
		if f.New {
			f.ID = posted.id
		}
	}
	f.Country = country
	for _, l := range s.langs {
		f.Names = append(f.Names, nameField{Code: l, Label: p.T("lang." + l), Dir: dir(l), Value: names[l]})
	}
	for _, r := range agenda.Regions {
		if r != agenda.RegionGlobal {
			f.Regions = append(f.Regions, option{Value: string(r), Label: p.T("region." + string(r)), Selected: r == region})
		}
	}
	for i := len(x.History) - 1; i >= 0; i-- { // newest first
		h := x.History[i]
		f.History = append(f.History, historyRow{Status: accreditationLabel(p, h.Status), Date: h.Date, Note: h.Note})
	}
	f.Statuses = append(f.Statuses, option{Value: "", Label: p.T("institutions.accredit.unchanged"), Selected: accStatus == ""})
	for _, st := range institution.Statuses {
		f.Statuses = append(f.Statuses, option{Value: string(st), Label: accreditationLabel(p, st), Selected: string(st) == accStatus})
	}
	for i, d := range delegates {
		f.Delegates = append(f.Delegates, delegateRow{Index: i, Number: i + 1, Ref: d.Ref, Alternate: d.Alternate})
	}
	if !f.ReadOnly {
		for range maxDelegateRows {
			f.Delegates = append(f.Delegates, delegateRow{Index: len(f.Delegates), Number: len(f.Delegates) + 1})
		}
	}
	return f
}

// institutionPost is what an institution form posted: the API's input,
// and the values as typed, to show them again.
type institutionPost struct {
	in                          institutionInput
	id, country, region         string
	names                       agenda.Text
	accStatus, accDate, accNote string
	delegates                   []institution.Delegate
}

// readInstitutionForm reads the form into the API's input. Only what the
// API gets in another shape is read here: the delegates' rows (an empty
// reference drops a row) and the accreditation change (none when its
// status is left unchanged).
func (s *Server) readInstitutionForm(c echo.Context, create bool) (institutionPost, error) {
	if err := c.Request().ParseForm(); err != nil {
		return institutionPost{}, badRequest("bad_request", "", "the form could not be read")
	}
	f := c.Request().PostForm
	ps := institutionPost{id: f.Get("id"), country: f.Get("country"), region: f.Get("region"), names: agenda.Text{},
		accStatus: f.Get("accredit-status"), accDate: f.Get("accredit-date"), accNote: f.Get("accredit-note")}
	in := &ps.in
	if create {
		in.ID = &ps.id
	}
	in.Name = agenda.Text{}
	for _, l := range s.langs {
		v := f.Get("name-" + l)
		in.Name[l], ps.names[l] = v, v
	}
	region := agenda.Region(ps.region)
	in.Country, in.Region = &ps.country, &region
	rows, _ := strconv.Atoi(f.Get("delegates"))
	ps.delegates = []institution.Delegate{}
	for i := range min(rows, institution.MaxDelegates+maxDelegateRows) {
		ref := strings.TrimSpace(f.Get(fmt.Sprintf("delegate-%d", i)))
		if ref != "" {
			ps.delegates = append(ps.delegates, institution.Delegate{Ref: ref, Alternate: f.Get(fmt.Sprintf("alternate-%d", i)) != ""})
		}
	}
	in.Delegates = &ps.delegates
	if ps.accStatus != "" {
		in.Accredit = &institution.Change{Status: institution.Status(ps.accStatus), Date: ps.accDate, Note: ps.accNote}
	}
	return ps, nil
}

// createInstitutionForm adds an institution from the form (head office).
func (s *Server) createInstitutionForm(c echo.Context) error {
	_, p, v, err := s.registryPage(c)
	if err != nil {
		return signInFirst(c, err)
	}
	reg, err := s.writableRegistry(c)
	if err != nil {
		return errNotHeadOffice
	}
	ps, err := s.readInstitutionForm(c, true)
	if err != nil {
		return err
	}
	x, err := s.newInstitution(c, reg, ps.in)
	if fields, ok := institutionFields(err); ok {
		shown := institution.Institution{Name: agenda.Text{}}
		f := s.institutionForm(p, v, shown, &ps)
		withInstitutionProblems(p, f, fields)
		return s.renderInstitution(c, http.StatusUnprocessableEntity, p, v, f, shown)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/institutions/"+url.PathEscape(x.ID)+"?saved=1")
}

// saveInstitutionForm changes an institution from its form (head office).
// A form read at an older version changes nothing: the page shows the
// institution as it now is and what the form would have changed.
func (s *Server) saveInstitutionForm(c echo.Context) error {
	p, v, x, err := s.registryInstitution(c)
	if err != nil {
		return signInFirst(c, err)
	}
	reg, err := s.writableRegistry(c)
	if err != nil {
		return errNotHeadOffice
	}
	ps, err := s.readInstitutionForm(c, false)
	if err != nil {
		return err
	}
	if c.FormValue("version") != strconv.FormatInt(x.Version, 10) {
		return s.staleInstitution(c, p, v, x, ps)
	}
	_, err = s.changeInstitution(c, reg, x.Clone(), ps.in)
	if errors.Is(err, institution.ErrConflict) {
		fresh, gerr := reg.Get(c.Request().Context(), x.ID)
		if gerr != nil {
			return gerr
		}
		return s.staleInstitution(c, p, v, fresh, ps)
	}
	if fields, ok := institutionFields(err); ok {
		f := s.institutionForm(p, v, x, &ps)
		withInstitutionProblems(p, f, fields)
		return s.renderInstitution(c, http.StatusUnprocessableEntity, p, v, f, x)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/institutions/"+url.PathEscape(x.ID)+"?saved=1")
}

// staleInstitution answers a form read at an older version (409): the
// institution as it is now, and what the form would change in it.
func (s *Server) staleInstitution(c echo.Context, p *page, v *registryView, now institution.Institution, ps institutionPost) error {
	yours := now.Clone()
	ps.in.apply(&yours)
	f := s.institutionForm(p, v, now, nil)
	f.Errors = append(f.Errors, formError{Field: "stale", Message: p.T("institutions.stale")})
	for _, ch := range institution.Diff(now, yours) {
		f.Stale = append(f.Stale, staleField{Field: fieldLabel(p, ch.Field), Now: ch.Old, Yours: ch.New})
	}
	if !slices.Equal(now.Delegates, yours.Delegates) {
		f.Stale = append(f.Stale, staleField{Field: p.T("institutions.delegates"), Now: delegateRefs(now.Delegates), Yours: delegateRefs(yours.Delegates)})
	}
	return s.renderInstitution(c, http.StatusConflict, p, v, f, now)
}

func delegateRefs(ds []institution.Delegate) string {
	refs := make([]string, len(ds))
	for i, d := range ds {
		refs[i] = d.Ref
	}
	return strings.Join(refs, ", ")
}

// fieldLabel names a field of institution.Diff in the page language.
func fieldLabel(p *page, field string) string {
	if l, ok := strings.CutPrefix(field, "name."); ok {
		return p.T("institutions.name") + " (" + p.T("lang."+l) + ")"
	}
	switch field {
	case "country":
		return p.T("institutions.country")
	case "region":
		return p.T("institutions.region")
	case "status":
		return p.T("institutions.status")
	case "accredited_on":
		return p.T("institutions.since")
	}
	return field
}

// institutionFields reads the field errors of err (institution's 422, or
// the API's 400 or 409 naming a field), for a form to show.
func institutionFields(err error) (map[string]string, bool) {
	var ve violation.Error
	if errors.As(err, &ve) {
		return ve.Violations(), true
	}
	return formFields(err)
}

// withInstitutionProblems puts the field errors of a refused form next to
// their inputs, in the organizer's language.
func withInstitutionProblems(p *page, f *institutionForm, fields map[string]string) {
	for _, field := range sortedFields(fields) {
		id, msg := institutionField(field), ""
		switch {
		case id == "id" && fields[field] == "taken":
			msg = p.T("institutions.error.taken")
		case id == "id" && slices.Contains(registryPageWords, f.ID):
			msg = p.Tf("institutions.error.reserved", "words", strings.Join(registryPageWords, p.T("list.separator")))
		case id == "id":
			msg = p.T("institutions.error.id")
		case strings.HasPrefix(id, "name"):
			msg = p.Tf("institutions.error.name", "n", institution.MaxNameRunes)
		case id == "country":
			msg = p.T("institutions.error.country")
		case id == "region":
			msg = p.T("institutions.error.region")
		case id == "accredit-status":
			msg = p.T("institutions.error.status")
		case id == "accredit-date":
			msg = p.T("institutions.error.date")
		case id == "accredit-note":
			msg = p.Tf("institutions.error.note", "n", institution.MaxNoteRunes)
		case strings.HasPrefix(id, "delegate"):
			msg = p.Tf("institutions.error.delegate", "n", institution.MaxRefRunes, "max", institution.MaxDelegates)
		default:
			msg = p.T("events.error.other")
		}
		if _, dup := f.Err[id]; !dup {
			f.Err[id] = msg
			f.Errors = append(f.Errors, formError{Field: id, Message: msg})
		}
	}
}

// institutionField is the id of the input a field of institution's
// validation is shown at.
func institutionField(field string) string {
	switch {
	case field == "name":
		return "name-en"
	case strings.HasPrefix(field, "name."):
		return "name-" + strings.TrimPrefix(field, "name.")
	case strings.HasPrefix(field, "history["):
		// Only the form's accreditation change is new in the history.
		switch {
		case strings.HasSuffix(field, ".date"):
			return "accredit-date"
		case strings.HasSuffix(field, ".note"):
			return "accredit-note"
		}
		return "accredit-status"
	case strings.HasPrefix(field, "delegates["):
		i, _, _ := strings.Cut(strings.TrimPrefix(field, "delegates["), "]")
		return "delegate-" + i
	case field == "delegates":
		return "delegate-0"
	}
	return fieldInput(field)
}

// importPage is the import form (head office).
func (s *Server) importPage(c echo.Context) error {
	_, p, v, err := s.registryPage(c)
	if err != nil {
		return signInFirst(c, err)
	}
	if !v.HeadOffice {
		return errNotHeadOffice
	}
	return s.renderImport(c, http.StatusOK, p, v, &importView{})
}

func (s *Server) renderImport(c echo.Context, status int, p *page, v *registryView, iv *importView) error {
	iv.MaxBytes, iv.MaxRows = institution.MaxCSVBytes, institution.MaxCSVRows
	v.Import = iv
	p.Title = p.T("institutions.import")
	p.Registry = v
	return s.render(c, status, "organizer-institutions-import", p)
}

// importForm previews a CSV (a file, or pasted text); with the preview's
// digest it applies the file the preview showed, through the API's own
// Preview and Apply. A registry changed since the preview is previewed
// again, with a word saying why nothing was written.
func (s *Server) importForm(c echo.Context) error {
	_, p, v, err := s.registryPage(c)
	if err != nil {
		return signInFirst(c, err)
	}
	reg, err := s.writableRegistry(c)
	if err != nil {
		return errNotHeadOffice
	}
	data := []byte(c.FormValue("csv"))
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		fd, err := fh.Open()
		if err != nil {
			return err
		}
		data, err = io.ReadAll(io.LimitReader(fd, institution.MaxCSVBytes+1))
		fd.Close()
		if err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	iv := &importView{CSV: string(data)}
	if d := c.FormValue("digest"); d != "" {
		pl, err := s.applyImport(c, reg, bytes.NewReader(data), d)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/organizer/institutions?done=imported&n="+strconv.Itoa(pl.Applied))
		}
		if !errors.Is(err, institution.ErrConflict) && !errors.Is(err, institution.ErrInvalid) {
			return err
		}
		iv.Problem = p.T("institutions.import.changed")
	}
	pl, err := reg.Preview(ctx, bytes.NewReader(data))
	var ve *institution.ValidationError
	if errors.As(err, &ve) {
		for _, f := range sortedFields(ve.Fields) {
			iv.FileErrors = append(iv.FileErrors, f+": "+ve.Fields[f])
		}
		return s.renderImport(c, http.StatusUnprocessableEntity, p, v, iv)
	}
	if err != nil {
		return err
	}
	iv.Previewed, iv.Digest = true, pl.Digest
	iv.Summary = p.Tf("institutions.import.summary", "added", pl.Added, "changed", pl.Changed, "unchanged", pl.Unchanged, "invalid", pl.Invalid)
	iv.CanApply = pl.Invalid == 0 && pl.Added+pl.Changed > 0
	for _, rp := range pl.Rows {
		r := importRow{Record: rp.Record, ID: rp.ID, Action: string(rp.Action), Label: importActionLabel(p, rp.Action)}
		for _, ch := range rp.Changes {
			old := ch.Old
			if old == "" {
				old = "—"
			}
			r.Changes = append(r.Changes, fieldLabel(p, ch.Field)+": "+old+" → "+ch.New)
		}
		for _, col := range sortedFields(rp.Errors) {
			r.Errors = append(r.Errors, columnProblem(p, col, rp.ID))
		}
		iv.Rows = append(iv.Rows, r)
	}
	// A preview, errors and all, is an answer (as the API's); a stale
	// apply is a conflict.
	status := http.StatusOK
	if iv.Problem != "" {
		status = http.StatusConflict
	}
	return s.renderImport(c, status, p, v, iv)
}

// importActionLabel names what an import does to a row.
func importActionLabel(p *page, a institution.Action) string {
	switch a {
	case institution.ActionAdd:
		return p.T("institutions.import.added")
	case institution.ActionChange:
		return p.T("institutions.import.changed_row")
	case institution.ActionUnchanged:
		return p.T("institutions.import.unchanged")
	}
	return p.T("institutions.import.invalid")
}

// columnProblem says in the page language what is wrong with a column of
// an import's row.
func columnProblem(p *page, col, id string) string {
	name := col
	var msg string
	switch {
	case col == institution.ColID && slices.Contains(registryPageWords, id):
		msg = p.Tf("institutions.error.reserved", "words", strings.Join(registryPageWords, p.T("list.separator")))
	case col == institution.ColID:
		msg = p.T("institutions.error.id")
	case strings.HasPrefix(col, institution.ColNamePrefix):
		msg = p.Tf("institutions.error.name", "n", institution.MaxNameRunes)
	case col == institution.ColCountry:
		msg = p.T("institutions.error.country")
	case col == institution.ColRegion:
		msg = p.T("institutions.error.region")
	case col == institution.ColStatus:
		msg = p.T("institutions.error.status")
	case col == institution.ColAccreditedOn:
		msg = p.T("institutions.error.date")
	case col == institution.ColNote:
		msg = p.Tf("institutions.error.note", "n", institution.MaxNoteRunes)
	default:
		name, msg = p.T("institutions.import.row"), p.T("institutions.error.row")
	}
	return name + ": " + msg
}
