package audit

import (
	"context"
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
)

// Keep is how many entries the log keeps by default: the newest 10,000.
const Keep = 10_000

// Action is what an entry records.
type Action string

// Actions. An event's status change to published or cancelled is recorded
// as EventPublished or EventCancelled, not as EventChanged.
const (
	EventCreated   Action = "event.created"
	EventChanged   Action = "event.changed"
	EventPublished Action = "event.published"
	EventCancelled Action = "event.cancelled"
	EventDeleted   Action = "event.deleted"
	AgendaChanged  Action = "agenda.changed"
	AgendaReleased Action = "agenda.released"
	InviteCreated  Action = "invite.created"
	InviteRevoked  Action = "invite.revoked"
	SourceCreated  Action = "source.created"
	SourceChanged  Action = "source.changed"
	SourceDeleted  Action = "source.deleted"
	// The registry of member institutions (issue 15).
	InstitutionCreated    Action = "institution.created"
	InstitutionChanged    Action = "institution.changed"
	InstitutionAccredited Action = "institution.accredited" // its accreditation status changed (with or without other fields)
	InstitutionDeleted    Action = "institution.deleted"
	InstitutionsImported  Action = "institutions.imported" // a CSV import was applied
)

// Actions lists every action, in a stable order.
var Actions = []Action{EventCreated, EventChanged, EventPublished, EventCancelled, EventDeleted, AgendaChanged,
	AgendaReleased, InviteCreated, InviteRevoked, SourceCreated, SourceChanged, SourceDeleted,
	InstitutionCreated, InstitutionChanged, InstitutionAccredited, InstitutionDeleted, InstitutionsImported}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// Entry is one line of the log.
type Entry struct {
	At time.Time `json:"at"`
	// Actor is the organizer's ID, ActorName its name at the time.
	Actor     string `json:"actor"`
	ActorName string `json:"actor_name"`
	Action    Action `json:"action"`
	// Event is the event concerned, if any (an invitation's event too),
	// with what decides who may see it as it was at the time (the server
	// also asks the event as it is now, while it exists).
	Event *EventRef `json:"event,omitempty"`
	// Source is the calendar source concerned, if any.
	Source *SourceRef `json:"source,omitempty"`
	// Institution is the member institution concerned, if any
	// (institution.*).
	Institution *InstitutionRef `json:"institution,omitempty"`
	// Fields are the fields a change changed (event.changed,
	// source.changed, institution.changed and .accredited): names only,
	// never the values (an institution's delegates are people).
	Fields []string `json:"fields,omitempty"`
	// Accreditation is the status before and after an accreditation
	// change (institution.accredited), e.g. ["B", "A"]; "none" for none.
	Accreditation []string `json:"accreditation,omitempty"`
	// Added and Changed are the institutions a CSV import wrote, by ID
	// (institutions.imported).
	Added   []string `json:"added,omitempty"`
	Changed []string `json:"changed,omitempty"`
	// Release is the number of the release made (agenda.released).
	Release int `json:"release,omitempty"`
	// Role and Person are whom an invitation was for (invite.*): the
	// role and the display name given, never the token.
	Role   string `json:"role,omitempty"`
	Person string `json:"person,omitempty"`
}

// EventRef is an event as an entry remembers it.
type EventRef struct {
	ID         string            `json:"id"`
	Title      agenda.Text       `json:"title"`
	Region     agenda.Region     `json:"region"`
	Visibility agenda.Visibility `json:"visibility"`
	Status     agenda.Status     `json:"status"`
	Owner      string            `json:"owner,omitempty"`
	Invitees   []string          `json:"invitees,omitempty"`
}

// RefTo returns what an entry remembers of e.
func RefTo(e agenda.Event) *EventRef {
	return &EventRef{ID: e.ID, Title: e.Title.Clone(), Region: e.Region, Visibility: e.Visibility, Status: e.Status,
		Owner: e.Owner, Invitees: slices.Clone(e.Invitees)}
}

// Event returns the event as the entry remembers it (for visibility rules).
func (r EventRef) Event() agenda.Event {
	return agenda.Event{ID: r.ID, Title: r.Title, Region: r.Region, Visibility: r.Visibility, Status: r.Status,
		Owner: r.Owner, Invitees: r.Invitees}
}

// SourceRef is a calendar source as an entry remembers it.
type SourceRef struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Region agenda.Region `json:"region"`
}

// InstitutionRef is a member institution as an entry remembers it.
type InstitutionRef struct {
	ID     string        `json:"id"`
	Name   agenda.Text   `json:"name"`
	Region agenda.Region `json:"region"`
}

// Store keeps the log. Implementations are goroutine-safe.
type Store interface {
	// AppendAudit adds e as the newest entry and drops the oldest beyond
	// the newest keep, in the same write.
	AppendAudit(ctx context.Context, e Entry, keep int) error
	// ListAudit returns every entry kept, newest first.
	ListAudit(ctx context.Context) ([]Entry, error)
}
