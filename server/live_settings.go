package server

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/majlis/majlis/agenda"
)

// An event's interpretation settings (issue 17): after how many minutes on
// air the interpreters' consoles warn a live interpreter to hand over. The
// API and the organizer app's event form set it through the event's one
// path (eventInput, agenda's validation); the room reads it when it opens,
// and a host's shift.warning overrides it for the current session.

// interpretationInput is the interpretation object of an event's body;
// an absent field changes nothing.
type interpretationInput struct {
	// ShiftWarning is in minutes; 0 is the default.
	ShiftWarning *int `json:"shift_warning"`
}

// applyTo sets what in names on e.
func (in *interpretationInput) applyTo(e *agenda.Event) {
	if in != nil && in.ShiftWarning != nil {
		e.Interpretation.ShiftWarning = *in.ShiftWarning
	}
}

// interpretationShown is what the API shows of e's settings to an
// organizer: the minutes in effect (the default when none was set).
func interpretationShown(e agenda.Event) *agenda.Interpretation {
	return &agenda.Interpretation{ShiftWarning: e.Interpretation.ShiftWarningMinutes()}
}

// readShiftWarning reads the event form's shift warning into ef: empty is
// the default; what is not a whole number is a problem of the field.
func readShiftWarning(f url.Values, ef *eventForm) {
	ef.shiftWarning = strings.TrimSpace(f.Get("shift_warning"))
	n := 0
	if ef.shiftWarning != "" {
		var err error
		if n, err = strconv.Atoi(ef.shiftWarning); err != nil {
			ef.problems[shiftWarningField] = "unreadable"
			return
		}
	}
	ef.in.Interpretation = &interpretationInput{ShiftWarning: &n}
}

// shiftWarningField is the API field of the shift warning, as agenda
// names it in a 422.
const shiftWarningField = "interpretation.shift_warning"

// withLiveSettings documents the event's interpretation settings.
func withLiveSettings(doc obj) obj {
	schemas := doc["components"].(obj)["schemas"].(obj)
	event := schemas["Event"].(obj)["properties"].(obj)
	event["interpretation"] = obj{"type": "object", "description": "the event's interpretation settings; shown to organizers, with the value in effect",
		"properties": obj{"shift_warning": obj{"type": "integer", "minimum": agenda.MinShiftWarning, "maximum": agenda.MaxShiftWarning,
			"description": "minutes on air after which the interpreters' consoles warn a live interpreter to hand over (default " +
				strconv.Itoa(agenda.DefaultShiftWarning) + "; 0 sets the default); a host's shift.warning in the room overrides it for one session"}}}
	return doc
}
