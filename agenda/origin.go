package agenda

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Origin labels an event imported from a regional network's calendar (an
// ICS feed or a CalDAV collection): where it came from and which event
// there it is. Imported events are read-only in majlis; they change only
// through Service.Import and Service.CancelImported, as their source does.
type Origin struct {
	// Source is the ID of the majlis source (calendar.Source) it came from.
	Source string `json:"source"`
	// Name is the source's name when the event was imported, for labels.
	Name string `json:"name"`
	// URL is the source's address (an ICS URL or a CalDAV collection).
	URL string `json:"url,omitempty"`
	// UID is the event's UID in its source (RFC 5545 §3.8.4.7).
	UID string `json:"uid"`
	// RecurrenceID is the original start (RFC 3339, UTC) of the occurrence
	// of a recurring event this event is, empty for a single event
	// (RFC 5545 §3.8.4.4).
	RecurrenceID string `json:"recurrence_id,omitempty"`
}

// Public returns o as shown to those who do not manage its source: URL
// cut to its scheme and host, since the path of a calendar's address is
// often its only secret (Google Calendar's ".../private-KEY/basic.ics").
func (o Origin) Public() Origin {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		o.URL = ""
		return o
	}
	o.URL = (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
	return o
}

// ImportedIDPrefix starts the ID of every imported event; the API cannot
// create events with it.
const ImportedIDPrefix = "im-"

// ImportedID returns the event ID of the occurrence recurrenceID of event
// uid from source: "im-" and 32 base32 characters of a SHA-256 of the
// three, so the same event of the same source always gets the same ID (an
// upsert key) and IDs stay within ValidID.
func ImportedID(source, uid, recurrenceID string) string {
	h := sha256.Sum256([]byte(source + "\x00" + uid + "\x00" + recurrenceID))
	return ImportedIDPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:20]))
}

// refuseImported is the error for an edit of an imported event.
func refuseImported(e Event, field string) error {
	return &ValidationError{Fields: map[string]string{field: fmt.Sprintf("imported from %s: change it at its source", e.Origin.Name)}}
}

// ImportChange says what Import did.
type ImportChange int

// What Import did with an event.
const (
	ImportUnchanged ImportChange = iota
	ImportAdded
	ImportUpdated
)

// Import creates or updates the imported event e (e.Origin set; its ID
// is derived with ImportedID). An event already stored is changed only
// when something a calendar shows differs, and then its SEQUENCE is
// bumped, so that feeds announce the change; a cancelled event that
// appears again is published again. Kind is KindRegional, status
// published unless e says cancelled, visibility public unless given.
func (s *Service) Import(ctx context.Context, e Event) (Event, ImportChange, error) {
	if e.Origin == nil || e.Origin.Source == "" || e.Origin.UID == "" {
		return Event{}, ImportUnchanged, &ValidationError{Fields: map[string]string{"origin": "an imported event needs its source and UID"}}
	}
	o := *e.Origin
	e.Origin = &o
	e.ID = ImportedID(o.Source, o.UID, o.RecurrenceID)
	e.Kind, e.Parent, e.Series = KindRegional, "", ""
	if e.Status != StatusCancelled {
		e.Status = StatusPublished
	}
	if e.Visibility == "" {
		e.Visibility = VisibilityPublic
	}
	normalize(&e)
	if err := s.validateEvent(e).err(); err != nil {
		return Event{}, ImportUnchanged, err
	}
	now := s.now()
	old, err := s.store.GetEvent(ctx, e.ID)
	if errors.Is(err, ErrNotFound) {
		e.Created, e.Updated, e.Sequence = now, now, 0
		a, _ := withRelease(Agenda{EventID: e.ID, Items: []Item{}}, now, "", "")
		ev, _, err := s.store.CreateEvent(ctx, e, a)
		if err != nil {
			return Event{}, ImportUnchanged, fmt.Errorf("agenda: import %q: %w", e.ID, err)
		}
		return ev, ImportAdded, nil
	}
	if err != nil {
		return Event{}, ImportUnchanged, err
	}
	if old.Origin == nil {
		return Event{}, ImportUnchanged, fmt.Errorf("agenda: import: %q is not an imported event: %w", e.ID, ErrConflict)
	}
	e.Owner, e.Invitees, e.Created = old.Owner, old.Invitees, old.Created
	if !calendarVisible(old, e) && old.AllDay == e.AllDay && old.Region == e.Region && *old.Origin == o {
		return old, ImportUnchanged, nil
	}
	e.Sequence = old.Sequence + 1
	e.Updated = later(now, old.Updated)
	ev, err := s.store.UpdateEvent(ctx, e, old.Version)
	if err != nil {
		return Event{}, ImportUnchanged, fmt.Errorf("agenda: import %q: %w", e.ID, err)
	}
	return ev, ImportUpdated, nil
}

// CancelImported marks the imported event id cancelled (it stays, so that
// feeds announce it) and reports whether it changed; an event already
// cancelled is left alone.
func (s *Service) CancelImported(ctx context.Context, id string) (bool, error) {
	old, err := s.store.GetEvent(ctx, id)
	if err != nil {
		return false, err
	}
	if old.Origin == nil {
		return false, fmt.Errorf("agenda: cancel import: %q is not an imported event: %w", id, ErrConflict)
	}
	if old.Status == StatusCancelled {
		return false, nil
	}
	e := old
	e.Status = StatusCancelled
	e.Sequence++
	e.Updated = later(s.now(), old.Updated)
	if _, err := s.store.UpdateEvent(ctx, e, old.Version); err != nil {
		return false, fmt.Errorf("agenda: cancel import %q: %w", id, err)
	}
	return true, nil
}

// later returns now, or a second after prev when the clock has not moved
// past it (LAST-MODIFIED must grow with SEQUENCE).
func later(now, prev time.Time) time.Time {
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Second)
}
