package realtime

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/majlis/majlis/agenda"
)

// The live session as hosts, participants and interpreters run it
// (issue 17): the session's start and end, the hosts' banner, the stage,
// the booths' sound alarm, the shift timer and handover countdowns.

// Session states of Progress.Session.
const (
	SessionRunning = "running"
	SessionEnded   = "ended"
)

// MaxAnnouncement is the longest announcement, in characters, per
// language.
const MaxAnnouncement = 500

// SoundAlarmEvery is how often one interpreter may raise the sound alarm.
const SoundAlarmEvery = 15 * time.Second

// Announcement is the hosts' banner: one text per language (those the
// host wrote; a page shows its own language's, or another).
type Announcement struct {
	Text agenda.Text `json:"text"`
	// By is the host's display name.
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// sessionStart opens the session: it records when, and starts the first
// agenda item not yet done when none runs.
func (r *room) sessionStart(c *Client, _ Envelope, _ noData) *Error {
	if r.state.Agenda.Session == SessionRunning {
		return errorf(ErrInvalidState, "the session is already running")
	}
	// A webinar in practice mode starts with its session: attendees enter.
	if r.event.Kind == agenda.KindWebinar && r.state.Webinar.Practice {
		if e := r.webinarStart(c, Envelope{}, noData{}); e != nil {
			return e
		}
	}
	now := r.node.cfg.Now().UTC().Truncate(time.Second)
	if e := r.agendaMove(c, func(p *Progress) *Error {
		p.Session, p.SessionStarted, p.SessionEnded = SessionRunning, &now, nil
		return nil
	}); e != nil {
		return e
	}
	if r.state.Agenda.Current != "" {
		return nil
	}
	r.refreshItems()
	for _, it := range r.items {
		if !slices.Contains(r.state.Agenda.Done, it.ID) {
			return r.agendaStart(c, Envelope{}, agendaCmd{Item: it.ID})
		}
	}
	return nil
}

// sessionEnd closes the session and ends its running item.
func (r *room) sessionEnd(c *Client, _ Envelope, _ noData) *Error {
	if r.state.Agenda.Session != SessionRunning {
		return errorf(ErrInvalidState, "the session is not running")
	}
	now := r.node.cfg.Now().UTC().Truncate(time.Second)
	var running *agenda.Item
	if cur := r.state.Agenda.Current; cur != "" {
		if it, e := r.agendaItem(cur); e == nil {
			running = &it
		}
	}
	return r.agendaMove(c, func(p *Progress) *Error {
		if running != nil && p.Current == running.ID {
			p.Done = append(p.Done, running.ID)
			p.Drift = int64(now.Sub(running.End()) / time.Second)
		}
		p.Current, p.StartedAt = "", nil
		p.Session, p.SessionEnded = SessionEnded, &now
		return nil
	})
}

type announceCmd struct {
	// Text by language; none withdraws the banner.
	Text map[string]string `json:"text"`
}

// announce sets (or, without text, withdraws) the hosts' banner.
func (r *room) announce(c *Client, _ Envelope, d announceCmd) *Error {
	var a *Announcement
	text := agenda.Text{}
	for lang, s := range d.Text {
		if !slices.Contains(r.languages(), lang) {
			return errorf(ErrBadMessage, "data.text: %q is not one of the session's languages %v", clip(lang, 8), r.languages())
		}
		s = cleanText(s)
		if utf8.RuneCountInString(s) > MaxAnnouncement {
			return errorf(ErrTooLong, "data.text.%s is over %d characters", lang, MaxAnnouncement)
		}
		if s != "" {
			text[lang] = s
		}
	}
	if len(text) > 0 {
		a = &Announcement{Text: text, By: c.member.Name, At: r.node.cfg.Now().UTC().Truncate(time.Second)}
	} else if r.state.Announcement == nil {
		return nil
	}
	return r.publishState(func(st *State) (Envelope, *Error) {
		st.Announcement = a
		data := mustJSON(a)
		if a == nil {
			data = mustJSON(struct{}{})
		}
		return Envelope{Type: MsgAnnouncement, From: c.member.ID, Data: data}, nil
	}, nil)
}

type stageCmd struct {
	ID string `json:"id"`
	// On defaults to true.
	On *bool `json:"on"`
}

// stage brings a member on stage (they may speak on the floor without
// holding it) or takes them off.
func (r *room) stage(c *Client, _ Envelope, d stageCmd) *Error {
	m, ok := r.members[d.ID]
	if !ok {
		return errorf(ErrUnknown, "data.id: no member %q in the room", clip(d.ID, 40))
	}
	on := d.On == nil || *d.On
	if m.Stage == on {
		return nil
	}
	m.Stage = on
	return r.publishState(func(*State) (Envelope, *Error) {
		return Envelope{Type: MsgMember, From: c.member.ID, Data: mustJSON(m)}, nil
	}, &Change{Update: &m})
}

type boothSoundCmd struct {
	// Problem is "no_sound" or "bad_sound".
	Problem string `json:"problem"`
}

// soundAlarmData is a sound alarm: which booth hears what.
type soundAlarmData struct {
	Booth   string `json:"booth"`
	Problem string `json:"problem"`
}

// boothSound tells the hosts that a booth hears no sound, or bad sound,
// from its input. It names the booth (hosts must know whose input to fix),
// not the interpreter.
func (r *room) boothSound(c *Client, _ Envelope, d boothSoundCmd) *Error {
	if d.Problem != "no_sound" && d.Problem != "bad_sound" {
		return errorf(ErrBadMessage, `data.problem must be "no_sound" or "bad_sound"`)
	}
	if c.member.Booth == "" {
		return errorf(ErrForbidden, "you are not in a booth")
	}
	return r.announceLimited(c, &r.soundAlarmed, SoundAlarmEvery,
		Envelope{Type: MsgSoundAlarm, To: ToHosts, Data: mustJSON(soundAlarmData{Booth: c.member.Booth, Problem: d.Problem})})
}

// stampLive sets each booth's LiveSince in st (the next state) where its
// live interpreter changed since the room's state: the shift timer.
func (r *room) stampLive(st *State) {
	now := r.node.cfg.Now().UTC().Truncate(time.Millisecond)
	for lang, b := range st.Interp.Booths {
		old := r.state.Interp.Booths[lang]
		switch {
		case b.Live == "":
			b.LiveSince = nil
		case old == nil || old.Live != b.Live || old.LiveSince == nil:
			b.LiveSince = &now
		}
	}
}

// handoversDue switches the accepted handovers whose countdown reached
// zero; the room's tick calls it every second, on every instance (the
// first to publish wins, the others see the handover done).
func (r *room) handoversDue() {
	now := r.node.cfg.Now()
	due := false
	for _, b := range r.state.Interp.Booths {
		if p := b.Pending; p != nil && p.Accepted && p.At != nil && !now.Before(*p.At) {
			due = true
		}
	}
	if !due {
		return
	}
	if e := r.publishInterp("", func(st *State) error {
		for _, b := range st.Interp.Booths {
			b.Due(now)
		}
		return nil
	}); e != nil {
		r.node.log.Warn("room: handover at zero", "room", r.id, "err", e)
	}
}

type shiftWarningCmd struct {
	// Minutes is agenda.MinShiftWarning to agenda.MaxShiftWarning, or 0
	// for the event's own again.
	Minutes int `json:"minutes"`
}

// shiftWarning sets, for this session, after how many minutes live the
// consoles warn an interpreter to hand over: it overrides the event's
// setting (agenda.Interpretation) until the room's state is cleared, or a
// host sets 0.
func (r *room) shiftWarning(c *Client, _ Envelope, d shiftWarningCmd) *Error {
	if d.Minutes != 0 && (d.Minutes < agenda.MinShiftWarning || d.Minutes > agenda.MaxShiftWarning) {
		return errorf(ErrBadMessage, "data.minutes must be %d to %d, or 0 for the event's setting", agenda.MinShiftWarning, agenda.MaxShiftWarning)
	}
	return r.publishInterp(c.member.ID, func(st *State) error {
		st.Interp.ShiftWarning = d.Minutes
		return nil
	})
}

// shiftWarningOf is the room's shift warning in minutes: a host's for this
// session (st), else the event's.
func (r *room) shiftWarningOf(st State) int {
	if st.Interp.ShiftWarning != 0 {
		return st.Interp.ShiftWarning
	}
	return r.event.Interpretation.ShiftWarningMinutes()
}
