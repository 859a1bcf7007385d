package agenda

import (
	"slices"
	"time"
)

// ItemKind is what happens during an agenda item.
type ItemKind string

// Item kinds. Standing items come from a series and appear on every event of it.
const (
	ItemOpening      ItemKind = "opening"
	ItemPresentation ItemKind = "presentation"
	ItemDiscussion   ItemKind = "discussion"
	ItemBreak        ItemKind = "break"
	ItemVote         ItemKind = "vote"
	ItemClosing      ItemKind = "closing"
	ItemStanding     ItemKind = "standing"
)

// ItemKinds lists every item kind.
var ItemKinds = []ItemKind{ItemOpening, ItemPresentation, ItemDiscussion, ItemBreak, ItemVote, ItemClosing, ItemStanding}

// Valid reports whether k is a known item kind.
func (k ItemKind) Valid() bool { return slices.Contains(ItemKinds, k) }

// Item is one entry of an agenda.
type Item struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
	// Start is in UTC.
	Start time.Time `json:"start"`
	// Minutes is the item's duration in whole minutes (JSON "duration").
	Minutes int `json:"duration"`
	// Speakers are the speakers' names and titles, each in several
	// languages like Title.
	Speakers []Text `json:"speakers"`
	// FloorLanguage is the language spoken on the floor (ISO 639-1), if known.
	FloorLanguage string   `json:"floor_language,omitempty"`
	Kind          ItemKind `json:"kind"`
	// Parallel items may overlap other items (e.g. breakout groups).
	Parallel bool `json:"parallel,omitempty"`
}

// End is when the item is scheduled to finish.
func (it Item) End() time.Time { return it.Start.Add(time.Duration(it.Minutes) * time.Minute) }

// Agenda is the ordered list of an event's items: Items is the working
// draft organizers edit, Releases what was published of it (see Release
// and Published).
type Agenda struct {
	EventID string `json:"event"`
	Items   []Item `json:"items"`
	// Releases are the newest MaxReleases releases, oldest first.
	Releases []Release `json:"releases,omitempty"`
	// Version is the store's optimistic-concurrency counter.
	Version int64 `json:"-"`
}

// Series groups events that recur (e.g. every annual meeting) and carries
// the standing items every new event of the series starts with.
type Series struct {
	ID            string         `json:"id"`
	Title         Text           `json:"title"`
	StandingItems []StandingItem `json:"standing_items"`
	// Region is the secretariat the series belongs to: its organizers and
	// head office may change it. A series stored without one (before
	// series had owners) belongs to head office (see OwnerRegion).
	Region Region `json:"region,omitempty"`
	// Owner is the ID of the organizer who created the series.
	Owner   string `json:"owner,omitempty"`
	Version int64  `json:"-"`
}

// OwnerRegion is the region whose secretariat the series belongs to:
// Region, or global (head office) when it has none.
func (s Series) OwnerRegion() Region {
	if s.Region == "" {
		return RegionGlobal
	}
	return s.Region
}

// StandingItem is an item template that every new event of a series gets.
type StandingItem struct {
	Title   Text `json:"title"`
	Minutes int  `json:"duration"`
}
