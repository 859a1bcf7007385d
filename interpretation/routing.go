package interpretation

import (
	"slices"
)

// RouteStatus says what a channel carries.
type RouteStatus string

// Route statuses.
const (
	// RouteIdle: the channel's language is the floor language; listeners
	// hear the floor.
	RouteIdle RouteStatus = "idle"
	// RouteDirect: a live interpreter interprets from the floor.
	RouteDirect RouteStatus = "direct"
	// RouteRelay: a live interpreter interprets from another booth.
	RouteRelay RouteStatus = "relay"
	// RouteNone: no interpretation reaches the channel; listeners hear the
	// floor meanwhile, and hosts are warned.
	RouteNone RouteStatus = "none"
)

// PivotOrder is the preference among relay sources.
var PivotOrder = []string{"en", "fr", "es", "ar"}

// Route is one channel's line in the routing table.
type Route struct {
	Channel string      `json:"channel"`
	Status  RouteStatus `json:"status"`
	// Source is the channel listeners of Channel hear: the channel itself
	// when an interpreter is live on it, otherwise "floor".
	Source string `json:"source"`
	// Interpreter is the live interpreter's member ID, if any.
	Interpreter string `json:"interpreter,omitempty"`
	// Input is what the live interpreter hears: "floor" or a pivot
	// channel.
	Input string `json:"input,omitempty"`
	// Warning explains RouteNone: "no_interpreter" (nobody live), or
	// "no_input" (the live interpreter understands neither the floor nor
	// any live booth).
	Warning string `json:"warning,omitempty"`
}

// Table is the routing table of a session: the floor, then one route per
// target language, in the order of the languages given.
type Table struct {
	FloorLanguage string  `json:"floor_language"`
	Routes        []Route `json:"routes"`
}

// Warnings returns the routes without interpretation.
func (t Table) Warnings() []Route {
	var out []Route
	for _, r := range t.Routes {
		if r.Status == RouteNone {
			out = append(out, r)
		}
	}
	return out
}

// Route returns the route of channel, and whether there is one.
func (t Table) Route(channel string) (Route, bool) {
	i := slices.IndexFunc(t.Routes, func(r Route) bool { return r.Channel == channel })
	if i < 0 {
		return Route{}, false
	}
	return t.Routes[i], true
}

// Routes computes the routing table for a floor language and the booths
// of languages (target languages, in display order). An unknown floor
// language ("") makes every live interpreter relay-less: they are taken
// as interpreting from the floor.
func Routes(floorLanguage string, languages []string, booths map[string]*Booth) Table {
	t := Table{FloorLanguage: floorLanguage}
	inputs := func(b *Booth) []string {
		if b == nil || b.Live == "" {
			return nil
		}
		return b.Interpreters[b.index(b.Live)].Inputs
	}
	direct := map[string]bool{}
	// First pass: idle booths and direct interpretation.
	for _, lang := range languages {
		b := booths[lang]
		r := Route{Channel: lang, Source: Floor}
		switch {
		case lang == floorLanguage:
			r.Status = RouteIdle
		case b == nil || b.Live == "":
			r.Status, r.Warning = RouteNone, "no_interpreter"
		case floorLanguage == "" || slices.Contains(inputs(b), floorLanguage):
			r.Status, r.Source, r.Interpreter, r.Input = RouteDirect, lang, b.Live, Floor
			direct[lang] = true
		default:
			r.Status, r.Interpreter = RouteNone, b.Live // relay decided below
		}
		t.Routes = append(t.Routes, r)
	}
	// Second pass: relay from a direct booth, one hop only (each hop adds
	// a few seconds of delay, and a chain could loop).
	pivots := slices.Clone(PivotOrder)
	for _, l := range languages {
		if !slices.Contains(pivots, l) {
			pivots = append(pivots, l)
		}
	}
	for i, r := range t.Routes {
		if r.Status != RouteNone || r.Interpreter == "" {
			continue
		}
		in := inputs(booths[r.Channel])
		for _, p := range pivots {
			if direct[p] && p != r.Channel && slices.Contains(in, p) {
				t.Routes[i].Status, t.Routes[i].Source, t.Routes[i].Input = RouteRelay, r.Channel, p
				break
			}
		}
		if t.Routes[i].Status == RouteNone {
			t.Routes[i].Warning = "no_input"
		}
	}
	return t
}
