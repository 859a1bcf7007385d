package institution

import (
	"slices"

	"github.com/majlis/majlis/agenda"
)

// Status is an institution's accreditation.
type Status string

// Accreditation statuses. Only A-status institutions vote in a general
// assembly; B-status institutions take part without voting; an
// institution with StatusNone (never accredited, suspended or lapsed)
// takes part as an observer if invited.
const (
	StatusA    Status = "A"
	StatusB    Status = "B"
	StatusNone Status = "none"
)

// Statuses lists every status, in a stable order.
var Statuses = []Status{StatusA, StatusB, StatusNone}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Votes reports whether an institution with status s votes in a general
// assembly.
func (s Status) Votes() bool { return s == StatusA }

// Change is one entry of an institution's accreditation history.
type Change struct {
	// Status after the change.
	Status Status `json:"status"`
	// Date of the decision, as a civil date (YYYY-MM-DD).
	Date string `json:"date"`
	// Note says why or by whom (e.g. "SCA review, session 2019-1").
	Note string `json:"note,omitempty"`
}

// Delegate is a person who may act for an institution. Ref is opaque to
// this package: an invitation ID or a person ID of the identity layer;
// it never holds a name or an address.
type Delegate struct {
	Ref string `json:"ref"`
	// Alternate marks an alternate delegate: may act (and vote) for the
	// institution like the delegate; the institution still has one ballot.
	Alternate bool `json:"alternate,omitempty"`
}

// Institution is a member of the alliance.
type Institution struct {
	// ID is 3–64 lowercase letters, digits and inner hyphens.
	ID string `json:"id"`
	// Name in the working languages; at least one is required.
	Name agenda.Text `json:"name"`
	// Country is an ISO 3166-1 alpha-2 code, upper case.
	Country string `json:"country"`
	// Region is the regional network the institution belongs to; never
	// agenda.RegionGlobal.
	Region agenda.Region `json:"region"`
	// Status is the current accreditation: the status of the latest
	// History entry, or StatusNone when History is empty. The Service
	// derives it; what a client sends is ignored.
	Status Status `json:"status"`
	// AccreditedOn is the date of the latest History entry (YYYY-MM-DD),
	// empty when History is empty. Derived like Status.
	AccreditedOn string `json:"accredited_on,omitempty"`
	// History lists accreditation changes, oldest first.
	History []Change `json:"history"`
	// Delegates are the people who may act for the institution.
	Delegates []Delegate `json:"delegates"`
	// Version grows by one per write (ETag).
	Version int64 `json:"version"`
}

// Clone returns a deep copy of in.
func (in Institution) Clone() Institution {
	in.Name = in.Name.Clone()
	in.History = slices.Clone(in.History)
	in.Delegates = slices.Clone(in.Delegates)
	return in
}

// ActsFor reports whether the person ref may act for in (as delegate or
// alternate).
func (in Institution) ActsFor(ref string) bool {
	return ref != "" && slices.ContainsFunc(in.Delegates, func(d Delegate) bool { return d.Ref == ref })
}

// StatusOn returns in's accreditation as of day (YYYY-MM-DD): the status
// of the latest History entry dated on or before day, StatusNone when
// there is none. A decision recorded later but dated before day counts; a
// decision dated after day does not.
func (in Institution) StatusOn(day string) Status {
	st := StatusNone
	for _, c := range in.History { // oldest first
		if c.Date > day {
			break
		}
		st = c.Status
	}
	return st
}

// derive sets Status and AccreditedOn from History.
func (in *Institution) derive() {
	if len(in.History) == 0 {
		in.Status, in.AccreditedOn = StatusNone, ""
		return
	}
	last := in.History[len(in.History)-1]
	in.Status, in.AccreditedOn = last.Status, last.Date
}
