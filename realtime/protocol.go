package realtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/majlis/majlis/internal/usertext"
)

// ProtocolVersion is the version of the room protocol described in
// docs/protocol.md. It is sent in every welcome.
const ProtocolVersion = 2

// MsgType names a message. Server messages and client commands share the
// envelope; a few names (chat, reaction) are both.
type MsgType string

// Messages from the server.
const (
	MsgWelcome  MsgType = "welcome"        // the room's state, first message of a connection
	MsgResume   MsgType = "resume"         // first message of a resumed connection; replayed messages follow
	MsgJoin     MsgType = "presence.join"  // a member joined
	MsgLeave    MsgType = "presence.leave" // a member left, was removed or timed out
	MsgMember   MsgType = "member"         // a member changed (muted)
	MsgChat     MsgType = "chat"           // a chat message
	MsgFloor    MsgType = "floor"          // the floor changed: speaker and queue
	MsgAgenda   MsgType = "agenda"         // live agenda progress changed
	MsgReaction MsgType = "reaction"       // an ephemeral reaction (no seq, not replayed)
	MsgRemove   MsgType = "remove"         // a host removed a member
	MsgError    MsgType = "error"          // a command failed; only to its sender
	MsgInterp   MsgType = "interpretation" // floor language, booths, routing table
	MsgCaption  MsgType = "caption"        // a caption on a channel
	MsgSlowDown MsgType = "slow_down"      // an interpreter asks the floor to slow down (ephemeral, anonymous)
	// MsgListeners counts listeners per channel; ephemeral, to hosts and
	// interpreters, when the counts change.
	MsgListeners MsgType = "listeners"
	// Issue 17's live session (live.go).
	MsgAnnouncement MsgType = "announcement" // a host's banner to everyone (empty text: withdrawn)
	MsgSoundAlarm   MsgType = "sound_alarm"  // a booth hears no or bad sound (ephemeral, to hosts)
	// MsgWebinar: a webinar's state changed (a host started it).
	MsgWebinar MsgType = "webinar"
)

// Commands from clients.
const (
	CmdChat         MsgType = "chat"
	CmdReaction     MsgType = "reaction"
	CmdHandRaise    MsgType = "hand.raise"
	CmdHandLower    MsgType = "hand.lower"
	CmdFloorGrant   MsgType = "floor.grant"
	CmdFloorRelease MsgType = "floor.release"
	CmdFloorReorder MsgType = "floor.reorder"
	CmdFloorClear   MsgType = "floor.clear"
	CmdAgendaStart  MsgType = "agenda.start"
	CmdAgendaEnd    MsgType = "agenda.end"
	CmdMute         MsgType = "mute"
	CmdRemove       MsgType = "remove"
	// Interpretation.
	CmdChannel       MsgType = "channel"         // pick the channel you listen to
	CmdFloorLanguage MsgType = "floor.language"  // a host sets the floor language
	CmdBoothTake     MsgType = "booth.take"      // go live in an empty booth
	CmdBoothRequest  MsgType = "booth.request"   // offer or ask for a handover
	CmdBoothAccept   MsgType = "booth.accept"    // accept the partner's handover
	CmdBoothDecline  MsgType = "booth.decline"   // decline or withdraw it
	CmdBoothMute     MsgType = "booth.mute"      // the cough button
	CmdBoothForce    MsgType = "booth.force"     // a host puts someone live
	CmdCaption       MsgType = "caption"         // a caption on your channel
	CmdSlowDown      MsgType = "booth.slow_down" // ask the floor to slow down, anonymously
	// Issue 17's live session (live.go).
	CmdSessionStart MsgType = "session.start" // a host opens the session (and its first item)
	CmdSessionEnd   MsgType = "session.end"   // a host closes it (and its running item)
	CmdAnnounce     MsgType = "announce"      // a host's banner, in one or more languages
	CmdStage        MsgType = "stage"         // a host brings a member on stage (or off)
	CmdBoothSound   MsgType = "booth.sound"   // an interpreter tells hosts of no or bad sound
	CmdShiftWarning MsgType = "shift.warning" // a host sets when consoles warn a live interpreter
	// Webinars.
	CmdWebinarPractice MsgType = "webinar.practice" // a host admits only the stage until the start
	CmdWebinarStart    MsgType = "webinar.start"    // a host ends practice mode: attendees enter
	CmdWebinarSettings MsgType = "webinar.settings" // a host opens the chat or hands to attendees
)

// ErrorCode is the stable code of an error message.
type ErrorCode string

// Error codes.
const (
	ErrBadMessage   ErrorCode = "bad_message"   // not JSON, unknown type or field, bad value
	ErrForbidden    ErrorCode = "forbidden"     // the role may not do this
	ErrRateLimited  ErrorCode = "rate_limited"  // too many messages; slow down
	ErrTooLong      ErrorCode = "too_long"      // a text is over its limit
	ErrUnknown      ErrorCode = "unknown"       // no such member or agenda item
	ErrInvalidState ErrorCode = "invalid_state" // e.g. hand already raised, item not running
	ErrUnavailable  ErrorCode = "unavailable"   // the room's backend is unreachable; nothing was sent
)

// Close codes (RFC 6455 §7.4.2 private range), stable and documented.
const (
	// CloseSlowConsumer: the client did not read fast enough; its queue
	// overflowed. Reconnect with ?since= to catch up.
	CloseSlowConsumer = 4000
	// CloseRateLimited: the client kept sending after rate_limited errors.
	CloseRateLimited = 4008
	// CloseRemoved: a host removed the member; do not reconnect.
	CloseRemoved = 4003
	// CloseRoomUnavailable: the room could not be joined (backend down).
	CloseRoomUnavailable = 4010
	// CloseProtocol: the client sent frames the server cannot read (binary
	// where text is expected, or too many malformed messages).
	CloseProtocol = 4002
	// CloseNotStarted: a webinar in practice mode admits its stage and
	// interpreters only; an attendee retries (every 10 s or so) and enters
	// once a host started it.
	CloseNotStarted = 4011
)

// Limits.
const (
	// MaxFrame is the largest frame a client may send.
	MaxFrame = 16 << 10
	// MaxChat is the longest chat message, in characters.
	MaxChat = 2000
	// MaxName is the longest display name or institution, in characters.
	MaxName = 80
	// MaxEpoch is the longest epoch a client may send back (epochs are
	// 26 characters today: see broker.newEpoch).
	MaxEpoch = 64
)

// Envelope is every message on the wire. Client commands leave Seq and TS
// empty; the server fills them.
type Envelope struct {
	Type MsgType `json:"type"`
	Room string  `json:"room,omitempty"`
	// Seq is the room's sequence number of a state change: strictly
	// increasing per room; a client may see gaps (messages addressed to
	// others). Ephemeral messages and errors have none.
	Seq uint64 `json:"seq,omitempty"`
	// TS is when the server accepted the message, in Unix milliseconds.
	TS int64 `json:"ts,omitempty"`
	// ID is a client-chosen correlation ID, echoed in the error a command
	// may cause. At most 64 characters.
	ID string `json:"id,omitempty"`
	// From is the member ID of the message's author, if any.
	From string `json:"from,omitempty"`
	// To restricts delivery: "" is everyone, "hosts" the hosts and the
	// author, "interpreters" the interpreters and hosts, "booth:<lang>"
	// that booth's interpreters and the hosts; the server also uses
	// "staff" (hosts and interpreters).
	To   string          `json:"to,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	// Epoch names the log that Seq counts in (see Position); backends set
	// it on every logged message. It is not sent: clients learn it from
	// welcome and resume.
	Epoch string `json:"-"`
}

// Audience values of Envelope.To.
const (
	ToEveryone     = ""
	ToHosts        = "hosts"
	ToInterpreters = "interpreters"
	ToStaff        = "staff"
	// ToSpeaker is the hosts and whoever holds the floor; the server
	// addresses messages to it, clients cannot.
	ToSpeaker = "speaker"
	// ToBooth prefixes a booth's language: "booth:fr".
	ToBooth = "booth:"
	// ToStage is the hosts, the speakers (panelists) and the author: held
	// questions, draft polls (questions.go, polls.go). The server
	// addresses messages to it, clients cannot.
	ToStage = "stage"
)

// decodeCommand reads one client frame strictly: known fields only, a
// known command type, bounded sizes. The data payload is decoded later,
// per type, by the room.
func decodeCommand(frame []byte) (Envelope, *Error) {
	var env Envelope
	if len(frame) > MaxFrame {
		return env, errorf(ErrTooLong, "frame over %d bytes", MaxFrame)
	}
	if !utf8.Valid(frame) {
		return env, errorf(ErrBadMessage, "frame is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(frame))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Envelope{}, errorf(ErrBadMessage, "malformed message: %v", jsonProblem(err))
	}
	if dec.More() {
		return Envelope{}, errorf(ErrBadMessage, "one JSON object per frame")
	}
	if len(env.ID) > 64 {
		return Envelope{}, errorf(ErrBadMessage, "id over 64 characters")
	}
	if env.Seq != 0 || env.TS != 0 || env.From != "" {
		return env, errorf(ErrBadMessage, "seq, ts and from are set by the server")
	}
	if !slices.Contains(Commands, env.Type) {
		return env, errorf(ErrBadMessage, "unknown message type %q", clip(string(env.Type), 40))
	}
	if booth, ok := strings.CutPrefix(env.To, ToBooth); ok {
		if !langCode.MatchString(booth) {
			return env, errorf(ErrBadMessage, `to: "booth:" must be followed by a language code`)
		}
	} else if env.To != ToEveryone && env.To != ToHosts && env.To != ToInterpreters {
		return env, errorf(ErrBadMessage, `to must be "", "hosts", "interpreters" or "booth:<language>"`)
	}
	return env, nil
}

// decodeData reads a command's data into v strictly; absent data reads as {}.
func decodeData(raw json.RawMessage, v any) *Error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(ErrBadMessage, "data: %v", jsonProblem(err))
	}
	return nil
}

func jsonProblem(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return clip(msg, 120)
}

// Error is the data of an error message.
type Error struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
}

func (e *Error) Error() string { return "realtime: " + string(e.Code) + ": " + e.Message }

func errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// cleanText is the one rule for chat and captions: usertext.Clean in
// Block form (line breaks kept as LF; control characters, bidi overrides
// and isolates dropped; NFC; surrounding space trimmed).
func cleanText(s string) string { return usertext.Clean(s, usertext.Block) }

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("realtime: encode: " + err.Error())
	}
	return b
}
