package agenda

import (
	"context"
	"errors"
)

// Sentinel errors. Store implementations wrap them with %w.
var (
	// ErrNotFound: no such event, agenda, series.
	ErrNotFound = errors.New("agenda: not found")
	// ErrConflict: the version given does not match the stored one, or the ID exists.
	ErrConflict = errors.New("agenda: version conflict")
	// ErrInvalid: the input breaks a rule; wrapped in a *ValidationError.
	ErrInvalid = errors.New("agenda: invalid")
	// ErrUnavailable: the store could not be reached (a network store
	// down, or not answering in time); nothing was done, or, for a write,
	// it is unknown whether it was: retry, and re-read to find out.
	ErrUnavailable = errors.New("agenda: store unavailable")
)

// Store is what agenda needs from storage. Every write is atomic and
// acknowledged only once durable. Versions start at 1 and grow by one per
// write; ifVersion 0 means "whatever is stored" (no precondition).
type Store interface {
	// CreateEvent stores a new event and its (possibly empty) agenda in one
	// transaction. ErrConflict if the ID exists. Returns both with Version 1.
	CreateEvent(ctx context.Context, e Event, a Agenda) (Event, Agenda, error)
	// GetEvent returns the event or ErrNotFound.
	GetEvent(ctx context.Context, id string) (Event, error)
	// UpdateEvent replaces the event if its stored version equals ifVersion.
	UpdateEvent(ctx context.Context, e Event, ifVersion int64) (Event, error)
	// DeleteEvent removes an event and its agenda.
	DeleteEvent(ctx context.Context, id string, ifVersion int64) error
	// ListEvents returns every event matching f, ordered by Start then ID.
	ListEvents(ctx context.Context, f Filter) ([]Event, error)
	// GetAgenda returns the agenda of an existing event or ErrNotFound.
	GetAgenda(ctx context.Context, eventID string) (Agenda, error)
	// PutAgenda replaces an event's agenda if its version equals ifVersion.
	// The event must exist. When e is non-nil the event is replaced too, in the
	// same transaction, with its own version check against e.Version.
	PutAgenda(ctx context.Context, a Agenda, ifVersion int64, e *Event) (Agenda, error)
	// PutSeries creates or replaces a series (ifVersion 0: no check).
	PutSeries(ctx context.Context, s Series, ifVersion int64) (Series, error)
	// GetSeries returns a series or ErrNotFound.
	GetSeries(ctx context.Context, id string) (Series, error)
	// ListSeries returns every series ordered by ID.
	ListSeries(ctx context.Context) ([]Series, error)
}
