package caption

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/majlis/majlis/internal/usertext"
)

// Cue timing defaults (see Timing).
const (
	// DefaultCueDuration is how long the last cue of a channel is shown.
	DefaultCueDuration = 4 * time.Second
	// MaxCueDuration is the longest a cue is shown before a pause.
	MaxCueDuration = 7 * time.Second
	// minCueStep keeps cue start times strictly increasing: the WebVTT
	// syntax wants every cue's end after its start, and a cue that ends
	// where the next starts.
	minCueStep = time.Millisecond
)

// Timing says how long cues are shown.
type Timing struct {
	// Default is how long the last cue is shown. Default:
	// DefaultCueDuration; never more than Max.
	Default time.Duration
	// Max is the longest a cue is shown when the next one comes later.
	// Default: MaxCueDuration.
	Max time.Duration
}

// Cue is one caption placed on the session's time line.
type Cue struct {
	// ID is the cue identifier: the line's Pos, in decimal.
	ID string
	// Start and End are offsets from the session's start.
	Start, End time.Duration
	// Speaker is the speaker's name on one line, possibly empty.
	Speaker string
	// Lines are the caption's lines, none blank.
	Lines []string
}

// Cues places lines (of one channel) on the time line of a session that
// started at start: lines are taken in Pos order; a line received before
// the start is at 0; start times strictly increase (a line received at
// the same millisecond as the one before, or earlier by another
// instance's clock, is moved one millisecond after it); each cue ends
// when the next starts, but after at most Max, and the last one after
// Default. Cues never overlap. Lines whose text is blank once cleaned are
// left out; control characters are removed from text and names (text
// from any source is safe to write).
func Cues(lines []Line, start time.Time, tm Timing) []Cue {
	if tm.Max <= 0 {
		tm.Max = MaxCueDuration
	}
	if tm.Default <= 0 {
		tm.Default = DefaultCueDuration
	}
	tm.Default = min(tm.Default, tm.Max)
	sorted := slices.Clone(lines)
	slices.SortStableFunc(sorted, func(a, b Line) int { return cmp.Compare(a.Pos, b.Pos) })
	cues := make([]Cue, 0, len(sorted))
	for _, l := range sorted {
		text := cleanLines(l.Text)
		if len(text) == 0 {
			continue
		}
		at := max(l.Received.Sub(start).Truncate(time.Millisecond), 0)
		if n := len(cues); n > 0 && at < cues[n-1].Start+minCueStep {
			at = cues[n-1].Start + minCueStep
		}
		cues = append(cues, Cue{ID: strconv.FormatUint(l.Pos, 10), Start: at,
			Speaker: cleanName(l.Speaker), Lines: text})
	}
	for i := range cues {
		end := cues[i].Start + tm.Default
		if i+1 < len(cues) {
			end = min(cues[i+1].Start, cues[i].Start+tm.Max)
		}
		cues[i].End = end
	}
	return cues
}

// clean makes one line acceptable under the one rule for user text
// (tabs and line breaks become spaces).
func clean(s string) string { return usertext.Clean(s, usertext.Line) }

// cleanLines splits text into trimmed, non-blank, clean lines.
func cleanLines(text string) []string {
	var out []string
	// Normalize writes every line break (CR LF, CR, NEL, U+2028, U+2029)
	// as LF.
	for _, l := range strings.Split(usertext.Normalize(text), "\n") {
		if l = strings.TrimSpace(clean(l)); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// cleanName puts a speaker's name on one line: line breaks become spaces.
func cleanName(name string) string {
	return strings.Join(strings.Fields(strings.Join(cleanLines(name), " ")), " ")
}

// vttEscaper escapes cue text and annotations: "&" and "<" must be
// escaped in WebVTT cue text, ">" is, so that "-->" never appears in a cue.
var vttEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Timestamp formats d as a WebVTT timestamp, hours first: two or more
// digits of hours (a session longer than 99 hours has three), then
// minutes, seconds and milliseconds (W3C WebVTT, "WebVTT timestamp").
func Timestamp(d time.Duration) string {
	d = max(d, 0)
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// WriteVTT writes lines (of one channel) as a W3C WebVTT file: the
// "WEBVTT" header, then one cue per caption (see Cues) with its
// identifier, its timings and its text, in a voice span
// ("<v Speaker>…</v>") when the speaker is known. Text and names are
// escaped ("&amp;", "&lt;", "&gt;"); no bidi control is added (Arabic
// stays as sent). Serve it as "text/vtt; charset=utf-8".
func WriteVTT(w io.Writer, lines []Line, start time.Time, tm Timing) error {
	bw := bufio.NewWriter(w)
	// The magic line is followed by two line terminators even when no
	// cue follows; each cue block by one blank line.
	bw.WriteString("WEBVTT\n\n")
	for _, c := range Cues(lines, start, tm) {
		fmt.Fprintf(bw, "%s\n%s --> %s\n", c.ID, Timestamp(c.Start), Timestamp(c.End))
		if c.Speaker != "" {
			bw.WriteString("<v " + vttEscaper.Replace(c.Speaker) + ">")
		}
		for i, l := range c.Lines {
			if i > 0 {
				bw.WriteByte('\n')
			}
			bw.WriteString(vttEscaper.Replace(l))
		}
		if c.Speaker != "" {
			bw.WriteString("</v>")
		}
		bw.WriteString("\n\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("caption: write WebVTT: %w", err)
	}
	return nil
}

// WriteTranscript writes lines (of one channel) as plain text, one caption
// a line: "[HH:MM:SS] Speaker: text", or "[HH:MM:SS] text" when the
// speaker is unknown; a caption's lines are joined by spaces and times are
// those of the WebVTT cues, in whole seconds (hours grow past two digits).
// Serve it as "text/plain; charset=utf-8".
func WriteTranscript(w io.Writer, lines []Line, start time.Time) error {
	bw := bufio.NewWriter(w)
	for _, c := range Cues(lines, start, Timing{}) {
		s := int64(c.Start / time.Second)
		fmt.Fprintf(bw, "[%02d:%02d:%02d] ", s/3600, s/60%60, s%60)
		if c.Speaker != "" {
			bw.WriteString(c.Speaker + ": ")
		}
		bw.WriteString(strings.Join(c.Lines, " "))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("caption: write transcript: %w", err)
	}
	return nil
}
