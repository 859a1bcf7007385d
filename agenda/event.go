package agenda

import (
	"slices"
	"time"
)

// Kind is what sort of gathering an event is.
type Kind string

// Event kinds. An annual meeting is a container; general assemblies,
// sessions and side events belong to one.
const (
	KindAnnualMeeting   Kind = "annual-meeting"
	KindGeneralAssembly Kind = "general-assembly"
	KindSession         Kind = "session"
	KindSideEvent       Kind = "side-event"
	KindWebinar         Kind = "webinar"
	// KindRegional is a regional network's own event, imported from its
	// calendar (it has an Origin); majlis does not know its finer kind.
	KindRegional Kind = "regional"
)

// Kinds lists every event kind, in a stable order.
var Kinds = []Kind{KindAnnualMeeting, KindGeneralAssembly, KindSession, KindSideEvent, KindWebinar, KindRegional}

// NeedsParent reports whether events of kind k must belong to an annual meeting.
func (k Kind) NeedsParent() bool {
	return k == KindGeneralAssembly || k == KindSession || k == KindSideEvent
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Region is one of the alliance's regional networks, or global for head office.
type Region string

// Regions of the alliance.
const (
	RegionGlobal      Region = "global"
	RegionAfrica      Region = "africa"
	RegionAmericas    Region = "americas"
	RegionAsiaPacific Region = "asia-pacific"
	RegionEurope      Region = "europe"
)

// Regions lists every region, in a stable order.
var Regions = []Region{RegionGlobal, RegionAfrica, RegionAmericas, RegionAsiaPacific, RegionEurope}

// Valid reports whether r is a known region.
func (r Region) Valid() bool { return slices.Contains(Regions, r) }

// Visibility says who may learn that an event exists.
type Visibility string

// Visibilities. A confidential event is visible to its owner and named
// invitees only; to anyone else it does not exist.
const (
	VisibilityPublic       Visibility = "public"
	VisibilityMembers      Visibility = "members"
	VisibilityConfidential Visibility = "confidential"
)

// Visibilities lists every visibility.
var Visibilities = []Visibility{VisibilityPublic, VisibilityMembers, VisibilityConfidential}

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return slices.Contains(Visibilities, v) }

// Status is an event's publication state.
type Status string

// Statuses. Cancelled events are kept (calendar feeds must announce them).
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusCancelled Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{StatusDraft, StatusPublished, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Event is one meeting, session, side event or webinar.
//
// Start and End are stored in UTC; TimeZone is the event's own IANA zone,
// used to show the event as its organizers see it.
type Event struct {
	ID          string     `json:"id"`
	Kind        Kind       `json:"kind"`
	Parent      string     `json:"parent"`
	Series      string     `json:"series,omitempty"`
	Title       Text       `json:"title"`
	Description Text       `json:"description"`
	Start       time.Time  `json:"start"`
	End         time.Time  `json:"end"`
	TimeZone    string     `json:"timezone"`
	Region      Region     `json:"region"`
	Visibility  Visibility `json:"visibility"`
	Languages   []string   `json:"languages"`
	Status      Status     `json:"status"`
	// Location is where it happens, in several languages like Title.
	Location Text `json:"location,omitempty"`
	// Conference is the https address of an external video meeting
	// (RFC 7986 CONFERENCE), shown to those who may see the event.
	Conference string `json:"conference,omitempty"`
	// Interpretation is how its interpretation runs (shift warning).
	Interpretation Interpretation `json:"interpretation,omitzero"`
	// AllDay marks an event of whole days (iCalendar VALUE=DATE): Start is
	// midnight of its first day and End midnight after its last, both in
	// TimeZone.
	AllDay bool `json:"all_day,omitempty"`
	// Origin is set on events imported from a regional network's calendar;
	// they are read-only in majlis (see Service.Import).
	Origin *Origin `json:"origin,omitempty"`
	// Owner is the organizer ID that created the event.
	Owner string `json:"owner,omitempty"`
	// Invitees are organizer IDs entitled to see a confidential event.
	Invitees []string `json:"invitees,omitempty"`
	// Sequence is bumped on every change a calendar client must see (RFC 5545 §3.8.7.4).
	Sequence int       `json:"sequence"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	// Version is the store's optimistic-concurrency counter, bumped on every write.
	Version int64 `json:"-"`
}

// Duration is the event's length.
func (e Event) Duration() time.Duration { return e.End.Sub(e.Start) }

// Zone returns the event's time zone, or UTC when it cannot be loaded.
func (e Event) Zone() *time.Location {
	if loc, err := time.LoadLocation(e.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Filter selects events in ListEvents. Zero fields match everything.
type Filter struct {
	// From keeps events that end after From.
	From time.Time
	// To keeps events that start before To.
	To     time.Time
	Region Region
	Kind   Kind
	Parent string
}

// Match reports whether e passes f.
func (f Filter) Match(e Event) bool {
	if !f.From.IsZero() && !e.End.After(f.From) {
		return false
	}
	if !f.To.IsZero() && !e.Start.Before(f.To) {
		return false
	}
	if f.Region != "" && e.Region != f.Region {
		return false
	}
	if f.Kind != "" && e.Kind != f.Kind {
		return false
	}
	if f.Parent != "" && e.Parent != f.Parent {
		return false
	}
	return true
}
