package server

import (
	"container/list"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// Feed limits and caching.
const (
	// feedCacheSize bounds the cached feeds (kinds × languages × events ×
	// private tokens); the least recently used go first.
	feedCacheSize = 512
	// feedMaxAge is how long clients and proxies may reuse a feed without
	// asking again; a revalidation is a cheap 304.
	feedMaxAge = 5 * time.Minute
	// feedTokenPrefix marks private feed tokens.
	feedTokenPrefix = "mjf_"
)

// feedKey names one cached feed.
type feedKey struct {
	kind, arg, lang string
	items           bool
	organizer       string // private feeds only
}

// cachedFeed is a built feed, its validators and its response headers,
// computed once so that serving it (or a 304) allocates little.
type cachedFeed struct {
	key          feedKey
	generation   uint64
	body         []byte
	etag         string
	lastModified time.Time
	// Header values, shared by every response of this feed: net/http only
	// reads them, and nothing here appends to them.
	etagH, lastModifiedH, cacheControlH, dispositionH, lengthH []string
}

// feedCache is a small LRU of built feeds, valid for one generation of
// the data (agenda.Service.Generation). A feed of an older generation is
// kept until rebuilt: its ETag and Last-Modified are where the new one's
// Last-Modified starts from.
type feedCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *cachedFeed, most recent first
	byKey map[feedKey]*list.Element
	// hits counts the requests a cached feed answered, builds the feeds
	// built (serveFeed counts both).
	hits, builds atomic.Uint64
}

func newFeedCache(n int) *feedCache {
	return &feedCache{max: n, order: list.New(), byKey: map[feedKey]*list.Element{}}
}

// get returns the feed of key k built at generation gen, or (fresh false)
// the one built last at an older generation, nil when there is none.
func (c *feedCache) get(k feedKey, gen uint64) (f *cachedFeed, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	f = el.Value.(*cachedFeed)
	return f, f.generation == gen
}

func (c *feedCache) put(f *cachedFeed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[f.key]; ok {
		c.order.Remove(el)
	}
	c.byKey[f.key] = c.order.PushFront(f)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cachedFeed).key)
	}
}

// feedLang reports whether lang is a feed language, without copying the
// list (this is on every feed request).
func (s *Server) feedLang(lang string) bool { return slices.Contains(s.langs, lang) }

// feedContentType is shared by every feed response; it is never modified.
var feedContentType = []string{"text/calendar; charset=utf-8"}

var errNoFeed = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such feed"}

// serveFeed answers the iCalendar feeds: GET and HEAD of
//
//	/feeds/all.ics                every published public event
//	/feeds/regions/{region}.ics   a region's events and the global ones
//	/feeds/events/{id}.ics        an event and its sessions and side events (?items=1: its agenda items too)
//	/feeds/private/{token}.ics    all.ics plus what the token's organizer may see
//
// each with ?lang=ar|en|fr|es (default en).
func (s *Server) serveFeed(c echo.Context) error {
	for name := range c.QueryParams() {
		if name != "lang" && name != "items" {
			return badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q (known: lang, items)", name))
		}
	}
	lang := c.QueryParam("lang")
	if lang == "" {
		lang = "en"
	}
	if !s.feedLang(lang) {
		return badRequest("invalid", "lang", "must be one of "+strings.Join(s.agenda.Languages(), ", "))
	}
	items := false
	switch c.QueryParam("items") {
	case "", "0":
	case "1":
		items = true
	default:
		return badRequest("invalid", "items", "must be 1 (each agenda item as its own event) or 0")
	}
	path := c.Request().URL.Path
	key := feedKey{lang: lang, items: items}
	switch {
	case path == "/feeds/all.ics":
		key.kind = "all"
	default:
		file, ok := strings.CutSuffix(c.Param("file"), ".ics")
		if !ok || file == "" || len(file) > 200 {
			return errNoFeed
		}
		switch {
		case strings.HasPrefix(path, "/feeds/regions/"):
			if !agenda.Region(file).Valid() || file == string(agenda.RegionGlobal) {
				return errNoFeed
			}
			key.kind, key.arg = "region", file
		case strings.HasPrefix(path, "/feeds/events/"):
			key.kind, key.arg = "event", file
		default:
			o, err := s.feedOrganizer(c.Request().Context(), file)
			if err != nil {
				return err
			}
			key.kind, key.organizer = "private", o.ID
		}
	}
	if items && key.kind != "event" {
		return badRequest("invalid", "items", "agenda items are only in event feeds")
	}
	gen := s.agenda.Generation()
	f, fresh := s.feeds.get(key, gen)
	if fresh {
		s.feeds.hits.Add(1)
	} else {
		var err error
		if f, err = s.buildFeed(c.Request().Context(), key, gen, f); err != nil {
			return err
		}
		s.feeds.put(f)
		s.feeds.builds.Add(1)
	}
	return s.sendFeed(c, f)
}

// buildFeed reads the events of a feed and encodes it; prev is the feed
// as last built (nil when unknown).
func (s *Server) buildFeed(ctx context.Context, key feedKey, gen uint64, prev *cachedFeed) (*cachedFeed, error) {
	all, err := s.store.ListEvents(ctx, agenda.Filter{})
	if err != nil {
		return nil, err
	}
	msgs := s.pages.cats.in(key.lang)
	viewer := access.Principal{}
	audience := agenda.VisibilityPublic
	if key.kind == "private" {
		o, err := s.organizerByID(ctx, key.organizer)
		if err != nil {
			return nil, err
		}
		viewer, audience = access.Principal{Organizer: &o}, agenda.VisibilityConfidential
	}
	f := calendar.Feed{Lang: key.lang, BaseURL: s.cfg.BaseURL, UIDDomain: s.cfg.UIDDomain, Items: key.items, Audience: audience,
		Agendas: map[string]agenda.Agenda{}, RefreshInterval: time.Hour}
	name := msgs.T("feed.all")
	var events []agenda.Event
	switch key.kind {
	case "all", "private":
		events = all
		if key.kind == "private" {
			name = msgs.T("feed.private")
		}
	case "region":
		for _, e := range all {
			if e.Region == agenda.Region(key.arg) || e.Region == agenda.RegionGlobal {
				events = append(events, e)
			}
		}
		name = msgs.Tf("feed.region", "region", msgs.T("region."+key.arg))
	case "event":
		i := slices.IndexFunc(all, func(e agenda.Event) bool { return e.ID == key.arg })
		if i < 0 || !viewer.CanSee(all[i]) || all[i].Status == agenda.StatusDraft {
			return nil, errNoFeed
		}
		events = append(events, all[i])
		for _, e := range all {
			if e.Parent == key.arg {
				events = append(events, e)
			}
		}
		title, _ := all[i].Title.In(key.lang)
		name = title
	}
	// Only what the viewer may see (the Feed filters by audience too, but a
	// confidential event is for its owner and invitees only).
	events = slices.DeleteFunc(events, func(e agenda.Event) bool { return !viewer.CanSee(e) })
	f.Events = events
	// A side event names its meeting only when the reader may see it.
	f.Parents = slices.DeleteFunc(slices.Clone(all), func(e agenda.Event) bool { return !viewer.CanSee(e) })
	f.Name = agenda.Text{key.lang: name}
	for _, e := range events {
		if a, err := s.store.GetAgenda(ctx, e.ID); err == nil {
			f.Agendas[e.ID], _ = a.Published()
		} else if !errors.Is(err, agenda.ErrNotFound) {
			return nil, err
		}
	}
	body, err := f.Encode()
	if err != nil {
		return nil, err
	}
	var newest time.Time
	for _, e := range events {
		if e.Updated.After(newest) {
			newest = e.Updated
		}
	}
	sum := sha256.Sum256(body)
	cf := &cachedFeed{key: key, generation: gen, body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`,
		lengthH: []string{strconv.Itoa(len(body))}}
	cf.lastModified = feedLastModified(prev, cf.etag, newest, s.cfg.Now())
	cf.etagH = []string{cf.etag}
	cf.lastModifiedH = []string{cf.lastModified.Format(http.TimeFormat)}
	scope := "public"
	if key.kind == "private" {
		scope = "private" // a shared cache must not keep someone's private feed
	}
	cf.cacheControlH = []string{fmt.Sprintf("%s, max-age=%d", scope, int(feedMaxAge/time.Second))}
	file := "majlis-" + key.kind
	if key.arg != "" {
		file += "-" + key.arg
	}
	cf.dispositionH = []string{fmt.Sprintf(`inline; filename="%s-%s.ics"`, file, key.lang)}
	return cf, nil
}

// feedLastModified is the Last-Modified of a feed built now with entity
// tag etag, whose newest event changed at newest. It never goes backwards
// (RFC 9110 §8.8.2): the newest event's time would, when an event leaves
// the feed (made members-only, moved to another region, deleted), and a
// client revalidating with If-Modified-Since would keep the event. So the
// feed's own content decides: unchanged, it keeps the time of its last
// change (prev); changed, it moves to now, and at least a second past prev
// (HTTP dates count whole seconds). A feed this process has not built yet
// (after a restart, or evicted from the cache) starts at now, which no
// earlier answer can be later than: a restart may move it forward, never
// back.
func feedLastModified(prev *cachedFeed, etag string, newest, now time.Time) time.Time {
	lm := now.UTC().Truncate(time.Second)
	if n := newest.UTC().Truncate(time.Second); n.After(lm) {
		lm = n
	}
	switch {
	case prev == nil:
		return lm
	case prev.etag == etag:
		return prev.lastModified
	}
	if next := prev.lastModified.Add(time.Second); next.After(lm) {
		lm = next
	}
	return lm
}

// sendFeed writes a feed with its validators, or 304 when the client has
// it already.
func (s *Server) sendFeed(c echo.Context, f *cachedFeed) error {
	h := c.Response().Header()
	h["Content-Type"] = feedContentType
	h["Etag"] = f.etagH
	h["Last-Modified"] = f.lastModifiedH
	h["Cache-Control"] = f.cacheControlH
	h["Content-Disposition"] = f.dispositionH
	if done, err := conditional(c, f.etag, f.lastModified); done {
		return err
	}
	h["Content-Length"] = f.lengthH
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", f.body)
}

// Private feed tokens: "mjf_<organizer ID>.<mac>", the MAC an HMAC-SHA256
// under the server secret of the organizer ID and their API token's hash.
// A feed URL is pasted into calendar apps beyond our control, so it is not
// the API token and grants nothing but reading the feed; rotating the API
// token or revoking the organizer invalidates it.
func (s *Server) feedToken(o access.Organizer) string {
	// "." separates: organizer IDs hold "_", base64url "_" and "-", neither ".".
	return feedTokenPrefix + o.ID + "." + base64.RawURLEncoding.EncodeToString(s.feedMAC(o))
}

func (s *Server) feedMAC(o access.Organizer) []byte {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("majlis-feed\x00" + o.ID + "\x00" + o.TokenHash))
	return m.Sum(nil)
}

// feedOrganizer checks a private feed token; any problem is the same 404.
func (s *Server) feedOrganizer(ctx context.Context, token string) (access.Organizer, error) {
	rest, ok := strings.CutPrefix(token, feedTokenPrefix)
	if !ok {
		return access.Organizer{}, errNoFeed
	}
	id, macText, ok := strings.Cut(rest, ".")
	if !ok || id == "" {
		return access.Organizer{}, errNoFeed
	}
	mac, err := base64.RawURLEncoding.DecodeString(macText)
	if err != nil {
		return access.Organizer{}, errNoFeed
	}
	o, err := s.organizerByID(ctx, id)
	if err != nil || !hmac.Equal(mac, s.feedMAC(o)) {
		return access.Organizer{}, errNoFeed
	}
	return o, nil
}

// organizerByID finds an active organizer.
func (s *Server) organizerByID(ctx context.Context, id string) (access.Organizer, error) {
	orgs, err := s.store.ListOrganizers(ctx)
	if err != nil {
		return access.Organizer{}, err
	}
	for _, o := range orgs {
		if o.ID == id && !o.Revoked {
			return o, nil
		}
	}
	return access.Organizer{}, errNoFeed
}

// privateFeedURL answers GET /api/v1/feeds/private: the caller's private
// feed, as https and webcal URLs.
func (s *Server) privateFeedURL(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	lang := c.QueryParam("lang")
	if lang == "" {
		lang = "en"
	}
	if !slices.Contains(s.agenda.Languages(), lang) {
		return badRequest("invalid", "lang", "must be one of "+strings.Join(s.agenda.Languages(), ", "))
	}
	u := s.cfg.BaseURL + "/feeds/private/" + url.PathEscape(s.feedToken(o)) + ".ics?lang=" + lang
	webcal := u
	if i := strings.Index(u, "://"); i >= 0 {
		webcal = "webcal" + u[i:]
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]string{"url": u, "webcal": webcal})
}
