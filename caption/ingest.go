package caption

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Post is one caption as a captioner sends it, parsed and checked on its
// own (not yet against a token or an event).
type Post struct {
	// Seq is the sender's sequence number, 0 to MaxSeq.
	Seq uint64
	// Lang is an ISO 639-1 code, lower case; empty when not given.
	Lang string
	// Speaker is the speaker's name; empty when not given.
	Speaker string
	// Text is the normalised caption (see Line.Text).
	Text string
}

// langParam accepts an ISO 639-1 code, optionally with BCP 47 subtags as
// Zoom's captioning clients send them ("en-US"): only the language is kept.
var langParam = regexp.MustCompile(`^[A-Za-z]{2}(-[A-Za-z0-9]{1,8}){0,3}$`)

// ParseIngest reads a caption POST as Zoom's third-party captioning API
// defines it: the caption is the body, plain UTF-8 text; the query
// carries "seq" (required, a decimal integer from 0 to MaxSeq, increasing
// with every caption), "lang" (optional: "fr", "en-US" is read as "en")
// and, a majlis extension, "speaker" (optional, the speaker's name). Each
// may be given once. Other parameters (Zoom's "id", "ns", a "token") are
// ignored here. body must be what the handler read with a limit of
// MaxBodyBytes+1 bytes, so that a longer one is refused and never cut.
//
// Errors are a *ValidationError naming "seq", "lang", "speaker" or "body".
func ParseIngest(query url.Values, body []byte) (Post, error) {
	p := problems{}
	var post Post
	single := func(name string) (string, bool) {
		vs := query[name]
		switch {
		case len(vs) == 0:
			return "", false
		case len(vs) > 1:
			p.add(name, "given %d times, at most once", len(vs))
			return "", false
		}
		return vs[0], true
	}
	if s, ok := single("seq"); !ok {
		p.add("seq", "required: the caption's sequence number, a whole number that increases with every caption")
	} else if n, err := strconv.ParseUint(s, 10, 64); err != nil || len(s) > 16 || strings.TrimLeft(s, "0123456789") != "" || n > MaxSeq {
		p.add("seq", "must be a whole number from 0 to %d", uint64(MaxSeq))
	} else {
		post.Seq = n
	}
	if s, ok := single("lang"); ok {
		if len(s) > 35 || !langParam.MatchString(s) {
			p.add("lang", "must be an ISO 639-1 language code such as ar, en, fr, es")
		} else {
			post.Lang = strings.ToLower(s[:2])
		}
	}
	if s, ok := single("speaker"); ok {
		s = strings.TrimSpace(s)
		if why := controlProblem(s, false); why != "" {
			p.add("speaker", "%s", why)
		} else if n := utf8.RuneCountInString(s); n > MaxSpeakerRunes {
			p.add("speaker", "too long: %d characters, at most %d", n, MaxSpeakerRunes)
		} else {
			post.Speaker = s
		}
	}
	switch {
	case len(body) > MaxBodyBytes:
		p.add("body", "too long: more than %d bytes", MaxBodyBytes)
	case !utf8.Valid(body):
		p.add("body", "not valid UTF-8")
	default:
		text := normaliseText(string(body))
		if why := controlProblem(text, true); why != "" {
			p.add("body", "%s", why)
		} else if text == "" {
			p.add("body", "required: the caption's text, as text/plain in UTF-8")
		} else if n := utf8.RuneCountInString(text); n > MaxTextRunes {
			p.add("body", "too long: %d characters, at most %d", n, MaxTextRunes)
		} else if n := strings.Count(text, "\n") + 1; n > MaxTextLines {
			p.add("body", "too many lines: %d, at most %d", n, MaxTextLines)
		} else {
			post.Text = text
		}
	}
	if err := p.err(); err != nil {
		return Post{}, err
	}
	return post, nil
}
