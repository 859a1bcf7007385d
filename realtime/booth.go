package realtime

import (
	"time"

	"slices"
	"unicode/utf8"

	"github.com/majlis/majlis/interpretation"
)

// channelCmd picks what a member listens to.
type channelCmd struct {
	Channel  string `json:"channel"`
	Original bool   `json:"original"`
}

func (r *room) channel(c *Client, _ Envelope, d channelCmd) *Error {
	me := c.member
	if d.Channel != interpretation.Floor && !slices.Contains(r.languages(), d.Channel) {
		return errorf(ErrUnknown, "data.channel must be floor or one of %v", r.languages())
	}
	if d.Channel == me.Channel && d.Original == me.Original {
		return nil
	}
	m := r.members[me.ID]
	m.Channel, m.Original = d.Channel, d.Original
	return r.publishState(func(*State) (Envelope, *Error) {
		return Envelope{Type: MsgMember, From: me.ID, To: ToStaff, Data: mustJSON(m)}, nil
	}, &Change{Update: &m})
}

type floorLanguageCmd struct {
	Language string `json:"language"`
}

func (r *room) floorLanguage(c *Client, _ Envelope, d floorLanguageCmd) *Error {
	if d.Language != "" && !langCode.MatchString(d.Language) {
		return errorf(ErrBadMessage, "data.language must be an ISO 639-1 code, or empty when unknown")
	}
	return r.publishInterp(c.member.ID, func(st *State) error {
		st.Interp.FloorLanguage = d.Language
		return nil
	})
}

// inBooth publishes a change the sender makes in their own booth.
func (r *room) inBooth(c *Client, change func(b *interpretation.Booth) error) *Error {
	me := c.member
	return r.publishInterp(me.ID, func(st *State) error {
		b, ok := st.Interp.Booths[me.Booth]
		if me.Booth == "" || !ok || !b.Has(me.ID) {
			return errorf(ErrForbidden, "you are not in a booth")
		}
		return change(b)
	})
}

func (r *room) boothTake(c *Client, _ Envelope, _ noData) *Error {
	return r.inBooth(c, func(b *interpretation.Booth) error { return b.Take(c.member.ID) })
}

type boothRequestCmd struct {
	To string `json:"to"`
	// In is a countdown in seconds (0 to MaxCountdown): the switch
	// happens then, once the partner accepted. 0: at acceptance.
	In int `json:"in"`
}

// MaxCountdown is the longest handover countdown, in seconds.
const MaxCountdown = 60

func (r *room) boothRequest(c *Client, _ Envelope, d boothRequestCmd) *Error {
	if d.In < 0 || d.In > MaxCountdown {
		return errorf(ErrBadMessage, "data.in must be 0 to %d seconds", MaxCountdown)
	}
	var at time.Time
	if d.In > 0 {
		at = r.node.cfg.Now().UTC().Truncate(time.Millisecond).Add(time.Duration(d.In) * time.Second)
	}
	return r.inBooth(c, func(b *interpretation.Booth) error { return b.RequestAt(c.member.ID, d.To, at) })
}

func (r *room) boothAccept(c *Client, _ Envelope, _ noData) *Error {
	now := r.node.cfg.Now()
	return r.inBooth(c, func(b *interpretation.Booth) error {
		_, err := b.AcceptAt(c.member.ID, now)
		return err
	})
}

func (r *room) boothDecline(c *Client, _ Envelope, _ noData) *Error {
	return r.inBooth(c, func(b *interpretation.Booth) error { return b.Decline(c.member.ID) })
}

type boothMuteCmd struct {
	Muted bool `json:"muted"`
}

func (r *room) boothMute(c *Client, _ Envelope, d boothMuteCmd) *Error {
	return r.inBooth(c, func(b *interpretation.Booth) error { return b.Mute(c.member.ID, d.Muted) })
}

type boothForceCmd struct {
	Booth string `json:"booth"`
	ID    string `json:"id"`
}

func (r *room) boothForce(c *Client, _ Envelope, d boothForceCmd) *Error {
	return r.publishInterp(c.member.ID, func(st *State) error {
		b, ok := st.Interp.Booths[d.Booth]
		if !ok {
			return errorf(ErrUnknown, "data.booth: no %q booth", clip(d.Booth, 16))
		}
		return b.Force(d.ID)
	})
}

type captionCmd struct {
	Text string `json:"text"`
}

// captionData is a caption message's data. A caption from the room has
// its sender in the envelope's from; one from a captioner (caption ingest,
// Node.PublishCaption) has none, and names its speaker and language.
type captionData struct {
	Channel string `json:"channel"`
	Text    string `json:"text"`
	Speaker string `json:"speaker,omitempty"`
	Lang    string `json:"lang,omitempty"`
}

func (r *room) caption(c *Client, _ Envelope, d captionCmd) *Error {
	text := cleanText(d.Text)
	if text == "" || utf8.RuneCountInString(text) > MaxCaption {
		return errorf(ErrTooLong, "data.text must have 1 to %d characters", MaxCaption)
	}
	channel, ok := r.publishesOn(c.member)
	if !ok {
		return errorf(ErrInvalidState, "you are not on air: captions come from the live interpreter of a booth, or whoever has the floor")
	}
	return r.publish(Envelope{Type: MsgCaption, From: c.member.ID,
		Data: mustJSON(captionData{Channel: channel, Text: text})})
}

// SlowDownEvery is how often one interpreter may ask the floor to slow
// down.
const SlowDownEvery = 15 * time.Second

// slowDown tells the hosts and whoever holds the floor that a booth asks
// the floor to slow down. It names nobody: not the interpreter, not the
// booth (a booth is one or two people).
func (r *room) slowDown(c *Client, _ Envelope, _ noData) *Error {
	return r.announceLimited(c, &r.slowedDown, SlowDownEvery, Envelope{Type: MsgSlowDown, To: ToSpeaker})
}

// announceLimited announces out (ephemeral) for c at most once every
// every, keeping when c last did in *seen.
func (r *room) announceLimited(c *Client, seen *map[string]time.Time, every time.Duration, out Envelope) *Error {
	now := r.node.cfg.Now()
	if last, ok := (*seen)[c.member.ID]; ok && now.Sub(last) < every {
		return errorf(ErrRateLimited, "you asked less than %d seconds ago", int(every/time.Second))
	}
	ctx, cancel := r.callContext()
	defer cancel()
	if err := r.node.backend.Announce(ctx, r.id, &out); err != nil {
		return errorf(ErrUnavailable, "the request could not be sent")
	}
	if *seen == nil {
		*seen = map[string]time.Time{}
	}
	(*seen)[c.member.ID] = now
	return nil
}
