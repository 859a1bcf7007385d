package caption_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// vttCue is a cue as the strict checker reads it back.
type vttCue struct {
	ID         string
	Start, End time.Duration
	// Speaker is the annotation of the cue's voice span, unescaped.
	Speaker string
	// Text is the cue text without tags, unescaped, lines joined by "\n".
	Text string
}

// Grammar of W3C WebVTT (https://www.w3.org/TR/webvtt1/), section 4
// "Syntax": the parts our writer may produce, checked strictly.
var (
	// "WebVTT timestamp": hours (two or more digits, optional when zero),
	// minutes and seconds (two digits, 0–59), thousandths (three digits).
	vttTimestamp = `(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})`
	// "WebVTT cue timings", then an optional settings list.
	vttTimings = regexp.MustCompile(`^` + vttTimestamp + `[ \t]+-->[ \t]+` + vttTimestamp + `((?:[ \t]+\S+)*)$`)
	// "WebVTT cue settings": name:value, each name once.
	vttSetting = regexp.MustCompile(`^(vertical|line|position|size|align|region):(\S+)$`)
	// Start tags of "WebVTT cue span start tag": name, classes,
	// annotation (required for v and lang).
	vttStartTag = regexp.MustCompile(`^<(c|i|b|u|ruby|rt|v|lang)((?:\.[^\s.<>&]+)*)(?:[ \t]([^>\n\r]*))?>`)
	vttEndTag   = regexp.MustCompile(`^</(c|i|b|u|ruby|rt|v|lang)>`)
	vttTimeTag  = regexp.MustCompile(`^<` + vttTimestamp + `>`)
	// Character references: the ones WebVTT names, and numeric ones.
	vttEntity = regexp.MustCompile(`^&(amp|lt|gt|lrm|rlm|nbsp|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});`)
)

func vttTime(m []string) time.Duration {
	var h int64
	if m[0] != "" {
		h, _ = strconv.ParseInt(m[0], 10, 64)
	}
	mi, _ := strconv.ParseInt(m[1], 10, 64)
	s, _ := strconv.ParseInt(m[2], 10, 64)
	ms, _ := strconv.ParseInt(m[3], 10, 64)
	return time.Duration(((h*60+mi)*60+s)*1000+ms) * time.Millisecond
}

func unescapeEntity(e string) string {
	switch e {
	case "&amp;":
		return "&"
	case "&lt;":
		return "<"
	case "&gt;":
		return ">"
	case "&lrm;":
		return "\u200e"
	case "&rlm;":
		return "\u200f"
	case "&nbsp;":
		return "\u00a0"
	}
	num := strings.TrimSuffix(strings.TrimPrefix(e, "&#"), ";")
	base := 10
	if strings.HasPrefix(num, "x") || strings.HasPrefix(num, "X") {
		num, base = num[1:], 16
	}
	n, _ := strconv.ParseInt(num, base, 32)
	return string(rune(n))
}

// unescapeText reads text with character references (annotations).
func unescapeText(s string) (string, error) {
	var b strings.Builder
	for s != "" {
		if s[0] == '&' {
			m := vttEntity.FindString(s)
			if m == "" {
				return "", fmt.Errorf("a bare & in %q", s)
			}
			b.WriteString(unescapeEntity(m))
			s = s[len(m):]
			continue
		}
		if s[0] == '<' || s[0] == '>' {
			return "", fmt.Errorf("an unescaped %c in %q", s[0], s)
		}
		b.WriteByte(s[0])
		s = s[1:]
	}
	return b.String(), nil
}

// checkCueText reads a cue's payload strictly: tags known and balanced
// (rt only inside ruby), annotations escaped, every & a reference, no
// "-->". It returns the first voice span's annotation and the text.
func checkCueText(payload string) (speaker, text string, err error) {
	if strings.Contains(payload, "-->") {
		return "", "", fmt.Errorf("cue text contains -->")
	}
	var stack []string
	var b strings.Builder
	s := payload
	voices := 0
	for s != "" {
		switch {
		case strings.HasPrefix(s, "</"):
			m := vttEndTag.FindStringSubmatch(s)
			if m == nil {
				return "", "", fmt.Errorf("malformed end tag at %q", s)
			}
			if len(stack) == 0 || stack[len(stack)-1] != m[1] {
				return "", "", fmt.Errorf("end tag </%s> closes %v", m[1], stack)
			}
			stack = stack[:len(stack)-1]
			s = s[len(m[0]):]
		case strings.HasPrefix(s, "<"):
			if m := vttTimeTag.FindString(s); m != "" {
				s = s[len(m):]
				continue
			}
			m := vttStartTag.FindStringSubmatch(s)
			if m == nil {
				return "", "", fmt.Errorf("malformed start tag at %q", s)
			}
			name, annotation := m[1], m[3]
			if (name == "v" || name == "lang") && strings.TrimSpace(annotation) == "" {
				return "", "", fmt.Errorf("<%s> without its annotation", name)
			}
			if name == "rt" && (len(stack) == 0 || stack[len(stack)-1] != "ruby") {
				return "", "", fmt.Errorf("<rt> outside <ruby>")
			}
			a, err := unescapeText(annotation)
			if err != nil {
				return "", "", fmt.Errorf("annotation of <%s>: %w", name, err)
			}
			if name == "v" {
				if voices == 0 {
					speaker = a
				}
				voices++
			}
			stack = append(stack, name)
			s = s[len(m[0]):]
		case s[0] == '&':
			m := vttEntity.FindString(s)
			if m == "" {
				return "", "", fmt.Errorf("a bare & at %q", s)
			}
			b.WriteString(unescapeEntity(m))
			s = s[len(m):]
		case s[0] == '>':
			// Allowed by the grammar, but our writer escapes it.
			return "", "", fmt.Errorf("an unescaped > at %q", s)
		default:
			b.WriteByte(s[0])
			s = s[1:]
		}
	}
	if len(stack) > 0 {
		return "", "", fmt.Errorf("tags left open: %v", stack)
	}
	return speaker, b.String(), nil
}

// checkVTT checks data against the WebVTT file grammar (section 4.1, "A
// WebVTT file body") strictly and returns its cues. Beyond the grammar it
// checks what the spec asks of authors: identifiers unique, start times
// never decreasing, each end after its start; and what our writer
// promises: cues of a channel never overlap.
func checkVTT(data []byte) ([]vttCue, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("not UTF-8")
	}
	s := string(data)
	if strings.ContainsRune(s, '\r') || strings.ContainsRune(s, 0) {
		return nil, fmt.Errorf("CR or NUL in the file (our writer uses LF only)")
	}
	s = strings.TrimPrefix(s, "\ufeff")
	magic, rest, ok := strings.Cut(s, "\n")
	if !ok || !(magic == "WEBVTT" || (strings.HasPrefix(magic, "WEBVTT ") || strings.HasPrefix(magic, "WEBVTT\t")) && !strings.Contains(magic, "-->")) {
		return nil, fmt.Errorf("first line %q is not the WEBVTT magic", magic)
	}
	if !strings.HasPrefix(rest, "\n") {
		return nil, fmt.Errorf("the magic line must be followed by two line terminators")
	}
	var cues []vttCue
	ids := map[string]bool{}
	for _, block := range strings.Split(rest, "\n\n") {
		block = strings.Trim(block, "\n")
		if block == "" {
			continue
		}
		lines := strings.Split(block, "\n")
		if strings.HasPrefix(lines[0], "NOTE") || strings.HasPrefix(lines[0], "STYLE") || strings.HasPrefix(lines[0], "REGION") {
			return nil, fmt.Errorf("unexpected %s block", lines[0])
		}
		var c vttCue
		if !strings.Contains(lines[0], "-->") {
			c.ID = lines[0]
			if c.ID == "" || ids[c.ID] {
				return nil, fmt.Errorf("cue identifier %q empty or not unique", c.ID)
			}
			ids[c.ID] = true
			lines = lines[1:]
		}
		if len(lines) < 2 {
			return nil, fmt.Errorf("cue %q: no timings or no text: %q", c.ID, block)
		}
		m := vttTimings.FindStringSubmatch(lines[0])
		if m == nil {
			return nil, fmt.Errorf("cue %q: malformed timings line %q", c.ID, lines[0])
		}
		for _, ts := range [][]string{m[1:5], m[5:9]} {
			if ts[0] != "" && ts[0][0] == '0' && len(ts[0]) > 2 {
				return nil, fmt.Errorf("cue %q: hours %q padded beyond two digits", c.ID, ts[0])
			}
		}
		c.Start, c.End = vttTime(m[1:5]), vttTime(m[5:9])
		seen := map[string]bool{}
		for _, set := range strings.Fields(m[9]) {
			sm := vttSetting.FindStringSubmatch(set)
			if sm == nil || seen[sm[1]] {
				return nil, fmt.Errorf("cue %q: bad or repeated setting %q", c.ID, set)
			}
			seen[sm[1]] = true
		}
		if c.End <= c.Start {
			return nil, fmt.Errorf("cue %q: end %v not after start %v", c.ID, c.End, c.Start)
		}
		if n := len(cues); n > 0 && c.Start < cues[n-1].Start {
			return nil, fmt.Errorf("cue %q starts at %v, before the cue before it (%v)", c.ID, c.Start, cues[n-1].Start)
		}
		if n := len(cues); n > 0 && c.Start < cues[n-1].End {
			return nil, fmt.Errorf("cue %q starts at %v, before the cue before it ends (%v)", c.ID, c.Start, cues[n-1].End)
		}
		for _, l := range lines[1:] {
			if l == "" || strings.Contains(l, "-->") {
				return nil, fmt.Errorf("cue %q: empty line or --> in its text", c.ID)
			}
		}
		var err error
		c.Speaker, c.Text, err = checkCueText(strings.Join(lines[1:], "\n"))
		if err != nil {
			return nil, fmt.Errorf("cue %q: %w", c.ID, err)
		}
		cues = append(cues, c)
	}
	return cues, nil
}

// python finds an interpreter with Debian's webvtt module:
// $MAJLIS_PYTHON, else python3 on PATH, else /usr/bin/python3 (where
// python3-webvtt installs it, when a pyenv or venv python3 comes first).
// Missing, the test fails with how to install it.
func python(t *testing.T) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if py := os.Getenv("MAJLIS_PYTHON"); py != "" {
		candidates = []string{py}
	}
	var tried []string
	for _, py := range candidates {
		out, err := exec.Command(py, "-c", "import webvtt").CombinedOutput()
		if err == nil {
			return py
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", py, err, bytes.TrimSpace(out)))
	}
	t.Fatalf("no python3 can import webvtt (%s): install Debian's python3-webvtt (sudo apt-get install python3-webvtt), or set MAJLIS_PYTHON; scripts/test does this", strings.Join(tried, "; "))
	return ""
}

// pyScript reads a WebVTT file with webvtt-py and prints its cues: the
// identifier, times in milliseconds, the voice annotation and the text
// without tags, both with character references resolved.
const pyScript = `
import html, json, re, sys, webvtt
out = []
for c in webvtt.read(sys.argv[1]):
    m = re.match(r'<v(?:\.[^ \t>]*)?[ \t]([^>]*)>', c.raw_text)
    out.append({"id": c.identifier or "",
                "start": round(c.start_in_seconds * 1000),
                "end": round(c.end_in_seconds * 1000),
                "speaker": html.unescape(m.group(1)) if m else "",
                "text": html.unescape(c.text)})
json.dump(out, sys.stdout, ensure_ascii=False)
`

// pyCues reads data with the independent parser.
func pyCues(t *testing.T, data []byte) []vttCue {
	t.Helper()
	path := filepath.Join(t.TempDir(), "captions.vtt")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python(t), "-c", pyScript, path).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("webvtt-py cannot read the file: %v: %s\n%s", err, stderr, data)
	}
	var got []struct {
		ID         string
		Start, End int64
		Speaker    string
		Text       string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("webvtt-py output: %v: %s", err, out)
	}
	cues := make([]vttCue, len(got))
	for i, g := range got {
		cues[i] = vttCue{ID: g.ID, Start: time.Duration(g.Start) * time.Millisecond,
			End: time.Duration(g.End) * time.Millisecond, Speaker: g.Speaker, Text: g.Text}
	}
	return cues
}

func TestCheckerRefusesBrokenFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
	}{
		{"no magic", "1\n00:00:01.000 --> 00:00:02.000\nhi\n\n"},
		{"magic without blank line", "WEBVTT\n1\n00:00:01.000 --> 00:00:02.000\nhi\n"},
		{"one-digit hours", "WEBVTT\n\n1\n0:00:01.000 --> 00:00:02.000\nhi\n"},
		{"comma decimal", "WEBVTT\n\n1\n00:00:01,000 --> 00:00:02.000\nhi\n"},
		{"minutes 60", "WEBVTT\n\n1\n00:60:01.000 --> 01:00:02.000\nhi\n"},
		{"no spaces around arrow", "WEBVTT\n\n1\n00:00:01.000-->00:00:02.000\nhi\n"},
		{"end before start", "WEBVTT\n\n1\n00:00:02.000 --> 00:00:01.000\nhi\n"},
		{"overlap", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nhi\n\n2\n00:00:02.000 --> 00:00:04.000\nho\n"},
		{"duplicate id", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nhi\n\n1\n00:00:02.000 --> 00:00:03.000\nho\n"},
		{"unknown setting", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 colour:red\nhi\n"},
		{"bare ampersand", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nR&D\n"},
		{"unbalanced tag", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v A>hi\n"},
		{"crossed tags", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<b><i>hi</b></i>\n"},
		{"voice without name", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v>hi</v>\n"},
		{"arrow in text", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\na --> b\n"},
		{"unescaped < in name", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v A<B>hi</v>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if cues, err := checkVTT([]byte(tc.file)); err == nil {
				t.Fatalf("checker accepted %q as %+v", tc.file, cues)
			}
		})
	}
	good := "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 align:start\n<v Ana &amp; Bo>hi <i>there</i> &lt;3</v>\n\n00:02.000 --> 100:00:00.000\nho\n"
	cues, err := checkVTT([]byte(good))
	if err != nil || len(cues) != 2 || cues[0].Speaker != "Ana & Bo" || cues[0].Text != "hi there <3" || cues[1].End != 100*time.Hour {
		t.Fatalf("checker on a good file: %+v, %v", cues, err)
	}
	if !slices.Equal([]string{cues[0].ID, cues[1].ID}, []string{"1", ""}) {
		t.Fatalf("ids %q %q", cues[0].ID, cues[1].ID)
	}
}
