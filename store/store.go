package store

import (
	"context"
	"maps"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/attendance"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/caption"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/ratelimit"
	"github.com/majlis/majlis/poll"
	"github.com/majlis/majlis/registration"
)

// Store is everything majlis keeps: events, agendas, series, organizers,
// regional calendar sources and their sync state.
type Store interface {
	agenda.Store
	access.Store
	calendar.Store
	audit.Store
	caption.Store
	registration.Store
	attendance.Store  // who attended a session, for how long (attendance_*.go)
	institution.Store // the general assembly's registry (assembly_*.go)
	ballot.Store      // rolls, ballots, voters, boxes (assembly_*.go)
	ratelimit.Counter // every rate limit's state (ratelimit_*.go)
	poll.Store        // prepared polls and the answers given in rooms (poll_*.go)
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store; later calls fail.
	Close() error
}

// copyMatching returns deep copies of the events that pass f, in order.
// It counts first, so that the result and the string slices of all the
// copies take one allocation each (listings are the stores' hot path).
func copyMatching(evs []*agenda.Event, f agenda.Filter) []agenda.Event {
	n, nstr := 0, 0
	for _, e := range evs {
		if f.Match(*e) {
			n++
			nstr += len(e.Languages) + len(e.Invitees)
		}
	}
	out := make([]agenda.Event, 0, n)
	strs := make([]string, 0, nstr)
	// cut copies s into strs and returns the copy, capped so that appending
	// to it cannot reach the next event's strings.
	cut := func(s []string) []string {
		if s == nil {
			return nil
		}
		k := len(strs)
		strs = append(strs, s...)
		return strs[k:len(strs):len(strs)]
	}
	for _, e := range evs {
		if f.Match(*e) {
			c := *e
			c.Title, c.Description, c.Location = maps.Clone(e.Title), maps.Clone(e.Description), maps.Clone(e.Location)
			c.Languages, c.Invitees = cut(e.Languages), cut(e.Invitees)
			c.Origin = cloneOrigin(e.Origin)
			out = append(out, c)
		}
	}
	return out
}
