package caption_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/caption"
)

// start is the session's start in the writer tests.
var start = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

func ln(pos uint64, at time.Duration, speaker, text string) caption.Line {
	return caption.Line{Event: "consultation", Channel: "floor", Lang: "en", Speaker: speaker,
		Text: text, Token: "ctk_a", Seq: pos, Received: start.Add(at), Pos: pos}
}

const ms = time.Millisecond

// writerCases are the writer's tricky inputs and the cues expected back.
var writerCases = []struct {
	name  string
	lines []caption.Line
	want  []vttCue
}{
	{"no captions", nil, nil},
	{"two speakers",
		[]caption.Line{ln(1, 2*time.Second, "Nada Al-Nashif", "Welcome to the consultation."), ln(2, 5*time.Second, "Michel Forst", "Thank you.")},
		[]vttCue{{"1", 2 * time.Second, 5 * time.Second, "Nada Al-Nashif", "Welcome to the consultation."},
			{"2", 5 * time.Second, 9 * time.Second, "Michel Forst", "Thank you."}}},
	{"markup characters in a name",
		[]caption.Line{ln(1, 0, "A <b> & C > D", "x")},
		[]vttCue{{"1", 0, 4 * time.Second, "A <b> & C > D", "x"}}},
	{"an arrow in a name and in the text",
		[]caption.Line{ln(1, 0, "x --> y", "00:00:01.000 --> 00:00:02.000")},
		[]vttCue{{"1", 0, 4 * time.Second, "x --> y", "00:00:01.000 --> 00:00:02.000"}}},
	{"a name with line breaks and tabs",
		[]caption.Line{ln(1, 0, "Ana\nMaría\r\n\tLópez", "hola")},
		[]vttCue{{"1", 0, 4 * time.Second, "Ana María López", "hola"}}},
	{"no speaker, no voice span",
		[]caption.Line{ln(1, 0, "", "anonymous"), ln(2, time.Second, "  \n ", "blank name")},
		[]vttCue{{"1", 0, time.Second, "", "anonymous"}, {"2", time.Second, 5 * time.Second, "", "blank name"}}},
	{"markup and references in the text stay text",
		[]caption.Line{ln(1, 0, "B", "<i>not italic</i> &amp; R&D <3 &lt;")},
		[]vttCue{{"1", 0, 4 * time.Second, "B", "<i>not italic</i> &amp; R&D <3 &lt;"}}},
	{"blank lines and CR inside a caption",
		[]caption.Line{ln(1, 0, "C", "first\r\n\r\n   \n\nsecond\rthird")},
		[]vttCue{{"1", 0, 4 * time.Second, "C", "first\nsecond\nthird"}}},
	{"Arabic, right to left, as sent",
		[]caption.Line{ln(1, 90*time.Second, "السيدة فاطمة الزهراء", "مرحبًا بكم في مشاورة خطة العمل العالمية\nشكرًا جزيلًا")},
		[]vttCue{{"1", 90 * time.Second, 94 * time.Second, "السيدة فاطمة الزهراء", "مرحبًا بكم في مشاورة خطة العمل العالمية\nشكرًا جزيلًا"}}},
	{"emoji and combining marks",
		[]caption.Line{ln(1, 0, "👩🏽‍⚖️ Juge", "👋🏽 bonjour 🇫🇷 — e\u0301te\u0301")},
		[]vttCue{{"1", 0, 4 * time.Second, "👩🏽‍⚖️ Juge", "👋🏽 bonjour 🇫🇷 — \u00e9t\u00e9"}}}, // NFC
	{"control characters and bidi overrides are removed",
		[]caption.Line{ln(1, 0, "Eve\u202e", "a\x00b\x1bc\u009bd\u2028e\u2067f\u2069")},
		[]vttCue{{"1", 0, 4 * time.Second, "Eve", "abcd\nef"}}},
	{"a caption blank once cleaned is left out",
		[]caption.Line{ln(1, 0, "A", "\x01\x02\n\t"), ln(2, time.Second, "A", "kept")},
		[]vttCue{{"2", time.Second, 5 * time.Second, "A", "kept"}}},
	{"sessions longer than a day and than 99 hours",
		[]caption.Line{ln(1, 25*time.Hour+61*time.Second+5*ms, "", "day two"), ln(2, 100*time.Hour+1500*ms, "", "day five")},
		[]vttCue{{"1", 25*time.Hour + 61*time.Second + 5*ms, 25*time.Hour + 68*time.Second + 5*ms, "", "day two"},
			{"2", 100*time.Hour + 1500*ms, 100*time.Hour + 5500*ms, "", "day five"}}},
	{"before the start is clamped to 0",
		[]caption.Line{ln(1, -time.Hour, "", "early"), ln(2, -time.Second, "", "still early"), ln(3, 3*time.Second, "", "on time")},
		[]vttCue{{"1", 0, 1 * ms, "", "early"}, {"2", 1 * ms, 3 * time.Second, "", "still early"}, {"3", 3 * time.Second, 7 * time.Second, "", "on time"}}},
	{"same millisecond and a clock that steps back stay in Pos order, never overlapping",
		[]caption.Line{ln(1, 10*time.Second, "", "a"), ln(2, 10*time.Second, "", "b"), ln(3, 9*time.Second, "", "c"), ln(4, 10*time.Second+500*ms, "", "d")},
		[]vttCue{{"1", 10 * time.Second, 10*time.Second + 1*ms, "", "a"}, {"2", 10*time.Second + 1*ms, 10*time.Second + 2*ms, "", "b"},
			{"3", 10*time.Second + 2*ms, 10*time.Second + 500*ms, "", "c"}, {"4", 10*time.Second + 500*ms, 14*time.Second + 500*ms, "", "d"}}},
	{"a long pause caps the cue",
		[]caption.Line{ln(1, 0, "", "before the break"), ln(2, 20*time.Minute, "", "after")},
		[]vttCue{{"1", 0, 7 * time.Second, "", "before the break"}, {"2", 20 * time.Minute, 20*time.Minute + 4*time.Second, "", "after"}}},
	{"lines are taken in Pos order, identified by Pos; sub-millisecond times truncated",
		[]caption.Line{ln(9, 2*time.Second, "", "second"), ln(7, time.Second+999*time.Microsecond, "", "first")},
		[]vttCue{{"7", time.Second, 2 * time.Second, "", "first"}, {"9", 2 * time.Second, 6 * time.Second, "", "second"}}},
}

func TestWriteVTT(t *testing.T) {
	t.Parallel()
	for _, tc := range writerCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := caption.WriteVTT(&buf, tc.lines, start, caption.Timing{}); err != nil {
				t.Fatal(err)
			}
			got, err := checkVTT(buf.Bytes())
			if err != nil {
				t.Fatalf("the WebVTT grammar refuses the file: %v\n%s", err, buf.Bytes())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("strict checker read\n%+v\nwant\n%+v\nfile:\n%s", got, tc.want, buf.Bytes())
			}
			py := pyCues(t, buf.Bytes())
			if len(py) == 0 && len(tc.want) == 0 {
				py = nil
			}
			if !reflect.DeepEqual(py, tc.want) {
				t.Fatalf("webvtt-py read\n%+v\nwant\n%+v\nfile:\n%s", py, tc.want, buf.Bytes())
			}
			for _, r := range buf.String() {
				if r == '\u200e' || r == '\u200f' || r == '\u061c' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
					t.Fatalf("the writer put a bidi control %U in the file", r)
				}
			}
		})
	}
}

func TestWriteVTTTiming(t *testing.T) {
	t.Parallel()
	lines := []caption.Line{ln(1, 0, "", "a"), ln(2, time.Minute, "", "b")}
	tests := []struct {
		name   string
		timing caption.Timing
		want   [2]time.Duration // the two cues' ends
	}{
		{"defaults", caption.Timing{}, [2]time.Duration{7 * time.Second, time.Minute + 4*time.Second}},
		{"longer cues", caption.Timing{Default: 5 * time.Second, Max: 30 * time.Second}, [2]time.Duration{30 * time.Second, time.Minute + 5*time.Second}},
		{"the default never exceeds the maximum", caption.Timing{Default: time.Hour, Max: 2 * time.Second}, [2]time.Duration{2 * time.Second, time.Minute + 2*time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cues := caption.Cues(lines, start, tc.timing)
			if len(cues) != 2 || cues[0].End != tc.want[0] || cues[1].End != tc.want[1] {
				t.Fatalf("cues %+v, want ends %v", cues, tc.want)
			}
		})
	}
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		given time.Duration
		want  string
	}{
		{0, "00:00:00.000"},
		{-time.Second, "00:00:00.000"},
		{time.Hour + 2*time.Minute + 3*time.Second + 4*ms, "01:02:03.004"},
		{99*time.Hour + 59*time.Minute + 59*time.Second + 999*ms, "99:59:59.999"},
		{100 * time.Hour, "100:00:00.000"},
		{60 * 24 * time.Hour, "1440:00:00.000"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := caption.Timestamp(tc.given); got != tc.want {
				t.Fatalf("Timestamp(%v) = %q, want %q", tc.given, got, tc.want)
			}
		})
	}
}

func TestWriteTranscript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []caption.Line
		want  string
	}{
		{"none", nil, ""},
		{"speakers, anonymous, multi-line",
			[]caption.Line{ln(1, 61*time.Second+900*ms, "Nada", "Welcome."), ln(2, 2*time.Minute, "", "first\nsecond"), ln(3, -time.Minute, "x", "late pos, early clock")},
			"[00:01:01] Nada: Welcome.\n[00:02:00] first second\n[00:02:00] x: late pos, early clock\n"},
		{"names on one line, Arabic as sent",
			[]caption.Line{ln(1, time.Hour, "السيدة\nفاطمة", "مرحبًا")},
			"[01:00:00] السيدة فاطمة: مرحبًا\n"},
		{"past 99 hours",
			[]caption.Line{ln(1, 123*time.Hour+4*time.Minute+5*time.Second, "", "late")},
			"[123:04:05] late\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := caption.WriteTranscript(&buf, tc.lines, start); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Fatalf("transcript\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestWriteVTTLongChannel(t *testing.T) {
	t.Parallel()
	// A long channel over a 33-hour session: the grammar holds, and the
	// independent parser reads every cue back.
	var lines []caption.Line
	for i := range 3000 {
		lines = append(lines, ln(uint64(i+1), time.Duration(i)*40*time.Second+time.Duration(i%7)*ms, "Orateur "+strings.Repeat("é", i%5), "ligne <&> --> "+strings.Repeat("x", i%40)))
	}
	var buf bytes.Buffer
	if err := caption.WriteVTT(&buf, lines, start, caption.Timing{}); err != nil {
		t.Fatal(err)
	}
	got, err := checkVTT(buf.Bytes())
	if err != nil {
		t.Fatalf("the WebVTT grammar refuses the file: %v", err)
	}
	py := pyCues(t, buf.Bytes())
	if len(got) != len(lines) || !reflect.DeepEqual(py, got) {
		t.Fatalf("%d cues by the checker, %d by webvtt-py, want %d, equal", len(got), len(py), len(lines))
	}
}
