package agenda

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/majlis/majlis/internal/randid"
)

// Config tunes a Service.
type Config struct {
	// Languages are the language codes accepted for titles and descriptions.
	// Default: Languages (ar, en, fr, es).
	Languages []string
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// Zones overrides regions' reference IANA time zones (working hours,
	// floating times in imported calendars). Default: ReferenceZones for
	// every region not given. New panics on an unknown region or zone.
	Zones map[Region]string
}

// Service applies the rules of events and agendas on top of a Store.
//
// Its methods are goroutine-safe as far as the Store's are.
type Service struct {
	cfg   Config
	store Store
	gen   *atomic.Uint64
	zones map[Region]*time.Location
}

// New returns a Service over store.
func New(cfg Config, store Store) *Service {
	if len(cfg.Languages) == 0 {
		cfg.Languages = slices.Clone(Languages)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	zones, err := checkZones(cfg.Zones)
	if err != nil {
		panic(err) // broken static configuration
	}
	gen := new(atomic.Uint64)
	return &Service{cfg: cfg, store: countingStore{Store: store, gen: gen}, gen: gen, zones: zones}
}

// Generation counts the writes made through this Service: it changes
// after every successful write, so that caches built from what was read
// (calendar feeds) know when they are stale.
func (s *Service) Generation() uint64 { return s.gen.Load() }

// countingStore bumps the generation after every successful write.
type countingStore struct {
	Store
	gen *atomic.Uint64
}

func (c countingStore) CreateEvent(ctx context.Context, e Event, a Agenda) (Event, Agenda, error) {
	ev, ag, err := c.Store.CreateEvent(ctx, e, a)
	c.bump(err)
	return ev, ag, err
}

func (c countingStore) UpdateEvent(ctx context.Context, e Event, ifVersion int64) (Event, error) {
	ev, err := c.Store.UpdateEvent(ctx, e, ifVersion)
	c.bump(err)
	return ev, err
}

func (c countingStore) DeleteEvent(ctx context.Context, id string, ifVersion int64) error {
	err := c.Store.DeleteEvent(ctx, id, ifVersion)
	c.bump(err)
	return err
}

func (c countingStore) PutAgenda(ctx context.Context, a Agenda, ifVersion int64, e *Event) (Agenda, error) {
	ag, err := c.Store.PutAgenda(ctx, a, ifVersion, e)
	c.bump(err)
	return ag, err
}

func (c countingStore) PutSeries(ctx context.Context, ser Series, ifVersion int64) (Series, error) {
	out, err := c.Store.PutSeries(ctx, ser, ifVersion)
	c.bump(err)
	return out, err
}

func (c countingStore) bump(err error) {
	if err == nil {
		c.gen.Add(1)
	}
}

// Languages returns the accepted text languages.
func (s *Service) Languages() []string { return slices.Clone(s.cfg.Languages) }

// Store returns the store the Service writes through (read access for
// feeds and pages).
func (s *Service) Store() Store { return s.store }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// NewID returns a random identifier with the given prefix: prefix and 16
// characters (randid.New with randid.IDBytes).
func NewID(prefix string) string { return randid.New(prefix, randid.IDBytes) }

func normalize(e *Event) {
	normalizeEventText(e)
	e.Conference = strings.TrimSpace(e.Conference)
	e.Start = e.Start.UTC()
	e.End = e.End.UTC()
	if e.Languages == nil {
		e.Languages = []string{}
	}
	if e.Description == nil {
		e.Description = Text{}
	}
	for k, v := range e.Title {
		if strings.TrimSpace(v) == "" {
			delete(e.Title, k)
		}
	}
	for k, v := range e.Description {
		if strings.TrimSpace(v) == "" {
			delete(e.Description, k)
		}
	}
	for k, v := range e.Location {
		if strings.TrimSpace(v) == "" {
			delete(e.Location, k)
		}
	}
}

func normalizeItems(items []Item) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		it.Start = it.Start.UTC()
		normalizeItemText(&it)
		if it.Speakers == nil {
			it.Speakers = []Text{}
		}
		if it.ID == "" {
			it.ID = NewID("it-")
		}
		out[i] = it
	}
	return out
}

// sortItems orders items by start. It runs after validation so that error
// field names (items[i]) refer to the order the caller sent.
func sortItems(items []Item) {
	sort.SliceStable(items, func(a, b int) bool { return items[a].Start.Before(items[b].Start) })
}

// checkParent verifies e against its parent annual meeting. A parent the
// call's viewer may not see is answered exactly like one that does not
// exist, and the answer never repeats the ID it was given.
func (s *Service) checkParent(ctx context.Context, e Event, c call, p problems) error {
	if e.Parent == "" || len(p) > 0 {
		return nil
	}
	parent, err := s.store.GetEvent(ctx, e.Parent)
	if errors.Is(err, ErrNotFound) || (err == nil && !c.sees(parent)) {
		p.add("parent", "no such event")
		return nil
	}
	if err != nil {
		return err
	}
	if parent.Kind != KindAnnualMeeting {
		p.add("parent", "%q is a %s, not an annual meeting", e.Parent, parent.Kind)
	} else if e.Start.Before(parent.Start) || e.End.After(parent.End) {
		p.add("start", "a %s must lie within its annual meeting %s–%s", e.Kind, fmtT(parent.Start), fmtT(parent.End))
	}
	return nil
}

// hiddenParent reports whether old has a parent that the call's viewer
// may not see.
func (s *Service) hiddenParent(ctx context.Context, old Event, c call) (bool, error) {
	if old.Parent == "" || c.viewer == nil {
		return false, nil
	}
	parent, err := s.store.GetEvent(ctx, old.Parent)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !c.sees(parent), nil
}

// checkChildren verifies that an annual meeting changed from old to e
// still contains the children it contained. Only children the call's
// viewer may see are consulted: a hidden child neither blocks the change
// nor is named, timed or counted, so that the answer is the same as for a
// meeting without it (its own organizers move it; see UpdateEvent).
func (s *Service) checkChildren(ctx context.Context, old, e Event, c call, p problems) error {
	if e.Kind != KindAnnualMeeting || len(p) > 0 {
		return nil
	}
	kids, err := s.store.ListEvents(ctx, Filter{Parent: e.ID})
	if err != nil {
		return err
	}
	for _, k := range kids {
		if !c.sees(k) || !within(k, old) {
			continue
		}
		if !within(k, e) {
			p.add("start", "event %q (%s–%s) would fall outside the meeting", k.ID, fmtT(k.Start), fmtT(k.End))
			break
		}
	}
	return nil
}

// within reports whether k lies within e's times.
func within(k, e Event) bool { return !k.Start.Before(e.Start) && !k.End.After(e.End) }

// CreateEvent validates e and stores it with its initial agenda: the given
// items plus, when e belongs to a series, that series' standing items
// (placed after the given items, or from the start of the event). With
// For(v), a parent v may not see is refused as if it did not exist.
func (s *Service) CreateEvent(ctx context.Context, e Event, items []Item, opts ...Option) (Event, Agenda, error) {
	c := options(opts)
	normalize(&e)
	if e.Status == "" {
		e.Status = StatusDraft
	}
	if e.Visibility == "" {
		e.Visibility = VisibilityPublic
	}
	p := s.validateEvent(e)
	if e.Origin != nil {
		p.add("origin", "set by the importer only (see /api/v1/sources)")
	}
	if err := s.checkParent(ctx, e, c, p); err != nil {
		return Event{}, Agenda{}, err
	}
	if e.Series != "" && len(p) == 0 {
		ser, err := s.store.GetSeries(ctx, e.Series)
		if errors.Is(err, ErrNotFound) {
			p.add("series", "no series %q", e.Series)
		} else if err != nil {
			return Event{}, Agenda{}, err
		} else {
			items = append(slices.Clone(items), standingItems(e, items, ser)...)
		}
	}
	if err := p.err(); err != nil {
		return Event{}, Agenda{}, err
	}
	items = normalizeItems(items)
	if err := s.ValidateAgenda(e, items); err != nil {
		return Event{}, Agenda{}, err
	}
	sortItems(items)
	if e.ID == "" {
		e.ID = NewID("ev-")
	}
	now := s.now()
	e.Created, e.Updated, e.Sequence = now, now, 0
	a := Agenda{EventID: e.ID, Items: items}
	if e.Status != StatusDraft {
		a, _ = withRelease(a, now, c.by, "") // created published: release 1
	}
	ev, ag, err := s.store.CreateEvent(ctx, e, a)
	if err != nil {
		return Event{}, Agenda{}, fmt.Errorf("agenda: create %q: %w", e.ID, err)
	}
	return ev, ag, nil
}

func standingItems(e Event, items []Item, ser Series) []Item {
	at := e.Start
	for _, it := range items {
		if !it.Parallel && it.End().After(at) {
			at = it.End()
		}
	}
	out := make([]Item, 0, len(ser.StandingItems))
	for i, st := range ser.StandingItems {
		// A stable ID: calendars key agenda items by it (UIDs).
		out = append(out, Item{ID: "standing-" + strconv.Itoa(i+1), Title: st.Title.Clone(), Start: at, Minutes: st.Minutes,
			Kind: ItemStanding, Speakers: []Text{}})
		at = at.Add(time.Duration(st.Minutes) * time.Minute)
	}
	return out
}

// calendarVisible reports whether a change from old to e must reach
// subscribed calendars (RFC 5545 §3.8.7.4: SEQUENCE is bumped when the
// organizer makes a significant revision).
func calendarVisible(old, e Event) bool {
	return !old.Start.Equal(e.Start) || !old.End.Equal(e.End) || old.TimeZone != e.TimeZone ||
		old.Status != e.Status || !reflect.DeepEqual(old.Title, e.Title) ||
		!reflect.DeepEqual(old.Description, e.Description) || !reflect.DeepEqual(old.Location, e.Location) || old.Conference != e.Conference ||
		old.Visibility != e.Visibility || !slices.Equal(old.Languages, e.Languages) || old.Parent != e.Parent
}

// UpdateEvent replaces the stored event with e if its version is ifVersion
// (0: no precondition). ID, owner and creation time cannot change; kind can
// change only when the rules still hold.
//
// With For(v), the rules between a meeting and its side events hold
// between the events v may see, and errors name no other:
//   - a parent v may not see is, to v, no parent: v's e.Parent "" keeps it
//     (and it is not consulted), while any parent v names (that one's ID
//     included) is refused like one that does not exist;
//   - a meeting's side events v may not see neither block the change nor
//     are mentioned (checkChildren).
//
// A change by v can thus leave a side event hidden from v outside its
// meeting; the side event's own organizers, who see both, are told on
// their next edit of it (and before, they may see it on the meeting).
func (s *Service) UpdateEvent(ctx context.Context, e Event, ifVersion int64, opts ...Option) (Event, error) {
	c := options(opts)
	old, err := s.store.GetEvent(ctx, e.ID)
	if err != nil {
		return Event{}, err
	}
	if old.Origin != nil {
		return Event{}, refuseImported(old, "origin")
	}
	if ifVersion != 0 && old.Version != ifVersion {
		return Event{}, fmt.Errorf("agenda: event %q changed since version %d: %w", e.ID, ifVersion, ErrConflict)
	}
	normalize(&e)
	e.Origin = nil
	e.Owner, e.Created, e.Sequence = old.Owner, old.Created, old.Sequence
	hidden, err := s.hiddenParent(ctx, old, c)
	if err != nil {
		return Event{}, err
	}
	// A meeting has no parent: turned into one, the event leaves the
	// hidden parent, as it would leave none (the answer must not differ).
	keep := hidden && e.Parent == "" && e.Kind != KindAnnualMeeting
	if keep {
		e.Parent = old.Parent
	}
	p := s.validateEvent(e)
	// The parent is checked when the event moves (or changes parent or
	// kind), so that an event already outside its meeting (see above) can
	// still be retitled or cancelled.
	moved := hidden || e.Parent != old.Parent || e.Kind != old.Kind || !e.Start.Equal(old.Start) || !e.End.Equal(old.End)
	if !keep && moved {
		if err := s.checkParent(ctx, e, c, p); err != nil {
			return Event{}, err
		}
	}
	if err := s.checkChildren(ctx, old, e, c, p); err != nil {
		return Event{}, err
	}
	if err := p.err(); err != nil {
		return Event{}, err
	}
	ag, err := s.store.GetAgenda(ctx, e.ID)
	if err != nil {
		return Event{}, err
	}
	if err := s.ValidateAgenda(e, ag.Items); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return Event{}, &ValidationError{Fields: map[string]string{"start": "the agenda would no longer fit: " + ve.Error()}}
		}
		return Event{}, err
	}
	if calendarVisible(old, e) {
		e.Sequence = old.Sequence + 1
	}
	e.Updated = s.now()
	if !e.Updated.After(old.Updated) {
		e.Updated = old.Updated.Add(time.Second)
	}
	if old.Status == StatusDraft && e.Status == StatusPublished && ag.Unreleased() {
		// Publishing the event publishes its agenda as it stands: a new
		// release, in the same write.
		ag, _ = withRelease(ag, e.Updated, c.by, "")
		e.Version = old.Version
		if _, err := s.store.PutAgenda(ctx, ag, ag.Version, &e); err != nil {
			return Event{}, err
		}
		return s.store.GetEvent(ctx, e.ID)
	}
	return s.store.UpdateEvent(ctx, e, old.Version)
}

// DeleteEvent removes a draft event. A published event is cancelled
// instead (status cancelled, SEQUENCE bumped) so that subscribed calendars
// remove it; a cancelled event is then removed for good. An annual meeting
// with child events is refused; with For(v), only children v may see count,
// and only they are named (a hidden child makes no difference to the
// answer). The returned event is the cancelled one, or the zero Event when
// it was removed.
func (s *Service) DeleteEvent(ctx context.Context, id string, ifVersion int64, opts ...Option) (Event, bool, error) {
	c := options(opts)
	old, err := s.store.GetEvent(ctx, id)
	if err != nil {
		return Event{}, false, err
	}
	if old.Origin != nil {
		return Event{}, false, refuseImported(old, "origin")
	}
	if ifVersion != 0 && old.Version != ifVersion {
		return Event{}, false, fmt.Errorf("agenda: event %q changed since version %d: %w", id, ifVersion, ErrConflict)
	}
	if old.Kind == KindAnnualMeeting {
		all, err := s.store.ListEvents(ctx, Filter{Parent: id})
		if err != nil {
			return Event{}, false, err
		}
		kids := slices.DeleteFunc(all, func(k Event) bool { return !c.sees(k) })
		if len(kids) > 0 {
			return Event{}, false, &ValidationError{Fields: map[string]string{"id": fmt.Sprintf("the meeting still has %d events (e.g. %q); delete or move them first", len(kids), kids[0].ID)}}
		}
	}
	if old.Status == StatusPublished {
		e := old
		e.Status = StatusCancelled
		if hidden, err := s.hiddenParent(ctx, old, c); err != nil {
			return Event{}, false, err
		} else if hidden {
			e.Parent = "" // kept: see UpdateEvent
		}
		ev, err := s.UpdateEvent(ctx, e, old.Version, opts...)
		return ev, false, err
	}
	return Event{}, true, s.store.DeleteEvent(ctx, id, old.Version)
}

// PutAgenda replaces the items of an event's working draft if the
// agenda's version is ifVersion. Items are ordered by start; missing IDs
// are assigned. The public sees the change once it is released (Publish),
// so the event (and its SEQUENCE) is left alone. A published event whose
// agenda was never released (stored before releases existed) first gets
// its agenda as it stood as release 1, in the same write, so that what the
// public sees does not change.
func (s *Service) PutAgenda(ctx context.Context, eventID string, items []Item, ifVersion int64) (Agenda, error) {
	e, err := s.store.GetEvent(ctx, eventID)
	if err != nil {
		return Agenda{}, err
	}
	if e.Origin != nil {
		return Agenda{}, refuseImported(e, "origin")
	}
	items = normalizeItems(items)
	if err := s.ValidateAgenda(e, items); err != nil {
		return Agenda{}, err
	}
	sortItems(items)
	cur, err := s.store.GetAgenda(ctx, eventID)
	if err != nil {
		return Agenda{}, err
	}
	if ifVersion != 0 && cur.Version != ifVersion {
		return Agenda{}, fmt.Errorf("agenda: agenda of %q changed since version %d: %w", eventID, ifVersion, ErrConflict)
	}
	if len(cur.Releases) == 0 && e.Status != StatusDraft {
		cur, _ = withRelease(cur, s.now(), "", "")
	}
	cur.Items = items
	return s.store.PutAgenda(ctx, cur, cur.Version, nil)
}

// AddItem appends an item to an agenda.
func (s *Service) AddItem(ctx context.Context, eventID string, it Item, ifVersion int64) (Agenda, Item, error) {
	ag, err := s.store.GetAgenda(ctx, eventID)
	if err != nil {
		return Agenda{}, Item{}, err
	}
	if ifVersion != 0 && ag.Version != ifVersion {
		return Agenda{}, Item{}, fmt.Errorf("agenda: agenda of %q changed since version %d: %w", eventID, ifVersion, ErrConflict)
	}
	if it.ID == "" {
		it.ID = NewID("it-")
	}
	for _, x := range ag.Items {
		if x.ID == it.ID {
			return Agenda{}, Item{}, &ValidationError{Fields: map[string]string{"id": fmt.Sprintf("item %q exists", it.ID)}}
		}
	}
	out, err := s.PutAgenda(ctx, eventID, append(ag.Items, it), ag.Version)
	if err != nil {
		return Agenda{}, Item{}, err
	}
	got, _ := out.Item(it.ID)
	return out, got, nil
}

// UpdateItem replaces one item (move, resize, retitle).
func (s *Service) UpdateItem(ctx context.Context, eventID string, it Item, ifVersion int64) (Agenda, Item, error) {
	ag, err := s.store.GetAgenda(ctx, eventID)
	if err != nil {
		return Agenda{}, Item{}, err
	}
	if ifVersion != 0 && ag.Version != ifVersion {
		return Agenda{}, Item{}, fmt.Errorf("agenda: agenda of %q changed since version %d: %w", eventID, ifVersion, ErrConflict)
	}
	i := slices.IndexFunc(ag.Items, func(x Item) bool { return x.ID == it.ID })
	if i < 0 {
		return Agenda{}, Item{}, fmt.Errorf("agenda: item %q: %w", it.ID, ErrNotFound)
	}
	ag.Items[i] = it
	out, err := s.PutAgenda(ctx, eventID, ag.Items, ag.Version)
	if err != nil {
		return Agenda{}, Item{}, err
	}
	got, _ := out.Item(it.ID)
	return out, got, nil
}

// DeleteItem removes one item.
func (s *Service) DeleteItem(ctx context.Context, eventID, itemID string, ifVersion int64) (Agenda, error) {
	ag, err := s.store.GetAgenda(ctx, eventID)
	if err != nil {
		return Agenda{}, err
	}
	if ifVersion != 0 && ag.Version != ifVersion {
		return Agenda{}, fmt.Errorf("agenda: agenda of %q changed since version %d: %w", eventID, ifVersion, ErrConflict)
	}
	i := slices.IndexFunc(ag.Items, func(x Item) bool { return x.ID == itemID })
	if i < 0 {
		return Agenda{}, fmt.Errorf("agenda: item %q: %w", itemID, ErrNotFound)
	}
	return s.PutAgenda(ctx, eventID, slices.Delete(ag.Items, i, i+1), ag.Version)
}

// Item returns the item with the given ID.
func (a Agenda) Item(id string) (Item, bool) {
	for _, it := range a.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// PutSeries validates and stores a series.
func (s *Service) PutSeries(ctx context.Context, ser Series, ifVersion int64) (Series, error) {
	normalizeSeriesText(&ser)
	p := problems{}
	if !ValidID(ser.ID) {
		p.add("id", "must be 3-64 lowercase letters, digits or hyphens")
	}
	checkText(p, "title", ser.Title, s.cfg.Languages, true, MaxTitleRunes)
	if ser.Region != "" && !ser.Region.Valid() {
		p.add("region", "unknown region %q", ser.Region)
	}
	if len(ser.StandingItems) > 20 {
		p.add("standing_items", "at most 20 standing items")
	}
	for i, st := range ser.StandingItems {
		checkText(p, fmt.Sprintf("standing_items[%d].title", i), st.Title, s.cfg.Languages, true, MaxTitleRunes)
		if st.Minutes <= 0 || st.Minutes > MaxItemMinutes {
			p.add(fmt.Sprintf("standing_items[%d].duration", i), "must be between 1 and %d minutes", MaxItemMinutes)
		}
	}
	if err := p.err(); err != nil {
		return Series{}, err
	}
	if ser.StandingItems == nil {
		ser.StandingItems = []StandingItem{}
	}
	return s.store.PutSeries(ctx, ser, ifVersion)
}
