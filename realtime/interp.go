package realtime

import (
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/majlis/majlis/interpretation"
)

// Audio frames (binary websocket frames), both ways:
//
//	byte 0       format version, 1
//	byte 1       n, the length of the channel tag (1 to 16)
//	bytes 2…2+n  the channel: "floor" or a language code
//	the rest     one opaque codec frame (Opus from WebCodecs), 1 to MaxAudio bytes
//
// The server forwards frames unchanged, without decoding them.
const (
	AudioVersion = 1
	// MaxAudio is the largest codec frame accepted.
	MaxAudio = 4000
	// audioRate and audioBurst limit each connection's frames per second
	// (Opus at 20 ms is 50 per second).
	audioRate  = 120
	audioBurst = 240
)

// MaxCaption is the longest caption, in characters.
const MaxCaption = 500

// ParseFrame reads an audio frame's channel and payload.
func ParseFrame(frame []byte) (channel string, payload []byte, ok bool) {
	if len(frame) < 3 || frame[0] != AudioVersion {
		return "", nil, false
	}
	n := int(frame[1])
	if n < 1 || n > 16 || len(frame) < 2+n+1 || len(frame)-2-n > MaxAudio {
		return "", nil, false
	}
	return string(frame[2 : 2+n]), frame[2+n:], true
}

// AudioFrame builds an audio frame for channel.
func AudioFrame(channel string, payload []byte) []byte {
	out := make([]byte, 0, 2+len(channel)+len(payload))
	out = append(out, AudioVersion, byte(len(channel)))
	out = append(out, channel...)
	return append(out, payload...)
}

var langCode = regexp.MustCompile(`^[a-z]{2,3}$`)

// interpView is the data of an interpretation message and the welcome's
// interpretation part: the floor language, the booths in the event's
// language order, and the routing table.
type interpView struct {
	FloorLanguage string                 `json:"floor_language"`
	Channels      []string               `json:"channels"`
	Booths        []interpretation.Booth `json:"booths"`
	Routes        []interpretation.Route `json:"routes"`
	// Warnings lists the channels without interpretation, for hosts.
	Warnings []interpretation.Route `json:"warnings"`
	// ShiftWarning is when interpreters' consoles warn a live
	// interpreter, in minutes live (shiftWarningOf).
	ShiftWarning int `json:"shift_warning"`
	// SessionShiftWarning is a host's shift.warning for this session
	// (Interp.ShiftWarning), omitted when none.
	SessionShiftWarning int `json:"session_shift_warning,omitempty"`
}

// languages are the room's target languages, in the event's order.
func (r *room) languages() []string { return r.event.Languages }

func (r *room) routes(st State) interpretation.Table {
	return interpretation.Routes(st.Interp.FloorLanguage, r.languages(), st.Interp.Booths)
}

func (r *room) interpView(st State) interpView {
	t := r.routes(st)
	v := interpView{FloorLanguage: st.Interp.FloorLanguage, Channels: append([]string{interpretation.Floor}, r.languages()...),
		Routes: t.Routes, Warnings: t.Warnings(), Booths: []interpretation.Booth{},
		ShiftWarning: r.shiftWarningOf(st), SessionShiftWarning: st.Interp.ShiftWarning}
	if v.Warnings == nil {
		v.Warnings = []interpretation.Route{}
	}
	for _, l := range r.languages() {
		if b, ok := st.Interp.Booths[l]; ok {
			v.Booths = append(v.Booths, b.Clone())
		}
	}
	return v
}

// ensureBooths gives every target language a booth.
func (r *room) ensureBooths(st *State) {
	if st.Interp.Booths == nil {
		st.Interp.Booths = map[string]*interpretation.Booth{}
	}
	for _, l := range r.languages() {
		if _, ok := st.Interp.Booths[l]; !ok {
			st.Interp.Booths[l] = &interpretation.Booth{Language: l, Interpreters: []interpretation.Interpreter{}}
		}
	}
}

// publishInterp publishes a change of the interpretation state.
func (r *room) publishInterp(from string, change func(st *State) error) *Error {
	return r.publishState(func(st *State) (Envelope, *Error) {
		r.ensureBooths(st)
		err := change(st)
		r.stampLive(st)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return Envelope{}, e
			}
			if errors.Is(err, interpretation.ErrRefused) {
				return Envelope{}, errorf(ErrInvalidState, "%s", err.Error())
			}
			return Envelope{}, errorf(ErrBadMessage, "%s", err.Error())
		}
		return Envelope{Type: MsgInterp, From: from, Data: mustJSON(r.interpView(*st))}, nil
	}, nil)
}

// defaultChannel is what a member listens to on arrival: their first
// language that the session is interpreted into, or the floor.
func (r *room) defaultChannel(m Member) string {
	for _, l := range m.Languages {
		if slices.Contains(r.languages(), l) {
			return l
		}
	}
	return interpretation.Floor
}

// publishesOn is the channel m may publish audio and captions on: the
// booth they are live in, or the floor when they have it (or host).
func (r *room) publishesOn(m Member) (string, bool) {
	if m.Booth != "" {
		if b, ok := r.state.Interp.Booths[m.Booth]; ok && b.Live == m.ID && !b.Muted {
			return m.Booth, true
		}
	}
	if !m.Muted && (r.state.Floor.Speaker == m.ID || m.Role == RoleHost || m.Stage) {
		return interpretation.Floor, true
	}
	return "", false
}

// audio checks and forwards one frame from a client.
func (r *room) audio(c *Client, frame []byte) {
	channel, _, ok := ParseFrame(frame)
	allowed := false
	if ok {
		if channel == interpretation.Floor {
			allowed = !c.member.Muted && (r.state.Floor.Speaker == c.member.ID || c.member.Role == RoleHost)
		} else if b, found := r.state.Interp.Booths[channel]; found {
			allowed = b.Live == c.member.ID && !b.Muted
		}
	}
	if !allowed {
		// One error a second at most: a client streaming 50 frames a
		// second must not fill its own queue with refusals.
		if now := r.node.cfg.Now(); now.Sub(c.audioRefused) >= time.Second {
			c.audioRefused = now
			msg := "you may not publish on that channel"
			if !ok {
				msg = "malformed audio frame"
			}
			r.reply(c, &Error{Code: ErrForbidden, Message: msg}, "")
		}
		return
	}
	ctx, cancel := r.callContext()
	defer cancel()
	if err := r.node.backend.Frame(ctx, r.id, frame); err != nil {
		r.node.log.Warn("room: frame", "room", r.id, "err", err)
	}
}

// hears is the channels whose audio c receives ("" for none). An
// interpreter hears their input (their booth's: the floor or the pivot
// booth, unless they picked another booth's channel to relay from), their
// own booth's channel while their partner is live in it (never while they
// are: nobody hears their own voice back), and the floor when their input
// is not the floor; the console mixes the three. Everyone else hears the
// source of the channel they picked, and the floor besides when they asked
// for the original under the interpretation.
func hears(c *Client, t interpretation.Table) [3]string {
	m := c.member
	if m.Role == RoleInterpreter && m.Booth != "" {
		in := interpretation.Floor
		own, _ := t.Route(m.Booth)
		if rt, ok := t.Route(m.Channel); ok && m.Channel != m.Booth {
			in = rt.Source
		} else if own.Input != "" {
			in = own.Input
		}
		var out [3]string
		out[0] = in
		if own.Interpreter != "" && own.Interpreter != m.ID {
			out[1] = m.Booth
		}
		if in != interpretation.Floor {
			out[2] = interpretation.Floor
		}
		return out
	}
	src := interpretation.Floor
	if rt, ok := t.Route(m.Channel); ok {
		src = rt.Source
	}
	if m.Original && src != interpretation.Floor {
		return [3]string{src, interpretation.Floor}
	}
	return [3]string{src}
}

// forward sends a frame to the local clients who hear its channel.
func (r *room) forward(frame []byte) {
	channel, _, ok := ParseFrame(frame)
	if !ok {
		return
	}
	if r.hearing == nil {
		t := r.routes(r.state)
		r.hearing = map[string][]*Client{}
		for _, c := range r.clients {
			for _, h := range hears(c, t) {
				if h != "" {
					r.hearing[h] = append(r.hearing[h], c)
				}
			}
		}
	}
	var slow []*Client
	msg := shared(frame, true)
	for _, c := range r.hearing[channel] {
		if !c.enqueue(msg) {
			slow = append(slow, c)
		}
	}
	for _, c := range slow {
		r.drop(c, CloseSlowConsumer, "too slow: reconnect with since")
	}
}

// listenerCounts counts the members on each channel (interpreters aside).
func (r *room) listenerCounts() map[string]int {
	counts := map[string]int{interpretation.Floor: 0}
	for _, l := range r.languages() {
		counts[l] = 0
	}
	for ch, n := range r.listening {
		counts[ch] = n
	}
	return counts
}

// announceListeners tells local hosts and interpreters the listener counts
// when they changed. It is local and ephemeral: every instance computes
// the same counts from the same roster.
func (r *room) announceListeners() {
	counts := r.listenerCounts()
	if maps.Equal(counts, r.lastCounts) {
		return
	}
	r.lastCounts = counts
	b, err := json.Marshal(Envelope{Type: MsgListeners, Room: r.id, TS: r.node.cfg.Now().UnixMilli(), Data: mustJSON(counts)})
	if err != nil {
		return
	}
	msg := shared(b, false)
	for _, c := range r.clients {
		if c.member.Role == RoleHost || c.member.Role == RoleInterpreter {
			c.enqueue(msg)
		}
	}
}
