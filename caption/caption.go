package caption

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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

// controlProblem returns why s breaks the text rule, or "". The rule (one
// for speakers and caption text): valid UTF-8; no C0 or C1 control
// characters nor DEL, except the line feeds of multi-line text (callers
// normalise CR LF, CR and tabs first); no line or paragraph separators
// (U+2028, U+2029) and no bidi embeddings or overrides (U+202A–U+202E),
// which could make a caption display as something else. Bidi marks and
// isolates are allowed: Arabic captions may need them.
//
// It is local because no package the domain may import exports one yet
// (agenda's and realtime's rules are unexported); when a shared text
// package exists, this should become a call to it.
func controlProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
			r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') {
			return "contains control characters"
		}
	}
	return ""
}

// normaliseText turns CR LF and CR into LF and tabs into spaces, trims
// each line and drops blank ones (a blank line would end a WebVTT cue).
func normaliseText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\t", " ")
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}
