package calendar

import (
	"slices"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// ev is a published public event of region r from start for d.
func ev(id string, r agenda.Region, start time.Time, d time.Duration) agenda.Event {
	return agenda.Event{ID: id, Region: r, Start: start, End: start.Add(d), TimeZone: "UTC",
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Kind: agenda.KindWebinar}
}

func TestClashes(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, time.March, 1, 9, 0, 0, 0, time.UTC)
	hour := time.Hour
	with := func(e agenda.Event, f func(*agenda.Event)) agenda.Event { f(&e); return e }
	alice := access.Principal{Organizer: &access.Organizer{ID: "org_alice"}}
	bob := access.Principal{Organizer: &access.Organizer{ID: "org_bob"}}
	confidential := with(ev("reprisals", agenda.RegionEurope, at, hour), func(e *agenda.Event) {
		e.Visibility, e.Owner = agenda.VisibilityConfidential, "org_alice"
	})
	tests := []struct {
		name       string
		event      agenda.Event
		candidates []agenda.Event
		visible    func(agenda.Event) bool
		want       []string // IDs of the clashing events, in order
		overlap    [2]time.Time
	}{
		{name: "same region, overlapping", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{ev("b", agenda.RegionEurope, at.Add(30*time.Minute), hour)},
			want:       []string{"b"}, overlap: [2]time.Time{at.Add(30 * time.Minute), at.Add(hour)}},
		{name: "other region does not clash", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{ev("b", agenda.RegionAfrica, at, hour)}},
		{name: "a global event clashes with every region", event: ev("g", agenda.RegionGlobal, at, 2*hour),
			candidates: []agenda.Event{ev("af", agenda.RegionAfrica, at.Add(hour), hour), ev("ap", agenda.RegionAsiaPacific, at, hour)},
			want:       []string{"ap", "af"}},
		{name: "a regional event clashes with a global one", event: ev("am", agenda.RegionAmericas, at, hour),
			candidates: []agenda.Event{ev("g", agenda.RegionGlobal, at.Add(-hour), 90*time.Minute)},
			want:       []string{"g"}, overlap: [2]time.Time{at, at.Add(30 * time.Minute)}},
		{name: "back to back is not a clash", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{ev("before", agenda.RegionEurope, at.Add(-hour), hour), ev("after", agenda.RegionGlobal, at.Add(hour), hour)}},
		{name: "cancelled candidates are ignored", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{with(ev("b", agenda.RegionEurope, at, hour), func(e *agenda.Event) { e.Status = agenda.StatusCancelled })}},
		{name: "a cancelled event clashes with nothing",
			event:      with(ev("a", agenda.RegionEurope, at, hour), func(e *agenda.Event) { e.Status = agenda.StatusCancelled }),
			candidates: []agenda.Event{ev("b", agenda.RegionEurope, at, hour)}},
		{name: "the event itself is not a clash", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{ev("a", agenda.RegionEurope, at, hour)}},
		{name: "drafts clash (organizers plan around them)", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{with(ev("d", agenda.RegionEurope, at, hour), func(e *agenda.Event) { e.Status = agenda.StatusDraft })},
			visible:    alice.CanSee, want: []string{"d"}},
		{name: "drafts are invisible to anonymous callers", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{with(ev("d", agenda.RegionEurope, at, hour), func(e *agenda.Event) { e.Status = agenda.StatusDraft })},
			visible:    access.Principal{}.CanSee},
		{name: "a side event does not clash with its own meeting",
			event: with(ev("side", agenda.RegionGlobal, at, hour), func(e *agenda.Event) { e.Parent, e.Kind = "am2027", agenda.KindSideEvent }),
			candidates: []agenda.Event{
				with(ev("am2027", agenda.RegionGlobal, at.Add(-4*hour), 10*hour), func(e *agenda.Event) { e.Kind = agenda.KindAnnualMeeting }),
				with(ev("side2", agenda.RegionGlobal, at, hour), func(e *agenda.Event) { e.Parent, e.Kind = "am2027", agenda.KindSideEvent }),
			},
			want: []string{"side2"}},
		{name: "a meeting does not clash with its own side events",
			event: with(ev("am2027", agenda.RegionGlobal, at, 8*hour), func(e *agenda.Event) { e.Kind = agenda.KindAnnualMeeting }),
			candidates: []agenda.Event{
				with(ev("side", agenda.RegionGlobal, at, hour), func(e *agenda.Event) { e.Parent = "am2027" }),
				ev("other", agenda.RegionEurope, at, hour),
			},
			want: []string{"other"}},
		{name: "confidential: seen by its owner", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{confidential}, visible: alice.CanSee, want: []string{"reprisals"}},
		{name: "confidential: invisible to another organizer", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{confidential, ev("b", agenda.RegionEurope, at, hour)}, visible: bob.CanSee, want: []string{"b"}},
		{name: "confidential: invisible to anonymous callers", event: ev("a", agenda.RegionGlobal, at, hour),
			candidates: []agenda.Event{confidential}, visible: access.Principal{}.CanSee},
		{name: "members-only: organizers only", event: ev("a", agenda.RegionEurope, at, hour),
			candidates: []agenda.Event{with(ev("m", agenda.RegionEurope, at, hour), func(e *agenda.Event) { e.Visibility = agenda.VisibilityMembers })},
			visible:    access.Principal{}.CanSee},
		{name: "a contained event clashes for its whole length", event: ev("a", agenda.RegionAfrica, at, 3*hour),
			candidates: []agenda.Event{ev("inner", agenda.RegionAfrica, at.Add(hour), 30*time.Minute)},
			want:       []string{"inner"}, overlap: [2]time.Time{at.Add(hour), at.Add(90 * time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Clashes(tt.event, tt.candidates, tt.visible)
			var ids []string
			for _, c := range got {
				ids = append(ids, c.Event.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Fatalf("clashes %v, want %v", ids, tt.want)
			}
			if !tt.overlap[0].IsZero() && (!got[0].Start.Equal(tt.overlap[0]) || !got[0].End.Equal(tt.overlap[1])) {
				t.Errorf("overlap %v–%v, want %v–%v", got[0].Start, got[0].End, tt.overlap[0], tt.overlap[1])
			}
		})
	}
}
