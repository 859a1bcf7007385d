package caption_test

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/majlis/majlis/caption"
)

// FuzzParseIngest feeds the ingest parser any query and body (seeds in
// testdata/fuzz/FuzzParseIngest). It must never panic; a refusal names
// one of its fields; an accepted caption keeps the limits, parses to
// itself again, and comes back unchanged through WebVTT under the strict
// grammar.
func FuzzParseIngest(f *testing.F) {
	f.Add("seq=1&lang=en-US", []byte("Hello."))
	f.Add("seq=2&lang=ar&speaker=%D9%81%D8%A7%D8%B7%D9%85%D8%A9", []byte("مرحبًا\r\n\r\nبكم"))
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		p, err := caption.ParseIngest(q, body)
		if err != nil {
			var ve *caption.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error %v is no validation error", err)
			}
			for f := range ve.Fields {
				if f != "seq" && f != "lang" && f != "speaker" && f != "body" {
					t.Fatalf("error names %q", f)
				}
			}
			return
		}
		if p.Seq > caption.MaxSeq || p.Text == "" || utf8.RuneCountInString(p.Text) > caption.MaxTextRunes ||
			strings.Count(p.Text, "\n") >= caption.MaxTextLines || !utf8.ValidString(p.Text) ||
			strings.Contains(p.Text, "\n\n") || strings.ContainsAny(p.Text, "\r\t\x00") ||
			utf8.RuneCountInString(p.Speaker) > caption.MaxSpeakerRunes || strings.ContainsAny(p.Speaker, "\r\n") ||
			(p.Lang != "" && len(p.Lang) != 2) {
			t.Fatalf("accepted %+v breaks a limit", p)
		}
		again, err := caption.ParseIngest(url.Values{"seq": {"1"}, "speaker": {p.Speaker}}, []byte(p.Text))
		if err != nil || again.Text != p.Text || again.Speaker != p.Speaker {
			t.Fatalf("not a fixed point: %+v, then %+v, %v", p, again, err)
		}
		var buf bytes.Buffer
		line := caption.Line{Speaker: p.Speaker, Text: p.Text, Pos: 1, Received: start}
		if err := caption.WriteVTT(&buf, []caption.Line{line}, start, caption.Timing{}); err != nil {
			t.Fatal(err)
		}
		cues, err := checkVTT(buf.Bytes())
		if err != nil {
			t.Fatalf("grammar: %v\n%s", err, buf.Bytes())
		}
		// Names are put on one line with single spaces; text comes back as sent.
		if len(cues) != 1 || cues[0].Text != p.Text || cues[0].Speaker != strings.Join(strings.Fields(p.Speaker), " ") {
			t.Fatalf("read back %+v from %+v\n%s", cues, p, buf.Bytes())
		}
	})
}
