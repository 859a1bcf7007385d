package institution

import (
	"context"
	"errors"
)

// Sentinel errors. Store implementations wrap them with %w.
var (
	// ErrNotFound: no such institution.
	ErrNotFound = errors.New("institution: not found")
	// ErrConflict: the version given does not match the stored one, the ID
	// exists already, or the registry changed since an import's preview.
	ErrConflict = errors.New("institution: version conflict")
	// ErrInvalid: the input breaks a rule; wrapped in a *ValidationError.
	ErrInvalid = errors.New("institution: invalid")
	// ErrUnavailable: the store could not be reached; nothing was done, or,
	// for a write, it is unknown whether it was: retry, and re-read.
	ErrUnavailable = errors.New("institution: store unavailable")
)

// Store is what institution needs from storage. Every write is atomic and
// acknowledged only once durable. Versions start at 1 and grow by one per
// write. The method names carry the noun so that one store type can serve
// several domain packages.
type Store interface {
	// GetInstitution returns the institution or ErrNotFound.
	GetInstitution(ctx context.Context, id string) (Institution, error)
	// ListInstitutions returns every institution ordered by ID.
	ListInstitutions(ctx context.Context) ([]Institution, error)
	// PutInstitution stores in and returns it with its new Version.
	// ifVersion 0 creates: ErrConflict if the ID exists. ifVersion > 0
	// replaces: ErrNotFound if absent, ErrConflict if the stored version
	// differs.
	PutInstitution(ctx context.Context, in Institution, ifVersion int64) (Institution, error)
	// DeleteInstitution removes an institution if its stored version is
	// ifVersion (> 0): ErrNotFound if absent, ErrConflict if another.
	DeleteInstitution(ctx context.Context, id string, ifVersion int64) error
}
