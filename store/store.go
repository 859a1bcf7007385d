package store

import (
	"context"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// Store is everything majlis keeps: events, agendas, series, organizers,
// regional calendar sources and their sync state.
type Store interface {
	agenda.Store
	access.Store
	calendar.Store
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store; later calls fail.
	Close() error
}
