package calendar

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/majlis/majlis/agenda"
)

// CalDAV (RFC 4791) both ways. Pull: one calendar-query REPORT for every
// VEVENT of the collection (§7.8), read like an ICS feed, leaving out the
// objects majlis pushed (by href and by UID). Push: every public alliance
// event of the source's region or of the whole alliance, published or
// cancelled, one object per event at <collection>/<event-id>.ics:
//   - created with If-None-Match: * (RFC 7232 §3.2), so an object someone
//     else made at that href is never overwritten;
//   - updated, when its SEQUENCE grew, with If-Match: <the ETag majlis
//     last wrote> (§3.1): if the remote copy was edited since, the server
//     answers 412, the remote copy is kept and the conflict is recorded on
//     the push record (Status and the API show it) — go-webdav v0.6's
//     PutCalendarObject sends no If-Match, so the requests are made here;
//   - deleted with If-Match when the event is cancelled or gone from majlis,
//     and withdrawn the same way when it may no longer be pushed: it became
//     members-only, confidential or a draft, or moved to another region;
//   - naming its parent (RELATED-TO) only when the parent is public and
//     published or cancelled, and written again when that changes.

// authClient adds basic-auth credentials to every request and caps every
// response body at max bytes: go-webdav reads a whole multistatus answer
// into memory, and a CalDAV server is outside input.
type authClient struct {
	c          *http.Client
	user, pass string
	max        int64
}

func (a authClient) Do(req *http.Request) (*http.Response, error) {
	if a.user != "" || a.pass != "" {
		req.SetBasicAuth(a.user, a.pass)
	}
	resp, err := a.c.Do(req)
	if err == nil {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: a.max}
	}
	return resp, err
}

// cappedBody fails a read past its limit with ErrTooLarge.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("calendar: caldav answer over the size limit: %w", ErrTooLarge)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left <= 0 && err == nil {
		// One more byte would be over: look ahead so that an answer of
		// exactly the limit still ends cleanly.
		var one [1]byte
		if m, _ := b.ReadCloser.Read(one[:]); m > 0 {
			return n, fmt.Errorf("calendar: caldav answer over the size limit: %w", ErrTooLarge)
		}
		return n, io.EOF
	}
	return n, err
}

func (s *Syncer) httpClient(src Source) authClient {
	return authClient{c: s.cfg.Client, user: src.Username, pass: src.Password, max: s.cfg.MaxBytes}
}

// ownUID reports whether uid is one majlis gives its events, today or
// before UIDs stopped following the base URL's host.
func (s *Syncer) ownUID(uid string) bool {
	return strings.HasSuffix(uid, "@"+s.feed().uidDomain()) || strings.HasSuffix(uid, "@"+s.legacyUIDDomain())
}

// legacyUIDDomain is the domain of the UIDs majlis wrote before they
// stopped following the base URL: its host, or "majlis" without one.
func (s *Syncer) legacyUIDDomain() string {
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return DefaultUIDDomain
}

// feed is the Feed pushed events are written with.
func (s *Syncer) feed() Feed { return Feed{BaseURL: s.cfg.BaseURL, UIDDomain: s.cfg.UIDDomain} }

// pullCalDAV returns the collection's events, except majlis's own, as one
// iCalendar object.
func (s *Syncer) pullCalDAV(ctx context.Context, src Source) ([]byte, error) {
	client, err := caldav.NewClient(s.httpClient(src), src.URL)
	if err != nil {
		return nil, fmt.Errorf("calendar: caldav: %w", err)
	}
	objs, err := queryEvents(ctx, client, collectionPath(src.URL))
	if err != nil {
		return nil, fmt.Errorf("calendar: caldav query %s: %w", redactURL(src.URL), unwrapURLError(err))
	}
	pushes, err := s.store.ListPushes(ctx, src.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	ours := map[string]bool{}
	for _, p := range pushes {
		ours[p.Href] = true
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, ProdID)
	tzids := map[string]bool{}
	for _, o := range objs {
		if ours[o.Path] || o.Data == nil {
			continue
		}
		for _, c := range o.Data.Children {
			switch c.Name {
			case ical.CompEvent:
				if uid := propValue(c, ical.PropUID); uid != "" && s.ownUID(uid) {
					continue
				}
				cal.Children = append(cal.Children, c)
			case ical.CompTimezone:
				if id := propValue(c, ical.PropTimezoneID); !tzids[id] {
					tzids[id] = true
					cal.Children = append(cal.Children, c)
				}
			}
		}
	}
	if len(cal.Children) == 0 { // go-ical refuses to encode an empty calendar
		return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:" + ProdID + "\r\nEND:VCALENDAR\r\n"), nil
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("calendar: caldav: re-encode: %v: %w", err, ErrMalformed)
	}
	if int64(buf.Len()) > s.cfg.MaxBytes {
		return nil, fmt.Errorf("calendar: caldav collection holds more than %d bytes: %w", s.cfg.MaxBytes, ErrTooLarge)
	}
	return buf.Bytes(), nil
}

// queryEvents asks for every VEVENT object of a collection. go-webdav
// decodes the objects with go-ical, whose decoder can panic on malformed
// input (see decodeOne); such a panic becomes ErrMalformed.
func queryEvents(ctx context.Context, client *caldav.Client, coll string) (objs []caldav.CalendarObject, err error) {
	defer func() {
		if p := recover(); p != nil {
			objs, err = nil, fmt.Errorf("unreadable calendar object: %w", ErrMalformed)
		}
	}()
	return client.QueryCalendar(ctx, coll, &caldav.CalendarQuery{
		CompRequest: caldav.CalendarCompRequest{Name: ical.CompCalendar, AllProps: true, AllComps: true},
		CompFilter:  caldav.CompFilter{Name: ical.CompCalendar, Comps: []caldav.CompFilter{{Name: ical.CompEvent}}},
	})
}

// collectionPath is the path of a collection URL, ending in a slash.
func collectionPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	return strings.TrimSuffix(u.Path, "/") + "/"
}

// pushable reports whether e goes to a CalDAV source of region r: a
// public alliance event (not imported) of r or of the whole alliance,
// published or cancelled. Members-only and confidential events never
// leave majlis this way: a regional calendar is read by people majlis
// does not know.
func pushable(e agenda.Event, r agenda.Region) bool {
	return e.Origin == nil && e.Visibility == agenda.VisibilityPublic &&
		(e.Region == r || e.Region == agenda.RegionGlobal) &&
		(e.Status == agenda.StatusPublished || e.Status == agenda.StatusCancelled)
}

// push writes the source's share of alliance events to its collection.
func (s *Syncer) push(ctx context.Context, src Source, st *Status) error {
	from, to := s.window()
	evs, err := s.agenda.Store().ListEvents(ctx, agenda.Filter{From: from, To: to})
	if err != nil {
		return storeErr(err)
	}
	recs, err := s.store.ListPushes(ctx, src.ID)
	if err != nil {
		return storeErr(err)
	}
	byID := map[string]Push{}
	for _, p := range recs {
		byID[p.EventID] = p
	}
	inWindow := make(map[string]agenda.Event, len(evs))
	for _, e := range evs {
		inWindow[e.ID] = e
	}
	st.Pushed = 0
	var errs []error
	seen := map[string]bool{}
	for _, e := range evs {
		if !pushable(e, src.Region) {
			continue
		}
		seen[e.ID] = true
		rec, had := byID[e.ID]
		var parents []agenda.Event
		if e.Parent != "" {
			p, ok := inWindow[e.Parent]
			if !ok {
				var err error
				if p, err = s.agenda.Store().GetEvent(ctx, e.Parent); err == nil {
					ok = true
				} else if !errors.Is(err, agenda.ErrNotFound) {
					errs = append(errs, storeErr(err))
					continue
				}
			}
			if ok && publicParent(p) {
				parents = append(parents, p)
			}
		}
		var err error
		switch {
		case e.Status == agenda.StatusCancelled && had && !rec.Deleted:
			err = s.remove(ctx, src, rec, st)
		case e.Status == agenda.StatusPublished && (!had || rec.Deleted || rec.Sequence < e.Sequence || rec.Parent != parentID(parents)):
			// A conflicted record holds the SEQUENCE (and parent) that was
			// refused: it is tried again (and refused again, while the
			// remote copy differs) only when the event changes once more.
			err = s.put(ctx, src, e, parents, rec, had && !rec.Deleted, st)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, rec := range recs { // pushed events gone from majlis, or no longer pushable
		if seen[rec.EventID] || rec.Deleted {
			continue
		}
		e, ok := inWindow[rec.EventID]
		if !ok {
			var err error
			e, err = s.agenda.Store().GetEvent(ctx, rec.EventID)
			switch {
			case errors.Is(err, agenda.ErrNotFound): // gone: delete the copy
			case err != nil:
				continue // unreadable now: try again next time
			case pushable(e, src.Region):
				continue // outside the window: leave it
			}
		}
		// Gone, or no longer for this calendar (members-only, confidential,
		// a draft, another region): withdraw the copy.
		if err := s.remove(ctx, src, rec, st); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// publicParent reports whether a pushed copy may name p as its parent:
// only a public event that is published or cancelled, whatever the
// calendar's readers, since they are people majlis does not know.
func publicParent(p agenda.Event) bool {
	return p.Visibility == agenda.VisibilityPublic &&
		(p.Status == agenda.StatusPublished || p.Status == agenda.StatusCancelled)
}

// parentID is the ID of the parent a copy names, "" when none.
func parentID(parents []agenda.Event) string {
	if len(parents) == 0 {
		return ""
	}
	return parents[0].ID
}

// put creates or updates the object of e, naming parents (none, or e's
// public parent) in RELATED-TO.
func (s *Syncer) put(ctx context.Context, src Source, e agenda.Event, parents []agenda.Event, rec Push, exists bool, st *Status) error {
	f := s.feed()
	f.Events, f.Parents, f.Lang = []agenda.Event{e}, parents, src.Language
	if exists { // the copy keeps the UID it was created with
		f.UIDDomain = cmp.Or(rec.UIDDomain, s.legacyUIDDomain())
	}
	cal, err := f.Calendar()
	if err != nil {
		return err
	}
	for _, p := range []string{ical.PropMethod, ical.PropName, "X-WR-CALNAME", ical.PropRefreshInterval, "X-PUBLISHED-TTL"} {
		cal.Props.Del(p) // RFC 4791 §4.1: no METHOD in a calendar object resource
	}
	body, err := Marshal(cal)
	if err != nil {
		return err
	}
	href := rec.Href
	if href == "" {
		href = collectionPath(src.URL) + url.PathEscape(e.ID) + ".ics"
	}
	req, err := s.request(ctx, src, http.MethodPut, href, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	if exists {
		req.Header.Set("If-Match", quoteETag(rec.ETag))
	} else {
		req.Header.Set("If-None-Match", "*")
	}
	resp, err := s.httpClient(src).Do(req)
	if err != nil {
		return fmt.Errorf("calendar: caldav put %s: %w", href, unwrapURLError(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	rec.EventID, rec.Href, rec.Parent, rec.UIDDomain = e.ID, href, parentID(parents), f.uidDomain()
	switch {
	case resp.StatusCode == http.StatusPreconditionFailed:
		rec.Conflict = "the remote copy changed since majlis wrote it; it was kept"
		if !exists {
			rec.Conflict = "an object already exists at this href; it was kept"
		}
		rec.ConflictAt = s.cfg.Now()
		rec.Sequence = e.Sequence
		if err := s.store.PutPush(ctx, src.ID, rec); err != nil {
			return storeErr(err)
		}
		return nil
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("calendar: caldav put %s: HTTP %s", href, resp.Status)
	}
	etag := unquoteETag(resp.Header.Get("ETag"))
	if etag == "" { // a server that gives none on PUT: ask for it
		if etag, err = s.etag(ctx, src, href); err != nil {
			return err
		}
	}
	rec.ETag, rec.Sequence, rec.Deleted, rec.Conflict, rec.ConflictAt = etag, e.Sequence, false, "", time.Time{}
	st.Pushed++
	if err := s.store.PutPush(ctx, src.ID, rec); err != nil {
		return storeErr(err)
	}
	return nil
}

// remove deletes the object of rec, if it is still the one majlis wrote.
func (s *Syncer) remove(ctx context.Context, src Source, rec Push, st *Status) error {
	req, err := s.request(ctx, src, http.MethodDelete, rec.Href, nil)
	if err != nil {
		return err
	}
	if rec.ETag != "" {
		req.Header.Set("If-Match", quoteETag(rec.ETag))
	}
	resp, err := s.httpClient(src).Do(req)
	if err != nil {
		return fmt.Errorf("calendar: caldav delete %s: %w", rec.Href, unwrapURLError(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPreconditionFailed:
		rec.Conflict, rec.ConflictAt = "the remote copy changed since majlis wrote it; it was not deleted", s.cfg.Now()
		rec.Deleted = true // do not try again: the remote copy is someone else's now
	case resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotFound:
		rec.Deleted, rec.Conflict, rec.ConflictAt = true, "", time.Time{}
		st.Pushed++
	default:
		return fmt.Errorf("calendar: caldav delete %s: HTTP %s", rec.Href, resp.Status)
	}
	if err := s.store.PutPush(ctx, src.ID, rec); err != nil {
		return storeErr(err)
	}
	return nil
}

// etag reads an object's ETag with a HEAD request.
func (s *Syncer) etag(ctx context.Context, src Source, href string) (string, error) {
	req, err := s.request(ctx, src, http.MethodHead, href, nil)
	if err != nil {
		return "", err
	}
	resp, err := s.httpClient(src).Do(req)
	if err != nil {
		return "", fmt.Errorf("calendar: caldav head %s: %w", href, unwrapURLError(err))
	}
	resp.Body.Close()
	return unquoteETag(resp.Header.Get("ETag")), nil
}

// request builds a request for href (a path) on the source's server.
func (s *Syncer) request(ctx context.Context, src Source, method, href string, body []byte) (*http.Request, error) {
	base, err := url.Parse(src.URL)
	if err != nil {
		return nil, fmt.Errorf("calendar: source URL: %w", err)
	}
	u := *base
	u.Path, u.RawPath = path.Clean(href), ""
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("calendar: caldav %s: %w", method, err)
	}
	return req, nil
}

func quoteETag(t string) string {
	if strings.HasPrefix(t, `"`) || strings.HasPrefix(t, "W/") {
		return t
	}
	return `"` + t + `"`
}

func unquoteETag(t string) string { return strings.Trim(strings.TrimPrefix(t, "W/"), `"`) }

var _ webdav.HTTPClient = authClient{}
