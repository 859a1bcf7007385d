package store

import (
	"context"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// Store is everything majlis keeps: events, agendas, series, organizers.
type Store interface {
	agenda.Store
	access.Store
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store; later calls fail.
	Close() error
}
