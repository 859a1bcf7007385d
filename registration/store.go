package registration

import (
	"context"
	"time"
)

// Fill says how a store fills free places from the waitlist, in the same
// atomic step as the write that frees them: while fewer than Capacity
// registrations of the event hold a place (pending or approved; Capacity
// 0 means no limit), the waitlisted registration with the lowest Seq
// takes status Placed, with a Step at At. A zero Placed fills nothing.
type Fill struct {
	Capacity int
	Placed   Status
	At       time.Time
}

// Change is a conditional status change of one registration.
type Change struct {
	Event, ID string
	// From lists the statuses the change applies to; any other current
	// status gives ErrState and changes nothing.
	From []Status
	// To is the new status; a Step{To, Fill.At} is appended to History.
	To Status
	// Message replaces the registration's Message when To is declined.
	Message string
	// Fill is applied after the change, in the same atomic step.
	Fill Fill
}

// Store is what registration needs from storage. Every write is atomic
// and acknowledged only once durable. The method names carry their noun
// so that one store type serves several packages.
//
// Capacity is exact across instances because the check and the write are
// one step in the store (a Redis Lua script, a bbolt transaction): the
// Service never counts places itself. Arrival order is the order in which
// the store executes Register; Seq records it.
//
// Forget and PurgeRegistrations leave nothing of a registration behind:
// no record, no index entry (token hashes, email key), no counter holding
// its ID. Only the per-event Seq counter survives (it names nobody).
type Store interface {
	// GetForm returns an event's form or ErrNotFound.
	GetForm(ctx context.Context, event string) (Form, error)
	// PutForm stores a form if its stored version is ifVersion (0
	// creates; ErrConflict otherwise) and returns it with its new version.
	PutForm(ctx context.Context, f Form, ifVersion int64) (Form, error)
	// ListForms returns every form, ordered by event.
	ListForms(ctx context.Context) ([]Form, error)

	// Register stores r in one atomic step: ErrConflict if r.ID exists;
	// ErrDuplicate if r.EmailKey is set and a registration of r.Event
	// that is not cancelled has the same key; otherwise r.Seq is the
	// event's next arrival number, r.Status is fill.Placed if fewer than
	// fill.Capacity registrations hold a place (or Capacity is 0) and
	// StatusWaitlisted otherwise, a Step{Status, fill.At} is appended, and
	// r is indexed by its token hashes. It returns the stored r and, when
	// waitlisted, its position on the waitlist (1 for the first), else 0.
	Register(ctx context.Context, r Registration, fill Fill) (Registration, int, error)
	// GetRegistration returns one registration or ErrNotFound.
	GetRegistration(ctx context.Context, event, id string) (Registration, error)
	// RegistrationByToken returns the registration one of whose
	// TokenHashes is hash, or ErrNotFound.
	RegistrationByToken(ctx context.Context, hash string) (Registration, error)
	// ListRegistrations returns an event's registrations ordered by Seq.
	ListRegistrations(ctx context.Context, event string) ([]Registration, error)
	// ChangeRegistration applies c atomically and returns the changed
	// registration and those the fill promoted, in Seq order.
	ChangeRegistration(ctx context.Context, c Change) (Registration, []Registration, error)
	// FillWaitlist applies fill to an event (after its capacity grew) and
	// returns the promoted registrations in Seq order.
	FillWaitlist(ctx context.Context, event string, fill Fill) ([]Registration, error)
	// AddToken adds a token hash to a registration, dropping the oldest
	// beyond max, and indexes it (unindexing the dropped ones).
	AddToken(ctx context.Context, event, id, hash string, max int) error
	// ForgetRegistration deletes one registration and every index entry
	// of it, then applies fill, atomically; it returns the promoted.
	ForgetRegistration(ctx context.Context, event, id string, fill Fill) ([]Registration, error)
	// PurgeRegistrations deletes every registration of an event and
	// their index entries, and returns how many there were.
	PurgeRegistrations(ctx context.Context, event string) (int, error)
}
