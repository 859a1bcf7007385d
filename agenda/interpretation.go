package agenda

// Shift warnings, in minutes live: AIIC's guidance has interpreters take
// turns about every half hour; an event may warn earlier or later, within
// reason.
const (
	DefaultShiftWarning = 30
	MinShiftWarning     = 10
	MaxShiftWarning     = 90
)

// Interpretation is how an event's simultaneous interpretation runs (its
// languages are Event.Languages).
type Interpretation struct {
	// ShiftWarning is after how many minutes on air the interpreters'
	// consoles warn a live interpreter to hand over: MinShiftWarning to
	// MaxShiftWarning; 0 means DefaultShiftWarning.
	ShiftWarning int `json:"shift_warning,omitempty"`
}

// ShiftWarningMinutes is ShiftWarning, or its default.
func (in Interpretation) ShiftWarningMinutes() int {
	if in.ShiftWarning == 0 {
		return DefaultShiftWarning
	}
	return in.ShiftWarning
}

// checkInterpretation checks an event's interpretation settings.
func checkInterpretation(p problems, in Interpretation) {
	if in.ShiftWarning != 0 && (in.ShiftWarning < MinShiftWarning || in.ShiftWarning > MaxShiftWarning) {
		p.add("interpretation.shift_warning", "must be %d to %d minutes (default %d)", MinShiftWarning, MaxShiftWarning, DefaultShiftWarning)
	}
}
