package agenda

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/majlis/majlis/internal/usertext"
)

// Limits of releases.
const (
	// MaxReleases is how many releases an agenda keeps (the newest); the
	// numbers go on growing past it.
	MaxReleases = 100
	// MaxNoteRunes bounds a release's note.
	MaxNoteRunes = 500
	// keptItems is how many of the newest releases keep their items: the
	// published agenda and the one its changes are shown against.
	keptItems = 2
)

// Release is one published version of an event's agenda (as pretalx's
// schedule releases): the public event page, the feeds and the room show
// the newest release, while organizers edit the agenda's working draft
// (Agenda.Items).
type Release struct {
	// Number counts an event's releases from 1.
	Number    int       `json:"number"`
	Published time.Time `json:"published"`
	// By is the ID of the organizer who published it ("" when made by
	// majlis itself: demo data, imports).
	By string `json:"by,omitempty"`
	// Note says what changed, in the organizer's words.
	Note string `json:"note,omitempty"`
	// Items are the agenda as released. Only the newest two releases keep
	// them (the published agenda and the previous one, for the changes).
	Items []Item `json:"items"`
}

// Published returns the agenda the public sees and the number of the
// release it is (0 for none): the items of the newest release. An agenda
// never released (stored before releases existed, or imported) is
// published as it is.
func (a Agenda) Published() (Agenda, int) {
	out := Agenda{EventID: a.EventID, Version: a.Version}
	if len(a.Releases) == 0 {
		out.Items = a.Items
		return out, 0
	}
	r := a.Releases[len(a.Releases)-1]
	out.Items = r.Items
	if out.Items == nil {
		out.Items = []Item{}
	}
	return out, r.Number
}

// Previous returns the release before the newest, if it kept its items.
func (a Agenda) Previous() (Release, bool) {
	if len(a.Releases) < 2 {
		return Release{}, false
	}
	return a.Releases[len(a.Releases)-2], true
}

// Unreleased reports whether the draft differs from the published agenda.
func (a Agenda) Unreleased() bool {
	pub, n := a.Published()
	return n == 0 || !slices.EqualFunc(pub.Items, a.Items, sameItem)
}

// sameItem reports whether x and y are the same item with the same fields.
func sameItem(x, y Item) bool {
	return x.ID == y.ID && maps.Equal(x.Title, y.Title) && x.Start.Equal(y.Start) && x.Minutes == y.Minutes &&
		slices.EqualFunc(x.Speakers, y.Speakers, maps.Equal) && x.FloorLanguage == y.FloorLanguage &&
		x.Kind == y.Kind && x.Parallel == y.Parallel
}

// withRelease returns a with a new release of its draft items appended,
// the oldest dropped beyond MaxReleases, and items kept by the newest
// keptItems releases only.
func withRelease(a Agenda, at time.Time, by, note string) (Agenda, Release) {
	n := 1
	if len(a.Releases) > 0 {
		n = a.Releases[len(a.Releases)-1].Number + 1
	}
	r := Release{Number: n, Published: at, By: by, Note: note, Items: slices.Clone(a.Items)}
	if r.Items == nil {
		r.Items = []Item{}
	}
	rs := append(slices.Clone(a.Releases), r)
	if len(rs) > MaxReleases {
		rs = rs[len(rs)-MaxReleases:]
	}
	for i := range len(rs) - keptItems {
		rs[i].Items = nil
	}
	a.Releases = rs
	return a, r
}

// Publish makes the agenda's working draft its next release, if the
// agenda's version is ifVersion (0: no precondition), and bumps the
// event's SEQUENCE: subscribed calendars see an agenda change once per
// release, never per edit of the draft. note (at most MaxNoteRunes
// characters) says what changed; by is the publishing organizer's ID.
func (s *Service) Publish(ctx context.Context, eventID string, note, by string, ifVersion int64) (Agenda, Release, error) {
	note = usertext.Normalize(note)
	if why := usertext.Problem(note, usertext.Block, MaxNoteRunes); why != "" {
		return Agenda{}, Release{}, &ValidationError{Fields: map[string]string{"note": why}}
	}
	e, err := s.store.GetEvent(ctx, eventID)
	if err != nil {
		return Agenda{}, Release{}, err
	}
	if e.Origin != nil {
		return Agenda{}, Release{}, refuseImported(e, "origin")
	}
	ag, err := s.store.GetAgenda(ctx, eventID)
	if err != nil {
		return Agenda{}, Release{}, err
	}
	if ifVersion != 0 && ag.Version != ifVersion {
		return Agenda{}, Release{}, fmt.Errorf("agenda: agenda of %q changed since version %d: %w", eventID, ifVersion, ErrConflict)
	}
	ag, r := withRelease(ag, s.now(), by, note)
	e.Sequence++
	e.Updated = later(s.now(), e.Updated)
	out, err := s.store.PutAgenda(ctx, ag, ag.Version, &e)
	if err != nil {
		return Agenda{}, Release{}, err
	}
	return out, r, nil
}

// ChangeKind is how an item changed between two releases.
type ChangeKind string

// Change kinds, in the order Diff lists them.
const (
	ChangeAdded   ChangeKind = "added"
	ChangeMoved   ChangeKind = "moved"
	ChangeRenamed ChangeKind = "renamed"
	ChangeRemoved ChangeKind = "removed"
)

// Change is one difference between two versions of an agenda. Before is
// the item as it was (zero when added), After as it is (zero when
// removed).
type Change struct {
	Kind   ChangeKind `json:"kind"`
	Item   string     `json:"item"`
	Before *Item      `json:"before,omitempty"`
	After  *Item      `json:"after,omitempty"`
}

// Diff lists what changed from old to cur, items matched by ID: added,
// moved (start or duration changed), renamed (title changed) and removed
// items; an item both moved and renamed gives two changes. Changes follow
// cur's order, removed items last in old's order.
func Diff(old, cur []Item) []Change {
	was := make(map[string]Item, len(old))
	for _, it := range old {
		was[it.ID] = it
	}
	out := []Change{}
	here := make(map[string]bool, len(cur))
	for _, it := range cur {
		here[it.ID] = true
		after := it
		b, ok := was[it.ID]
		if !ok {
			out = append(out, Change{Kind: ChangeAdded, Item: it.ID, After: &after})
			continue
		}
		before := b
		if !b.Start.Equal(it.Start) || b.Minutes != it.Minutes {
			out = append(out, Change{Kind: ChangeMoved, Item: it.ID, Before: &before, After: &after})
		}
		if !maps.Equal(b.Title, it.Title) {
			out = append(out, Change{Kind: ChangeRenamed, Item: it.ID, Before: &before, After: &after})
		}
	}
	for _, it := range old {
		if !here[it.ID] {
			before := it
			out = append(out, Change{Kind: ChangeRemoved, Item: it.ID, Before: &before})
		}
	}
	return out
}
