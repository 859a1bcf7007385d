package realtime

import (
	"context"
	"errors"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// Webinar is a webinar room's own state: practice mode, then started.
type Webinar struct {
	// Practice: until the webinar starts (webinar.start, or session.start),
	// only the stage (hosts, speakers) and interpreters are admitted;
	// attendees (participants, observers) are refused with CloseNotStarted
	// and their pages retry. A webinar that takes registrations is in
	// practice mode from its room's first load (practiceFirst); a host
	// puts any other webinar in it with webinar.practice.
	Practice bool `json:"practice"`
	// Started is set by webinar.start, with when.
	Started   bool       `json:"started"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	// Once in practice mode or started, attendees (participants a host
	// has not brought on stage with the stage command, Member.Stage) chat
	// only when ChatOpen and raise a hand only when HandsAllowed
	// (webinar.settings); they always react and listen.
	ChatOpen     bool `json:"chat_open"`
	HandsAllowed bool `json:"hands_allowed"`
}

// on reports whether the webinar rules apply: the room was put in
// practice mode or started. Other rooms (meetings, webinars run as
// open rooms) keep the plain rules.
func (w Webinar) on() bool { return w.Practice || w.Started }

// webinarGate refuses what an attendee may not do in a webinar: chat
// unless the host opened it, raise a hand unless allowed.
func (r *room) webinarGate(c *Client, cmd MsgType) *Error {
	w := r.state.Webinar
	if !w.on() || c.member.Role != RoleParticipant || c.member.Stage {
		return nil
	}
	switch {
	case cmd == CmdChat && !w.ChatOpen:
		return errorf(ErrForbidden, "the host has not opened the chat to attendees")
	case cmd == CmdHandRaise && !w.HandsAllowed:
		return errorf(ErrForbidden, "the host does not take raised hands from attendees")
	}
	return nil
}

type webinarSettings struct {
	ChatOpen     *bool `json:"chat_open"`
	HandsAllowed *bool `json:"hands_allowed"`
}

// webinarSettingsCmd opens or closes the attendees' chat and hands.
func (r *room) webinarSettingsCmd(c *Client, _ Envelope, d webinarSettings) *Error {
	return r.webinarChange(c, func(w *Webinar) *Error {
		if d.ChatOpen != nil {
			w.ChatOpen = *d.ChatOpen
		}
		if d.HandsAllowed != nil {
			w.HandsAllowed = *d.HandsAllowed
		}
		return nil
	})
}

// ErrNotStarted: the room refused an attendee's join during practice
// mode (the connection is closed with CloseNotStarted; the client
// retries).
var ErrNotStarted = errors.New("realtime: the webinar has not started")

// practicing reports whether the room keeps m out: in practice mode, an
// attendee.
func (r *room) practicing(m Member) bool {
	return r.state.Webinar.Practice && (m.Role == RoleParticipant || m.Role == RoleObserver)
}

// webinarPractice puts a webinar that has not started in practice mode
// (again: a webinar that takes registrations starts in it, and the host's
// command then only confirms it). Attendees already in the room stay.
func (r *room) webinarPractice(c *Client, _ Envelope, _ noData) *Error {
	return r.webinarChange(c, func(w *Webinar) *Error {
		if w.Started {
			return errorf(ErrInvalidState, "the webinar has started already")
		}
		w.Practice = true
		return nil
	})
}

// registrationForms is where a room reads whether its webinar takes
// registrations (package registration's Store; the store behind Info has it).
type registrationForms interface {
	GetForm(ctx context.Context, event string) (registration.Form, error)
}

// practiceFirst reports whether the room of ev starts in practice mode: a
// webinar that takes registrations (its form is open) admits only its
// stage until a host starts it, without the host having to ask. Other
// webinars run as open rooms until a host sends webinar.practice or
// webinar.start. A store that cannot answer leaves the room open (the
// plain rules), as before this rule.
func practiceFirst(ctx context.Context, info Info, ev agenda.Event) bool {
	forms, ok := info.(registrationForms)
	if !ok || ev.Kind != agenda.KindWebinar {
		return false
	}
	f, err := forms.GetForm(ctx, ev.ID)
	return err == nil && f.Open
}

// autoPractice puts a webinar room that starts in practice mode in it,
// unless its state says it started. Every instance computes the same from
// the same event and form, so the flag needs no message of its own; the
// next published state carries it.
func (r *room) autoPractice() {
	if r.practiceFirst && !r.state.Webinar.Started {
		r.state.Webinar.Practice = true
	}
}

// webinarStart ends practice mode: attendees are admitted from now on
// (their pages retry and enter on their own).
func (r *room) webinarStart(c *Client, _ Envelope, _ noData) *Error {
	now := r.node.cfg.Now().UTC().Truncate(time.Second)
	return r.webinarChange(c, func(w *Webinar) *Error {
		if w.Started {
			return errorf(ErrInvalidState, "the webinar has started already")
		}
		w.Practice, w.Started, w.StartedAt = false, true, &now
		return nil
	})
}

// webinarChange publishes a change of a webinar's state as a webinar
// message.
func (r *room) webinarChange(c *Client, change func(w *Webinar) *Error) *Error {
	if r.event.Kind != agenda.KindWebinar {
		return errorf(ErrInvalidState, "this session is not a webinar")
	}
	return r.publishState(func(st *State) (Envelope, *Error) {
		if e := change(&st.Webinar); e != nil {
			return Envelope{}, e
		}
		return Envelope{Type: MsgWebinar, From: c.member.ID, Data: mustJSON(st.Webinar)}, nil
	}, nil)
}
