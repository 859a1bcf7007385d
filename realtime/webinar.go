package realtime

import (
	"errors"
	"time"

	"github.com/majlis/majlis/agenda"
)

// Webinar is a webinar room's own state: practice mode, then started.
type Webinar struct {
	// Practice is set by webinar.practice: until webinar.start, only the
	// stage (hosts, speakers) and interpreters are admitted; attendees
	// (participants, observers) are refused with CloseNotStarted and
	// their pages retry.
	Practice bool `json:"practice"`
	// Started is set by webinar.start, with when.
	Started   bool       `json:"started"`
	StartedAt *time.Time `json:"started_at,omitempty"`
}

// ErrNotStarted: Accept refused an attendee during practice mode (closed
// with CloseNotStarted); the client retries.
var ErrNotStarted = errors.New("realtime: the webinar has not started")

// practicing reports whether the room keeps m out: in practice mode, an
// attendee.
func (r *room) practicing(m Member) bool {
	return r.state.Webinar.Practice && (m.Role == RoleParticipant || m.Role == RoleObserver)
}

// webinarPractice puts a webinar that has not started in practice mode.
// Attendees already in the room stay.
func (r *room) webinarPractice(c *Client, _ Envelope, _ noData) *Error {
	return r.webinarChange(c, func(w *Webinar) *Error {
		if w.Started || w.Practice {
			return errorf(ErrInvalidState, "the webinar has started or is in practice mode already")
		}
		w.Practice = true
		return nil
	})
}

// webinarStart ends practice mode: attendees are admitted from now on
// (their pages retry and enter on their own).
func (r *room) webinarStart(c *Client, _ Envelope, _ noData) *Error {
	now := r.node.cfg.Now().UTC().Truncate(time.Second)
	return r.webinarChange(c, func(w *Webinar) *Error {
		if w.Started {
			return errorf(ErrInvalidState, "the webinar has started already")
		}
		*w = Webinar{Started: true, StartedAt: &now}
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
