package realtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/majlis/majlis/interpretation"
)

// Backend sentinel errors.
var (
	// ErrStale: a conditional publish found the room at another position.
	ErrStale = errors.New("realtime: room changed meanwhile")
	// ErrGap: the log no longer holds every message after the position
	// asked.
	ErrGap = errors.New("realtime: messages no longer in the room log")
	// ErrEpoch: the position asked is in another log than the room's: the
	// room's log was lost and started again (its keys deleted or evicted,
	// its file replaced, a backup restored). It wraps ErrGap: whoever
	// holds such a position starts again from a fresh snapshot.
	ErrEpoch = fmt.Errorf("%w: the room's log started again (new epoch)", ErrGap)
)

// Position is a place in a room's log: Seq counts the log's messages and
// Epoch names the log. A log that is lost and started again gets a new
// epoch, so that a position in the old log can never be read as one in
// the new (its seqs start again). The backend chooses the epoch, a random
// string, when it creates the log.
type Position struct {
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
}

// Backend carries a room's messages between the instances serving it and
// keeps what outlives a connection: the room's capped message log, its
// roster and its state. The broker package implements it: in-process for a
// single instance, and on Redis so that a room spans instances. Both run
// the same room code.
//
// Every position a backend answers (a publish, a snapshot, a history
// entry, a delivery) carries the log's epoch. A backend that finds its
// log gone creates a new one, with a new epoch and an empty log.
//
// Implementations are goroutine-safe. Subscriber callbacks must not block;
// a room that cannot keep up drops deliveries and refills them from
// History, so delivery may be at-most-once as long as the log is exact.
type Backend interface {
	// Publish gives env the room's next seq, the log's epoch and the
	// current time (TS), appends it to the room's log and announces it to
	// the room's subscribers, in one atomic step, so that log order, seq
	// order and announcement order agree. A non-nil change is applied in
	// the same step and guards it (see Change): when the guard fails,
	// nothing is published and the error wraps ErrStale.
	Publish(ctx context.Context, room string, env *Envelope, change *Change) error
	// Announce delivers an ephemeral env (no seq, not logged) to the
	// room's subscribers.
	Announce(ctx context.Context, room string, env *Envelope) error
	// Snapshot returns the room's position, state and roster as of that
	// position.
	Snapshot(ctx context.Context, room string) (Snapshot, error)
	// History returns the logged messages after since, in order; ErrGap
	// when some of them have left the capped log, ErrEpoch when since is
	// not a position of the room's log (another epoch, or a seq beyond
	// the log's last).
	History(ctx context.Context, room string, since Position) ([]Envelope, error)
	// Subscribe calls s.Deliver with every message published or announced
	// in the room from now on, s.Frame with every audio frame, until
	// cancel is called, and s.Resync when some deliveries may have been
	// missed (e.g. after a reconnection), so that the room refills from
	// History. None of them may block.
	Subscribe(ctx context.Context, room string, s Subscriber) (cancel func(), err error)
	// Frame delivers an audio frame to the room's subscribers: not
	// logged, at most once, in order per publishing instance.
	Frame(ctx context.Context, room string, frame []byte) error
	// Heartbeat records that instance is alive for the next ttl.
	Heartbeat(ctx context.Context, instance string, ttl time.Duration) error
	// Dead returns those of instances whose heartbeat has expired.
	Dead(ctx context.Context, instances []string) ([]string, error)
}

// Subscriber receives a room's traffic from a Backend.
type Subscriber struct {
	Deliver func(Envelope)
	Frame   func([]byte)
	Resync  func()
}

// Change is what a published message changes besides the log, and the
// position it was built from.
type Change struct {
	// Seen is the room's position as the publisher last saw it. When its
	// Epoch is set, the publish is refused (ErrStale) if the log has
	// another epoch, or if the log is in that epoch but behind Seen.Seq:
	// then the log went back (a restored backup, say), and the backend
	// first starts a new epoch, so that every instance notices.
	Seen Position
	// Check makes the publish conditional on the log being at Seen.Seq
	// exactly.
	Check bool
	// State, when set, replaces the room's state.
	State *State
	// Join adds a member to the roster, Leave removes one by ID, Update
	// replaces one.
	Join   *Member
	Leave  string
	Update *Member
}

// JoinPublisher is a Backend that publishes several joins in one call, in
// one durable write: rooms use it when joins queue up (a join storm).
type JoinPublisher interface {
	// PublishJoins publishes envs in order, each as Publish with
	// Change{Seen: seen, Join: members[i]} would, all of them or none.
	PublishJoins(ctx context.Context, room string, seen Position, envs []*Envelope, members []*Member) error
}

// Snapshot is a room as stored by its backend.
type Snapshot struct {
	Position
	State  State
	Roster []Member
}

// State is the part of a room's state that is not the roster.
type State struct {
	Floor  Floor    `json:"floor"`
	Agenda Progress `json:"agenda"`
	// Banned holds hashes of the subjects a host removed; they cannot
	// rejoin the room.
	Banned []string `json:"banned,omitempty"`
	// Interp is the interpretation set-up: floor language and booths.
	Interp Interp `json:"interpretation"`
	// Coverage is what the channels carried, per agenda item.
	Coverage Coverage `json:"coverage"`
	// Announcement is the hosts' banner, or nil.
	Announcement *Announcement `json:"announcement,omitempty"`
	// Webinar is a webinar's practice mode (webinar.go).
	Webinar Webinar `json:"webinar"`
	// QA is a webinar's questions and polls (questions.go, polls.go).
	QA QA `json:"qa"`
}

// Interp is a room's interpretation state.
type Interp struct {
	// FloorLanguage is the language spoken on the floor now, or "".
	FloorLanguage string `json:"floor_language"`
	// Booths by target language.
	Booths map[string]*interpretation.Booth `json:"booths"`
	// ShiftWarning is the session's shift warning in minutes (a host's
	// shift.warning); 0 means the event's (agenda.Interpretation).
	ShiftWarning int `json:"shift_warning,omitempty"`
}

// Floor is who speaks and who waits.
type Floor struct {
	// Speaker is the member ID holding the floor, or "".
	Speaker string `json:"speaker"`
	// Queue lists the member IDs with a raised hand, first come first.
	Queue []string `json:"queue"`
}

// Progress is how the live agenda runs.
type Progress struct {
	// Current is the agenda item running now, or "".
	Current string `json:"current"`
	// StartedAt is when Current started (RFC 3339, UTC).
	StartedAt *time.Time `json:"started_at,omitempty"`
	// Done lists the items already ended, in the order they ended.
	Done []string `json:"done"`
	// Drift is how late the session runs, in seconds (negative: early):
	// the actual start of the current item, or end of the last ended one,
	// against its schedule.
	Drift int64 `json:"drift"`
	// ProjectedEnd is the scheduled end of the session moved by Drift.
	ProjectedEnd *time.Time `json:"projected_end,omitempty"`
	// Session is "" before a host starts the session, then SessionRunning,
	// then SessionEnded; SessionStarted and SessionEnded are when.
	Session        string     `json:"session,omitempty"`
	SessionStarted *time.Time `json:"session_started,omitempty"`
	SessionEnded   *time.Time `json:"session_ended,omitempty"`
}

// Clone returns a deep copy of s.
func (s State) Clone() State {
	s.Floor.Queue = slices.Clone(s.Floor.Queue)
	s.Agenda.Done = slices.Clone(s.Agenda.Done)
	s.Banned = slices.Clone(s.Banned)
	s.Coverage = s.Coverage.Clone()
	s.QA = s.QA.Clone()
	if s.Announcement != nil {
		a := *s.Announcement
		a.Text = maps.Clone(a.Text)
		s.Announcement = &a
	}
	if s.Interp.Booths != nil {
		booths := make(map[string]*interpretation.Booth, len(s.Interp.Booths))
		for lang, b := range s.Interp.Booths {
			c := b.Clone()
			booths[lang] = &c
		}
		s.Interp.Booths = booths
	}
	return s
}
