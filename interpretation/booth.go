package interpretation

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Floor is the channel of the original speech.
const Floor = "floor"

// MaxBooth is how many interpreters a booth holds at once.
const MaxBooth = 3

// Errors of booth operations. They wrap ErrRefused.
var (
	ErrRefused = errors.New("interpretation: refused")
)

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRefused}, args...)...)
}

// Interpreter is one interpreter connected to a booth.
type Interpreter struct {
	// ID is the room member ID of the interpreter's connection.
	ID string `json:"id"`
	// Inputs are the languages the interpreter can take as input.
	Inputs []string `json:"inputs"`
}

// Handover is a pending handover from the live interpreter to a partner.
type Handover struct {
	From string `json:"from"` // live now
	To   string `json:"to"`   // live after acceptance
	// By is who asked: From (an offer) or To (a request to take over).
	By string `json:"by"`
	// At, when set, is a countdown's zero: the live interpreter offered
	// the booth "in 10 s"; the switch happens then, once accepted.
	At *time.Time `json:"at,omitempty"`
	// Accepted: the other party accepted a countdown before its zero;
	// Due switches at zero.
	Accepted bool `json:"accepted,omitempty"`
}

// Booth is the interpreters of one target language.
type Booth struct {
	Language     string        `json:"language"`
	Interpreters []Interpreter `json:"interpreters"`
	// Live is the ID of the interpreter on air, or "".
	Live    string    `json:"live"`
	Pending *Handover `json:"pending,omitempty"`
	// Muted: the live interpreter pressed the cough button.
	Muted bool `json:"muted,omitempty"`
	// LiveSince is when Live went on air (the shift timer), set by the
	// booth's owner whenever Live changes; nil when nobody is live.
	LiveSince *time.Time `json:"live_since,omitempty"`
}

func (b *Booth) index(id string) int {
	return slices.IndexFunc(b.Interpreters, func(i Interpreter) bool { return i.ID == id })
}

// Has reports whether id is in the booth.
func (b *Booth) Has(id string) bool { return b.index(id) >= 0 }

// Join adds an interpreter to the booth. The first one in an empty booth
// is not live until they take the booth: going on air is deliberate.
func (b *Booth) Join(in Interpreter) error {
	if b.Has(in.ID) {
		return refused("already in the %s booth", b.Language)
	}
	if len(b.Interpreters) >= MaxBooth {
		return refused("the %s booth is full", b.Language)
	}
	b.Interpreters = append(b.Interpreters, Interpreter{ID: in.ID, Inputs: slices.Clone(in.Inputs)})
	return nil
}

// Leave removes an interpreter (they left or lost their connection). A
// live interpreter hands the booth to a partner, if there is one; a
// pending handover involving them is dropped.
func (b *Booth) Leave(id string) {
	i := b.index(id)
	if i < 0 {
		return
	}
	b.Interpreters = slices.Delete(b.Interpreters, i, i+1)
	if b.Pending != nil && (b.Pending.From == id || b.Pending.To == id) {
		b.Pending = nil
	}
	if b.Live == id {
		b.Live, b.Muted = "", false
		if len(b.Interpreters) > 0 {
			b.Live = b.Interpreters[0].ID
		}
	}
}

// Take puts id on air in a booth where nobody is.
func (b *Booth) Take(id string) error {
	if !b.Has(id) {
		return refused("not in the %s booth", b.Language)
	}
	if b.Live != "" {
		return refused("someone is live in the %s booth: ask for a handover", b.Language)
	}
	b.Live, b.Muted, b.Pending = id, false, nil
	return nil
}

// Request starts a handover: the live interpreter offers the booth to
// partner `to`, or a passive interpreter asks the live one to hand over.
func (b *Booth) Request(by, to string) error { return b.RequestAt(by, to, time.Time{}) }

// RequestAt is Request with a countdown: the switch happens at at (when
// not zero) once the other party accepted. Only the live interpreter
// offers with a countdown.
func (b *Booth) RequestAt(by, to string, at time.Time) error {
	if !at.IsZero() && by != b.Live {
		return refused("only the live interpreter offers the booth with a countdown")
	}
	if !b.Has(by) {
		return refused("not in the %s booth", b.Language)
	}
	if b.Live == "" {
		return refused("nobody is live in the %s booth: take it", b.Language)
	}
	if b.Pending != nil {
		return refused("a handover is already pending")
	}
	h := Handover{From: b.Live, By: by}
	if by == b.Live {
		if to == "" && len(b.Interpreters) == 2 {
			to = b.Interpreters[1-b.index(by)].ID
		}
		if to == by || !b.Has(to) {
			return refused("name a partner in the booth to hand over to")
		}
		h.To = to
	} else {
		h.To = by
	}
	if !at.IsZero() {
		h.At = &at
	}
	b.Pending = &h
	return nil
}

// Accept completes the pending handover; only the party who did not ask
// may accept.
func (b *Booth) Accept(by string) error {
	_, err := b.AcceptAt(by, time.Time{})
	return err
}

// AcceptAt accepts the pending handover at now: it switches at once
// (switched) unless a countdown runs past now, which it marks accepted,
// for Due to switch at zero.
func (b *Booth) AcceptAt(by string, now time.Time) (switched bool, err error) {
	p := b.Pending
	if p == nil {
		return false, refused("no handover is pending")
	}
	other := p.To
	if p.By == p.To {
		other = p.From
	}
	if by != other {
		return false, refused("only your partner can accept")
	}
	if p.At != nil && !now.IsZero() && now.Before(*p.At) {
		p.Accepted = true
		return false, nil
	}
	b.Live, b.Muted, b.Pending = p.To, false, nil
	return true, nil
}

// Due switches an accepted countdown whose zero is not after now, and
// reports whether it did.
func (b *Booth) Due(now time.Time) bool {
	p := b.Pending
	if p == nil || !p.Accepted || p.At == nil || now.Before(*p.At) {
		return false
	}
	b.Live, b.Muted, b.Pending = p.To, false, nil
	return true
}

// Decline drops the pending handover; either party may.
func (b *Booth) Decline(by string) error {
	p := b.Pending
	if p == nil {
		return refused("no handover is pending")
	}
	if by != p.From && by != p.To {
		return refused("not your handover")
	}
	b.Pending = nil
	return nil
}

// Force makes id live at once (a host's decision); "" takes the booth off
// air.
func (b *Booth) Force(id string) error {
	if id != "" && !b.Has(id) {
		return refused("not in the %s booth", b.Language)
	}
	b.Live, b.Pending = id, nil
	b.Muted = false
	return nil
}

// Mute sets the cough button of the live interpreter.
func (b *Booth) Mute(by string, muted bool) error {
	if by != b.Live {
		return refused("only the live interpreter mutes the booth")
	}
	b.Muted = muted
	return nil
}

// Clone returns a deep copy.
func (b Booth) Clone() Booth {
	b.Interpreters = slices.Clone(b.Interpreters)
	for i := range b.Interpreters {
		b.Interpreters[i].Inputs = slices.Clone(b.Interpreters[i].Inputs)
	}
	if b.Pending != nil {
		p := *b.Pending
		b.Pending = &p
	}
	if b.LiveSince != nil {
		t := *b.LiveSince
		b.LiveSince = &t
	}
	return b
}

// Check verifies the booth's invariants; tests call it after every step.
func (b *Booth) Check() error {
	if b.Live != "" && !b.Has(b.Live) {
		return fmt.Errorf("live interpreter %q is not in the booth", b.Live)
	}
	if b.Pending != nil {
		if b.Pending.From != b.Live || !b.Has(b.Pending.To) || b.Pending.From == b.Pending.To {
			return fmt.Errorf("pending handover %+v does not fit the booth (live %q)", *b.Pending, b.Live)
		}
	}
	if b.Muted && b.Live == "" {
		return errors.New("muted with nobody live")
	}
	seen := map[string]bool{}
	for _, in := range b.Interpreters {
		if seen[in.ID] {
			return fmt.Errorf("interpreter %q twice", in.ID)
		}
		seen[in.ID] = true
	}
	if len(b.Interpreters) > MaxBooth {
		return errors.New("booth over capacity")
	}
	return nil
}
