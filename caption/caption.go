package caption

import (
	"slices"
	"strings"
	"time"

	"github.com/majlis/majlis/internal/usertext"
)

// Limits on input. Every value a captioner sends is bounded.
const (
	// MaxTextRunes bounds one caption's text, in characters.
	MaxTextRunes = 1000
	// MaxTextLines bounds the lines of one caption (a caption is one or
	// two lines on screen; a few more are tolerated).
	MaxTextLines = 8
	// MaxBodyBytes bounds the request body a handler reads: 1,000
	// characters of four UTF-8 bytes plus line breaks. A handler reads at
	// most MaxBodyBytes+1 bytes and passes them on, so that a longer body
	// is refused rather than cut.
	MaxBodyBytes = 4*MaxTextRunes + 96
	// MaxSpeakerRunes bounds a speaker's name (as agenda.MaxSpeakerRunes).
	MaxSpeakerRunes = 200
	// MaxSeq is the highest sequence number: the largest integer a JSON
	// number carries exactly, so room messages and pages never round it.
	MaxSeq = 1<<53 - 1
	// DefaultMaxLines is the default cap of lines kept per channel (see
	// Config.MaxLines): about ten hours of continuous captions.
	DefaultMaxLines = 20000
)

// Line is one caption as received and stored.
type Line struct {
	// Event is the event's ID.
	Event string `json:"event"`
	// Channel is "floor" or a language code: where the caption is shown.
	Channel string `json:"channel"`
	// Lang is the ISO 639-1 language of Text.
	Lang string `json:"lang"`
	// Speaker is the speaker's name as the captioner gave it; empty when
	// unknown.
	Speaker string `json:"speaker,omitempty"`
	// Text is the caption: one to MaxTextLines non-blank lines joined by
	// "\n", at most MaxTextRunes characters, no other control characters.
	Text string `json:"text"`
	// Token is the ID (not the secret) of the caption token that sent it.
	Token string `json:"token"`
	// Seq is the sender's sequence number (per event, channel and token).
	Seq uint64 `json:"seq"`
	// Received is when the server received it (server clock, UTC,
	// millisecond precision).
	Received time.Time `json:"received"`
	// Pos is the ordering key: assigned by the Store on append, 1 for a
	// channel's first line, then one more per line stored; never reused,
	// even after old lines are dropped. Lines of a channel are ordered by
	// Pos, not by Received (instances' clocks may disagree).
	Pos uint64 `json:"pos"`
}

// ValidChannel reports whether ch is a caption channel among langs: the
// floor or one of the languages.
func ValidChannel(ch string, langs []string) bool {
	return ch == Floor || slices.Contains(langs, ch)
}

// Floor is the channel of the original speech (as interpretation.Floor).
const Floor = "floor"

// controlProblem returns why s breaks the one rule for user text
// (package usertext: no control characters, no bidirectional overrides or
// isolates; line feeds only where multiline), or "". Lengths are checked
// by the callers, with their own limits.
func controlProblem(s string, multiline bool) string {
	f := usertext.Line
	if multiline {
		f = usertext.Block
	}
	return usertext.Problem(s, f, usertext.Len(s))
}

// normaliseText turns CR LF and CR into LF and tabs into spaces, trims
// each line and drops blank ones (a blank line would end a WebVTT cue).
func normaliseText(s string) string {
	s = strings.ReplaceAll(usertext.Normalize(s), "\t", " ")
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}
