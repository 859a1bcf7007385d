package attendance

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// BeatEvery is how often an instance with open visits of an event writes
// its beat for the event; an open visit whose instance has not beaten for
// twice as long has ended (at that beat).
const BeatEvery = 30 * time.Second

// MaxChannels bounds the channels recorded for one visit (the floor and
// the working languages fit many times over).
const MaxChannels = 16

// ErrInvalid: a visit the store cannot key (an empty event, ID or person,
// or a NUL in one).
var ErrInvalid = errors.New("attendance: invalid visit")

// Visit is one connection's stay in an event's room.
type Visit struct {
	Event string `json:"event"`
	// ID is the room's member ID of the connection (unique per connection).
	ID string `json:"id"`
	// Person is who stands behind it: "registrant:" and a registration
	// ID, "invite:" and an invitation ID, "organizer:" and an organizer
	// ID, or "anonymous:" or "visitor:" (a public webinar's visitor, one
	// per browser) and a random name (see KindOf).
	Person string `json:"person"`
	// Name is the display name the room showed (a pseudonym stays one).
	Name string `json:"name"`
	// Role is the room role (host, speaker, participant…).
	Role string `json:"role"`
	// Instance is the majlis instance that held the connection.
	Instance string    `json:"instance"`
	Joined   time.Time `json:"joined"`
	// Left is when the connection ended; zero while it is open.
	Left time.Time `json:"left,omitzero"`
	// Channels are the channels listened to, in the order first chosen.
	Channels []string `json:"channels"`
}

// Beat is an instance's sign of life for an event's open visits.
type Beat struct {
	Event, Instance string
	At              time.Time
}

// Batch is one write of a recorder: visits that arrived (created, or
// replaced), visits that changed (written only if the store still has
// them: a forgotten visit stays forgotten) and beats (a store keeps the
// latest per event and instance).
type Batch struct {
	Arrived, Changed []Visit
	Beats            []Beat
}

// Log is what a store holds of one event: its visits ordered by Joined
// then ID, and the latest beat of each instance.
type Log struct {
	Visits []Visit
	Beats  map[string]time.Time
}

// Store is what attendance needs from storage. Every write is atomic and
// acknowledged only once durable.
type Store interface {
	// RecordVisits applies a batch in one step.
	RecordVisits(ctx context.Context, b Batch) error
	// Visits returns an event's log (empty when none was recorded).
	Visits(ctx context.Context, event string) (Log, error)
	// ForgetVisits deletes every visit of person in event and returns
	// how many there were.
	ForgetVisits(ctx context.Context, event, person string) (int, error)
	// PurgeVisits deletes an event's visits and beats and returns how
	// many visits there were.
	PurgeVisits(ctx context.Context, event string) (int, error)
	// VisitEvents lists the events with a log, in order.
	VisitEvents(ctx context.Context) ([]string, error)
}

// Check reports ErrInvalid for a visit a store cannot key.
func (v Visit) Check() error {
	for _, s := range []string{v.Event, v.ID, v.Person} {
		if s == "" || strings.ContainsRune(s, 0) {
			return ErrInvalid
		}
	}
	return nil
}

// Kind is what a person is to the event.
type Kind string

// Kinds of people, as the report names them.
const (
	KindRegistrant Kind = "registrant"
	KindInvitee    Kind = "invitee"
	KindOrganizer  Kind = "organizer"
	// KindWalkIn is someone who came in by the event's public link,
	// without registering or an invitation.
	KindWalkIn Kind = "walk-in"
)

// KindOf returns the kind of a person key.
func KindOf(person string) Kind {
	prefix, _, _ := strings.Cut(person, ":")
	switch prefix {
	case "registrant":
		return KindRegistrant
	case "invite":
		return KindInvitee
	case "organizer":
		return KindOrganizer
	}
	return KindWalkIn
}

// Row is one person's attendance.
type Row struct {
	Person string
	Kind   Kind
	Name   string
	// Pseudonym: the registrant said Name is a pseudonym (set by the
	// caller, who knows the registrations).
	Pseudonym bool
	Role      string
	// First is the first join; zero for a registrant who never came.
	First time.Time
	// Last is the last leave; zero while Present (or never came).
	Last time.Time
	// Present: a visit is open now (its instance beats).
	Present bool
	// Time is the time present: the union of the person's visits.
	Time time.Duration
	// Channels are the channels listened to, in the order first chosen.
	Channels []string
	// Visits counts the connections (tabs, reconnects).
	Visits int
}

// Minutes returns Time in whole minutes, rounded to the nearest.
func (r Row) Minutes() int { return int(r.Time.Round(time.Minute) / time.Minute) }

// end is when v ended, or ends for now: its leave; for an open visit now
// when its instance beats, else its instance's last beat (it died).
func end(v Visit, beats map[string]time.Time, now time.Time) (time.Time, bool) {
	if !v.Left.IsZero() {
		return v.Left, false
	}
	beat := beats[v.Instance]
	if !beat.IsZero() && now.Sub(beat) <= 2*BeatEvery {
		return now, true
	}
	return later(beat, v.Joined), false
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Report sums a log per person at now: one Row per person, ordered by
// first join, then name and person.
func Report(l Log, now time.Time) []Row {
	by := map[string][]Visit{}
	var order []string
	for _, v := range l.Visits {
		if _, ok := by[v.Person]; !ok {
			order = append(order, v.Person)
		}
		by[v.Person] = append(by[v.Person], v)
	}
	rows := make([]Row, 0, len(order))
	for _, p := range order {
		rows = append(rows, summarize(p, by[p], l.Beats, now))
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(a.First.Compare(b.First), strings.Compare(a.Name, b.Name), strings.Compare(a.Person, b.Person))
	})
	return rows
}

// summarize is one person's row from their visits.
func summarize(person string, vs []Visit, beats map[string]time.Time, now time.Time) Row {
	type span struct{ from, to time.Time }
	spans := make([]span, 0, len(vs))
	row := Row{Person: person, Kind: KindOf(person), Visits: len(vs)}
	for _, v := range vs {
		to, open := end(v, beats, now)
		spans = append(spans, span{v.Joined, to})
		if row.First.IsZero() || v.Joined.Before(row.First) {
			row.First, row.Name, row.Role = v.Joined, v.Name, v.Role
		}
		row.Present = row.Present || open
		if to.After(row.Last) {
			row.Last = to
		}
		for _, c := range v.Channels {
			if !slices.Contains(row.Channels, c) {
				row.Channels = append(row.Channels, c)
			}
		}
	}
	if row.Present {
		row.Last = time.Time{}
	}
	// The union of the spans: several tabs or reconnects count once.
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.from.After(cur.to):
			cur.to = later(cur.to, s.to)
		default:
			row.Time += cur.to.Sub(cur.from)
			cur = s
		}
	}
	if len(spans) > 0 {
		row.Time += cur.to.Sub(cur.from)
	}
	return row
}
