package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/static"
)

// Page limits.
const (
	// maxUpcoming and maxPast bound the calendar page.
	maxUpcoming = 200
	maxPast     = 50
	// maxParam is the longest query parameter or cookie a page reads.
	maxParam = 64
	// prefCookieAge is how long language and zone choices are remembered.
	prefCookieAge = 365 * 24 * time.Hour
)

// pickZones are offered in the time-zone selector, besides the viewer's
// current zone: the regional networks' reference zones, head office, and
// the zones most member institutions work in.
var pickZones = []string{
	"UTC",
	"Africa/Cairo", "Africa/Dakar", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Argentina/Buenos_Aires", "America/Bogota", "America/Lima", "America/Mexico_City",
	"America/New_York", "America/Panama", "America/Santiago", "America/Sao_Paulo", "America/Toronto",
	"Asia/Amman", "Asia/Bangkok", "Asia/Dhaka", "Asia/Dubai", "Asia/Jakarta", "Asia/Kathmandu",
	"Asia/Kolkata", "Asia/Manila", "Asia/Qatar", "Asia/Seoul",
	"Australia/Sydney",
	"Europe/Brussels", "Europe/London", "Europe/Madrid", "Europe/Paris", "Europe/Zurich",
	"Pacific/Auckland", "Pacific/Fiji",
}

// pages holds what page rendering needs, built once in New.
type pages struct {
	cats      *catalogs
	templates map[string]*template.Template // by page name
	assets    map[string]asset
}

// asset is one embedded file, ready to serve.
type asset struct {
	body    []byte
	ctype   string
	etag    string
	version string // short content hash, for cache-busting URLs
}

func newPages() *pages {
	p := &pages{cats: loadCatalogs(), assets: map[string]asset{}}
	err := fs.WalkDir(static.FS, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.FS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		if strings.HasPrefix(ctype, "text/") && !strings.Contains(ctype, "charset") {
			ctype += "; charset=utf-8"
		}
		p.assets[strings.TrimPrefix(name, "assets/")] = asset{
			body: body, ctype: ctype,
			etag:    `"` + hex.EncodeToString(sum[:16]) + `"`,
			version: hex.EncodeToString(sum[:6]),
		}
		return nil
	})
	if err != nil {
		panic("server: read embedded assets: " + err.Error())
	}
	funcs := template.FuncMap{
		// asset gives an embedded asset's URL, versioned by its content
		// so that browsers may cache it for a year.
		"asset": func(name string) string {
			a, ok := p.assets[name]
			if !ok {
				panic("server: template refers to missing asset " + name)
			}
			return "/assets/" + name + "?v=" + a.version
		},
		// dict builds a map from name, value pairs: the argument of a
		// page part that needs more than the page.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("server: dict needs name, value pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, errors.New("server: dict names must be strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		// sessionScripts are the session page's feature scripts
		// (assets/session-*.js), loaded after session.js in name order.
		"sessionScripts": func() []string {
			var names []string
			for name := range p.assets {
				if strings.HasPrefix(name, "session-") && strings.HasSuffix(name, ".js") {
					names = append(names, name)
				}
			}
			slices.Sort(names)
			return names
		},
	}
	p.templates = map[string]*template.Template{}
	// Every templates/NAME.html but the layout is a page.
	pages, err := fs.Glob(static.FS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range pages {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		p.templates[name] = template.Must(template.New(name).Funcs(funcs).
			ParseFS(static.FS, "templates/layout.html", "templates/"+name+".html", "templates/parts/*.html"))
	}
	return p
}

// pageError is an error shown as an HTML page; Title and Body are
// catalog keys, Value fills a {value} placeholder.
type pageError struct {
	Status      int
	Title, Body string
	Value       string
}

func (e *pageError) Error() string { return "server: page: " + e.Body }

var errPageNotFound = &pageError{Status: http.StatusNotFound, Title: "error.not_found.title", Body: "error.not_found.body"}

// page is what every template receives.
type page struct {
	messages
	Dir      string
	Title    string
	Langs    []langLink
	TZ       string // IANA name of the viewer's zone
	TZLabel  string
	TZChosen bool // false until the viewer (or their browser) picked a zone
	loc      *time.Location
	Zones    []option
	Regions  []option
	Region   string
	// RegionLabel names Region in the page language.
	RegionLabel string
	Feeds       []feedLink

	Upcoming, Past []eventView
	PastLimited    bool
	PastLimit      int
	Event          *eventDetail
	Error          *errorView
	Plan           *planView
	Session        *sessionView
	// Org and SignIn are the organizer app's pages (organizer.go).
	Org    *organizerView
	SignIn *signInView
	// Audit is the audit log and an event's history (audit.go).
	Audit *auditView
	// EventList, EventForm and Preview are the organizer app's event
	// pages (organizer_events.go); Sources, SourceForm and Coverage its
	// sources and coverage pages (organizer_sources.go).
	EventList  *eventListView
	EventForm  *eventFormView
	Preview    *previewView
	Sources    *sourcesView
	SourceForm *sourceFormView
	Coverage   *coverageView
	// Builder and People are an event's agenda and people tabs
	// (agenda_builder.go, people.go).
	Builder *builderView
	People  *peopleView
	// Webinar is the registration pages' (registration_pages.go).
	Webinar *webinarView
	// Results is an assembly's results page (assembly.go).
	Results *resultsView
	// QA is a webinar's questions tab (webinar_qa.go).
	QA *qaView
	// Registry is the organizer app's registry of institutions
	// (institutions_pages.go).
	Registry *registryView
}

// Lang is the page language, for the html lang attribute.
func (p *page) Lang() string { return p.lang }

type option struct {
	Value, Label string
	Selected     bool
}

type langLink struct {
	Code, Native string
	URL          string
	Current      bool
}

type feedLink struct {
	Label  string
	Webcal template.URL // webcal:// is not among html/template's safe schemes
	HTTP   string
}

// localText is a user text with its language, set only when it differs
// from the page's (a fallback), so that screen readers and the bidi
// algorithm treat it right.
type localText struct {
	Text      string
	Lang, Dir string
}

type parentLink struct {
	Label string
	Title localText
	URL   string
}

type eventView struct {
	ID, URL        string
	Title          localText
	Kind, Region   string
	Cancelled      bool
	CancelledLabel string
	StartISO       string
	When           string // in the viewer's zone
	Own            string // in the event's zone
	OwnZone        string
	ViewerZone     string
	SameZone       bool
	Languages      string
	LanguagesLabel string
	Parent         *parentLink
	// Origin names the regional calendar an imported event comes from.
	Origin, OriginLabel string
	// Live is set while the event runs, Ended once it is over (by the
	// server's clock; neither for a cancelled event), with their labels.
	Live, Ended           bool
	LiveLabel, EndedLabel string
}

type description struct {
	Paragraphs []string
	Lang, Dir  string
}

type eventDetail struct {
	eventView
	// SessionURL links the event's live session, unless it is cancelled
	// or over.
	SessionURL  string
	Description *description
	Location    localText
	Items       []itemView
	// Changes are what the newest agenda release changed (releases.go).
	Changes  *changesView
	Children []eventView
	// Conference is the external video meeting's address.
	Conference string
	// Captions link each channel's captions once a public event is over
	// (captions.go).
	Captions []captionLink
}

type itemView struct {
	ID       string
	StartISO string
	Time     string // in the viewer's zone
	OwnTime  string // in the event's zone, when it differs
	Duration string
	Title    localText
	Kind     string
	Parallel string
	Speakers []localText
	Floor    string
	// Vote marks an item of kind vote: ballots are held on it.
	Vote bool
}

type errorView struct{ Title, Body string }

// newPage resolves the page language and the viewer's zone. Explicit
// choices (?lang=, ?tz=) are remembered in cookies; a bad one is a 400
// page that names the parameter.
func (s *Server) newPage(c echo.Context) (*page, error) {
	lang, langErr := s.pageLang(c)
	p := &page{messages: s.pages.cats.in(lang), Dir: dir(lang), loc: time.UTC, TZ: "UTC"}
	p.Langs = s.langLinks(c, lang)
	// The zone is read even when the language was bad: the error page must
	// tell the script that a zone was chosen, or it reloads with the same
	// ?tz= forever.
	req := c.Request()
	if v := req.URL.Query().Get("tz"); v != "" {
		loc, ok := loadZone(v)
		if !ok {
			p.TZChosen = true // do not let the script retry in a loop
			p.TZLabel = zoneLabel(p.loc, s.cfg.Now())
			return p, &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_tz", Value: clip(v)}
		}
		p.loc, p.TZ, p.TZChosen = loc, loc.String(), true
		if langErr == nil {
			s.remember(c, "tz", p.TZ)
		}
	} else if ck, err := req.Cookie("tz"); err == nil {
		if loc, ok := loadZone(ck.Value); ok {
			p.loc, p.TZ, p.TZChosen = loc, loc.String(), true
		}
	}
	p.TZLabel = zoneLabel(p.loc, s.cfg.Now())
	return p, langErr
}

// pageLang picks the language: ?lang=, then the lang cookie, then
// Accept-Language, then English. ?lang= is a BCP 47 tag read without
// regard to case: a regional variant is its language (fr-CA is French,
// es-419 Spanish, EN English); a language majlis does not speak is a 400
// page, in the language the viewer would otherwise get.
func (s *Server) pageLang(c echo.Context) (string, error) {
	req := c.Request()
	fallback := func() string {
		if ck, err := req.Cookie("lang"); err == nil && s.pages.cats.has(ck.Value) {
			return ck.Value
		}
		return s.pages.cats.negotiate(req.Header.Get("Accept-Language"))
	}
	if v := req.URL.Query().Get("lang"); v != "" {
		lang, ok := s.pages.cats.base(v)
		if !ok {
			return fallback(), &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_lang", Value: clip(v)}
		}
		s.remember(c, "lang", lang)
		return lang, nil
	}
	return fallback(), nil
}

func clip(s string) string {
	if len(s) > maxParam {
		s = strings.ToValidUTF8(s[:maxParam], "") + "…"
	}
	return s
}

// loadZone accepts an IANA zone name; "Local" (the server's zone) is not a
// viewer's zone.
func loadZone(name string) (*time.Location, bool) {
	if name == "" || len(name) > maxParam || name == "Local" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// remember stores a preference cookie. The values are validated before
// they get here.
func (s *Server) remember(c echo.Context, name, value string) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/",
		MaxAge:   int(prefCookieAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"),
	})
}

// langLinks links the current page in every interface language.
func (s *Server) langLinks(c echo.Context, current string) []langLink {
	out := make([]langLink, 0, len(s.pages.cats.langs))
	for _, l := range s.pages.cats.langs {
		q := url.Values{}
		for k, v := range c.Request().URL.Query() {
			if (k == "tz" || k == "region" || k == "date" || k == "duration") && len(v) > 0 && len(v[0]) <= maxParam {
				q.Set(k, v[0])
			}
			if j := strings.Join(v, ","); k == "regions" && len(j) <= 100 {
				q.Set(k, j)
			}
		}
		q.Set("lang", l)
		out = append(out, langLink{
			Code: l, Native: s.pages.cats.in(l).T("language.native"),
			URL: c.Request().URL.Path + "?" + q.Encode(), Current: l == current,
		})
	}
	return out
}

// render writes a page with its template.
func (s *Server) render(c echo.Context, status int, name string, p *page) error {
	var buf bytes.Buffer
	if err := s.pages.templates[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	if p.Preview != nil {
		h.Set(echo.HeaderCacheControl, "private, no-store") // a draft: kept nowhere
	}
	h.Set(echo.HeaderVary, "Accept-Language, Cookie")
	h.Set("Content-Language", p.lang)
	return c.HTMLBlob(status, buf.Bytes())
}

// renderError shows err as an HTML page in the viewer's language.
func (s *Server) renderError(c echo.Context, pe *pageError) {
	p, _ := s.newPageLenient(c)
	p.Title = p.T(pe.Title)
	p.Error = &errorView{Title: p.T(pe.Title), Body: p.Tf(pe.Body, "value", pe.Value)}
	if err := s.render(c, pe.Status, "error", p); err != nil {
		s.log.Error("render error page", "err", err)
	}
}

// newPageLenient is newPage for error pages: a bad parameter is ignored.
func (s *Server) newPageLenient(c echo.Context) (*page, error) {
	p, err := s.newPage(c)
	if p.TZLabel == "" {
		p.TZLabel = zoneLabel(p.loc, s.cfg.Now())
	}
	return p, err
}

// wantsHTML reports whether an error for this request should be an HTML
// page: a browser navigating anywhere but the API, feeds and probes.
func wantsHTML(c echo.Context) bool {
	r := c.Request()
	for _, prefix := range []string{"/api/", "/feeds/", "/healthz", "/readyz", "/ws/", "/assets/"} {
		if strings.HasPrefix(r.URL.Path, prefix) {
			return false
		}
	}
	return strings.Contains(r.Header.Get(echo.HeaderAccept), "text/html")
}

// pagePrincipal is who pages are rendered for: always anonymous. Pages
// carry no login, so whatever a browser shows can be shown to anyone
// looking at the screen; organizers use the API.
var pagePrincipal = access.Principal{}

func (s *Server) homePage(c echo.Context) error {
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	p.Title = p.T("home.title")
	if v := c.QueryParam("region"); v != "" {
		r := agenda.Region(v)
		if !r.Valid() {
			return &pageError{Status: http.StatusBadRequest, Title: "error.bad_request.title", Body: "error.bad_region", Value: clip(v)}
		}
		p.Region, p.RegionLabel = v, p.T("region."+v)
	}
	now := s.cfg.Now()
	all, err := s.store.ListEvents(c.Request().Context(), agenda.Filter{})
	if err != nil {
		return err
	}
	titles := map[string]agenda.Text{}
	var upcoming, past []agenda.Event
	for _, e := range all {
		if !pagePrincipal.CanSee(e) {
			continue
		}
		titles[e.ID] = e.Title
		if p.Region != "" && e.Region != agenda.Region(p.Region) && e.Region != agenda.RegionGlobal {
			continue
		}
		if e.End.After(now) {
			upcoming = append(upcoming, e)
		} else {
			past = append(past, e)
		}
	}
	slices.Reverse(past) // most recent first
	if len(upcoming) > maxUpcoming {
		upcoming = upcoming[:maxUpcoming]
	}
	if len(past) > maxPast {
		past, p.PastLimited, p.PastLimit = past[:maxPast], true, maxPast
	}
	for _, e := range upcoming {
		p.Upcoming = append(p.Upcoming, s.eventView(p, e, titles))
	}
	for _, e := range past {
		p.Past = append(p.Past, s.eventView(p, e, titles))
	}
	p.Zones = zoneOptions(p.TZ, now)
	for _, r := range agenda.Regions {
		p.Regions = append(p.Regions, option{Value: string(r), Label: p.T("region." + string(r)), Selected: string(r) == p.Region})
	}
	p.Feeds = append(p.Feeds, s.feedLink(p.T("subscribe.all"), "/feeds/all.ics", p.lang))
	for _, r := range agenda.Regions {
		if r == agenda.RegionGlobal || (p.Region != "" && string(r) != p.Region) {
			continue
		}
		p.Feeds = append(p.Feeds, s.feedLink(p.Tf("subscribe.region", "region", p.T("region."+string(r))), "/feeds/regions/"+string(r)+".ics", p.lang))
	}
	return s.render(c, http.StatusOK, "home", p)
}

// pageEvent reads the event a page's :id names, whoever may see it: the
// caller decides that. A missing event (or an ID over the limit) is the
// not-found page.
func (s *Server) pageEvent(c echo.Context) (agenda.Event, error) {
	id := c.Param("id")
	if len(id) > maxParam {
		return agenda.Event{}, errPageNotFound
	}
	e, err := s.store.GetEvent(c.Request().Context(), id)
	if errors.Is(err, agenda.ErrNotFound) {
		return agenda.Event{}, errPageNotFound
	}
	return e, err
}

// publicEventPage is the page for the event :id names and the event, as
// an anonymous viewer may see it: a hidden event is the not-found page,
// exactly like a missing one.
func (s *Server) publicEventPage(c echo.Context) (*page, agenda.Event, error) {
	p, err := s.newPage(c)
	if err != nil {
		return nil, agenda.Event{}, err
	}
	e, err := s.pageEvent(c)
	if err != nil {
		return nil, agenda.Event{}, err
	}
	if !pagePrincipal.CanSee(e) {
		return nil, agenda.Event{}, errPageNotFound
	}
	return p, e, nil
}

func (s *Server) eventPage(c echo.Context) error {
	p, e, err := s.publicEventPage(c)
	if err != nil {
		return err
	}
	return s.renderEvent(c, p, e)
}

// renderEvent renders e's public page, as the public sees it (its parent
// and side events only when public); the organizer app's preview shows a
// draft through it.
func (s *Server) renderEvent(c echo.Context, p *page, e agenda.Event) error {
	ctx := c.Request().Context()
	titles := map[string]agenda.Text{}
	if e.Parent != "" {
		if parent, err := s.store.GetEvent(ctx, e.Parent); err == nil && pagePrincipal.CanSee(parent) {
			titles[parent.ID] = parent.Title
		}
	}
	d := &eventDetail{eventView: s.eventView(p, e, titles), Location: p.text(e.Location), Conference: e.Conference}
	if !d.Cancelled && !d.Ended {
		d.SessionURL = d.URL + "/session"
	}
	d.Captions = s.captionLinks(ctx, p, e, d.Ended)
	p.Title = d.Title.Text
	if text, lang := e.Description.In(p.lang); text != "" {
		d.Description = &description{}
		for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
			if para = strings.TrimSpace(para); para != "" {
				d.Description.Paragraphs = append(d.Description.Paragraphs, para)
			}
		}
		if lang != p.lang {
			d.Description.Lang, d.Description.Dir = lang, dir(lang)
		}
	}
	a, err := s.store.GetAgenda(ctx, e.ID)
	if err != nil && !errors.Is(err, agenda.ErrNotFound) {
		return err
	}
	d.Changes = eventChanges(p, e, a) // releases.go
	a, _ = a.Published()
	own := e.Zone()
	for _, it := range a.Items {
		iv := itemView{
			ID:       it.ID,
			StartISO: it.Start.UTC().Format(time.RFC3339),
			Time:     p.clock(it.Start, it.End(), p.loc, e.Start),
			Duration: p.Nf("agenda.minutes", it.Minutes),
			Title:    p.text(it.Title),
			Speakers: p.texts(it.Speakers),
			Vote:     it.Kind == agenda.ItemVote,
		}
		if own.String() != p.loc.String() {
			iv.OwnTime = p.clock(it.Start, it.End(), own, e.Start)
		}
		if it.Kind != "" {
			iv.Kind = p.T("item." + string(it.Kind))
		}
		if it.Parallel {
			iv.Parallel = p.T("agenda.parallel")
		}
		if it.FloorLanguage != "" {
			iv.Floor = p.T("lang." + it.FloorLanguage)
		}
		d.Items = append(d.Items, iv)
	}
	children, err := s.store.ListEvents(ctx, agenda.Filter{Parent: e.ID})
	if err != nil {
		return err
	}
	titles[e.ID] = e.Title
	for _, ch := range children {
		if pagePrincipal.CanSee(ch) {
			v := s.eventView(p, ch, nil)
			d.Children = append(d.Children, v)
		}
	}
	p.Event = d
	if form, err := s.registrationForm(ctx, p, e); err != nil {
		return err
	} else if form != nil {
		p.Webinar = &webinarView{Form: form}
	}
	p.Feeds = []feedLink{s.feedLink(p.T("subscribe.event"), "/feeds/events/"+e.ID+".ics", p.lang)}
	return s.render(c, http.StatusOK, "event", p)
}

// text picks t in the page language, with the documented fallback.
func (p *page) text(t agenda.Text) localText {
	s, lang := t.In(p.lang)
	lt := localText{Text: s}
	if lang != "" && lang != p.lang {
		lt.Lang, lt.Dir = lang, dir(lang)
	}
	return lt
}

// texts is text for each of ts.
func (p *page) texts(ts []agenda.Text) []localText {
	out := make([]localText, len(ts))
	for i, t := range ts {
		out[i] = p.text(t)
	}
	return out
}

// eventView prepares e for a list or a page; titles holds the titles of
// parents that may be linked.
func (s *Server) eventView(p *page, e agenda.Event, titles map[string]agenda.Text) eventView {
	own := e.Zone()
	v := eventView{
		ID: e.ID, URL: "/events/" + url.PathEscape(e.ID),
		Title:      p.text(e.Title),
		Kind:       p.T("kind." + string(e.Kind)),
		Region:     p.T("region." + string(e.Region)),
		Cancelled:  e.Status == agenda.StatusCancelled,
		StartISO:   e.Start.UTC().Format(time.RFC3339),
		When:       p.span(e.Start, e.End, p.loc),
		Own:        p.span(e.Start, e.End, own),
		OwnZone:    zoneLabel(own, e.Start),
		ViewerZone: zoneLabel(p.loc, e.Start),
		SameZone:   own.String() == p.loc.String(),
	}
	now := s.cfg.Now()
	switch {
	case v.Cancelled:
		v.CancelledLabel = p.T("status.cancelled")
	case !e.End.After(now):
		v.Ended, v.EndedLabel = true, p.T("status.ended")
	case !e.Start.After(now):
		v.Live, v.LiveLabel = true, p.T("status.live")
	}
	var langs []string
	for _, l := range e.Languages {
		langs = append(langs, p.T("lang."+l))
	}
	if len(langs) > 0 {
		v.Languages = strings.Join(langs, p.T("list.separator"))
		v.LanguagesLabel = p.T("event.languages")
	}
	if e.Origin != nil {
		v.Origin, v.OriginLabel = e.Origin.Name, p.T("event.origin")
	}
	if t, ok := titles[e.Parent]; ok && e.Parent != "" {
		v.Parent = &parentLink{Label: p.T("event.part_of"), Title: p.text(t), URL: "/events/" + url.PathEscape(e.Parent)}
	}
	return v
}

// feedLink builds the subscribe links of a feed path in lang.
func (s *Server) feedLink(label, feedPath, lang string) feedLink {
	u := s.cfg.BaseURL + feedPath + "?lang=" + url.QueryEscape(lang)
	webcal := u
	if i := strings.Index(u, "://"); i >= 0 {
		webcal = "webcal" + u[i:]
	}
	return feedLink{Label: label, Webcal: template.URL(webcal), HTTP: u}
}

// zoneOptions lists the selectable zones with their current offsets, the
// viewer's own first when it is not among them.
func zoneOptions(current string, now time.Time) []option {
	names := slices.Clone(pickZones)
	if !slices.Contains(names, current) {
		names = append(names, current)
	}
	slices.Sort(names)
	out := make([]option, 0, len(names))
	for _, n := range names {
		loc, ok := loadZone(n)
		if !ok {
			continue
		}
		out = append(out, option{Value: n, Label: zoneLabel(loc, now), Selected: n == current})
	}
	return out
}

// serveAsset serves an embedded asset. With the content version in ?v=
// it may be cached for a year; otherwise browsers revalidate hourly.
func (s *Server) serveAsset(c echo.Context) error {
	a, ok := s.pages.assets[c.Param("name")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, a.ctype)
	h.Set("ETag", a.etag)
	if c.QueryParam("v") == a.version {
		h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		h.Set(echo.HeaderCacheControl, "public, max-age=3600")
	}
	if done, err := conditional(c, a.etag, time.Time{}); done {
		return err
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(a.body)))
	return c.Blob(http.StatusOK, a.ctype, a.body)
}
