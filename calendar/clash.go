package calendar

import (
	"cmp"
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
)

// Clash is an event that overlaps another one for the same audience.
type Clash struct {
	// Event is the other event.
	Event agenda.Event
	// Start and End bound the overlap, in UTC; End is after Start.
	Start, End time.Time
}

// Minutes is the length of the overlap in whole minutes.
func (c Clash) Minutes() int { return int(c.End.Sub(c.Start) / time.Minute) }

// SharesAudience reports whether events of regions a and b compete for the
// same people: they are of the same region, or either is alliance-wide
// (global), whose audience is every region's.
func SharesAudience(a, b agenda.Region) bool {
	return a == b || a == agenda.RegionGlobal || b == agenda.RegionGlobal
}

// Clashes returns the events among candidates that clash with e, ordered
// by the start of the overlap, then by ID.
//
// Two events clash when their intervals [Start, End) overlap by more than
// an instant (back-to-back events do not clash) and they share an audience
// (SharesAudience). These never clash:
//   - e itself (same ID), and events that are not happening: a cancelled
//     e has no clashes, and cancelled candidates are ignored;
//   - an event and its own parent or child: a side event lies inside its
//     annual meeting by design. Two side events of one meeting at the same
//     time do clash: they compete for the same participants.
//
// Drafts count: they are plans, and an organizer scheduling an event must
// learn that a colleague already plans something at that time. Whoever
// may not see a draft (anonymous callers) has it filtered out by visible.
//
// visible says which candidates the caller may learn about; nil means all.
// A clash with an event the caller may not see is left out entirely — not
// even counted — because "something confidential happens in Africa at
// 14:00" is itself what must not leak.
func Clashes(e agenda.Event, candidates []agenda.Event, visible func(agenda.Event) bool) []Clash {
	if e.Status == agenda.StatusCancelled || !e.End.After(e.Start) {
		return nil
	}
	var out []Clash
	for _, c := range candidates {
		if c.ID == e.ID || c.Status == agenda.StatusCancelled ||
			(e.Parent != "" && c.ID == e.Parent) || (c.Parent != "" && c.Parent == e.ID) ||
			!SharesAudience(e.Region, c.Region) {
			continue
		}
		start, end := maxTime(e.Start, c.Start), minTime(e.End, c.End)
		if !end.After(start) {
			continue
		}
		if visible != nil && !visible(c) {
			continue
		}
		out = append(out, Clash{Event: c, Start: start.UTC(), End: end.UTC()})
	}
	slices.SortFunc(out, func(a, b Clash) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Event.ID, b.Event.ID))
	})
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
