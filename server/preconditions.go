package server

import (
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// One precondition check (RFC 9110 §13) for every conditional request
// majlis answers: feeds, pages' assets and the API. Model: net/http's
// fs.go checkPreconditions.

// condResult is what the preconditions of a request ask for.
type condResult int

const (
	// condProceed: answer the request as if it had no preconditions.
	condProceed condResult = iota
	// condNotModified: answer 304 Not Modified (a GET or HEAD whose
	// client already holds the current representation).
	condNotModified
	// condFailed: answer 412 Precondition Failed.
	condFailed
)

// errPreconditionFailed answers a read whose If-Match or
// If-Unmodified-Since does not hold.
var errPreconditionFailed = &apiError{Status: http.StatusPreconditionFailed, Code: "precondition_failed",
	Message: "the resource does not match If-Match or If-Unmodified-Since; fetch it again"}

// conditional answers a GET or HEAD from its preconditions: 304, 412, or
// nil to send the representation.
func conditional(c echo.Context, etag string, lastModified time.Time) (done bool, err error) {
	switch checkPreconditions(c.Request(), etag, lastModified) {
	case condNotModified:
		return true, c.NoContent(http.StatusNotModified)
	case condFailed:
		return true, errPreconditionFailed
	}
	return false, nil
}

// checkPreconditions evaluates the preconditions of r against the current
// representation, in the order of RFC 9110 §13.2.2: If-Match (strong
// comparison, "*" for any), else If-Unmodified-Since; then If-None-Match
// (weak comparison, "*" for any), else — for GET and HEAD —
// If-Modified-Since. etag is the current strong entity tag, quoted ("" when
// there is none); lastModified is the current modification time (zero when
// unknown: date conditions are then ignored, §13.1.3, §13.1.4). Dates are
// compared to the second, as HTTP-dates carry no more.
func checkPreconditions(r *http.Request, etag string, lastModified time.Time) condResult {
	h := r.Header
	if im, ok := fieldList(h, "If-Match"); ok {
		if !etagListMatches(im, etag, true) {
			return condFailed
		}
	} else if ius, ok := fieldList(h, "If-Unmodified-Since"); ok && !lastModified.IsZero() {
		if t, err := http.ParseTime(ius); err == nil && lastModified.Truncate(time.Second).After(t) {
			return condFailed
		}
	}
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead
	if inm, ok := fieldList(h, "If-None-Match"); ok {
		if etagListMatches(inm, etag, false) {
			if safe {
				return condNotModified
			}
			return condFailed
		}
		return condProceed // If-Modified-Since is ignored (§13.1.3)
	}
	if ims, ok := fieldList(h, "If-Modified-Since"); ok && safe && !lastModified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !lastModified.Truncate(time.Second).After(t) {
			return condNotModified
		}
	}
	return condProceed
}

// fieldList returns the field's values joined as one list (a client may send
// a list over several lines, §5.3), and whether it was sent at all.
func fieldList(h http.Header, name string) (string, bool) {
	v, ok := h[textproto.CanonicalMIMEHeaderKey(name)]
	if !ok || len(v) == 0 {
		return "", false
	}
	return strings.Join(v, ","), true
}

// etagListMatches reports whether list — "*" or a comma-separated list of
// entity tags (§8.8.3) — matches current: "*" matches any current
// representation; a tag matches by strong comparison (both strong, same
// opaque tag) or weak comparison (same opaque tag, either may be weak,
// §8.8.3.2). A malformed list matches nothing.
func etagListMatches(list, current string, strong bool) bool {
	if current == "" {
		return false
	}
	cur, curWeak, ok := parseETag(current)
	if !ok {
		return false
	}
	for list = strings.TrimSpace(list); list != ""; {
		if list[0] == ',' {
			list = strings.TrimSpace(list[1:])
			continue
		}
		if list[0] == '*' {
			return true
		}
		tag, weak, rest, ok := scanETag(list)
		if !ok {
			return false
		}
		if tag == cur && (!strong || (!weak && !curWeak)) {
			return true
		}
		list = strings.TrimSpace(rest)
	}
	return false
}

// etags returns the entity tags of an If-Match or If-None-Match value in
// order, each with its weakness; star reports "*". A malformed value gives
// the tags before the fault.
func etags(list string) (tags []string, weak []bool, star bool) {
	for list = strings.TrimSpace(list); list != ""; {
		if list[0] == ',' {
			list = strings.TrimSpace(list[1:])
			continue
		}
		if list[0] == '*' {
			return tags, weak, true
		}
		tag, w, rest, ok := scanETag(list)
		if !ok {
			break
		}
		tags, weak = append(tags, tag), append(weak, w)
		list = strings.TrimSpace(rest)
	}
	return tags, weak, false
}

// parseETag parses one whole entity tag.
func parseETag(s string) (opaque string, weak, ok bool) {
	opaque, weak, rest, ok := scanETag(strings.TrimSpace(s))
	return opaque, weak, ok && strings.TrimSpace(rest) == ""
}

// scanETag reads one entity tag (§8.8.3: [ "W/" ] DQUOTE *etagc DQUOTE)
// from the start of s and returns its opaque tag (quotes included, so that
// "" and a missing tag differ), its weakness and what follows.
func scanETag(s string) (opaque string, weak bool, rest string, ok bool) {
	if strings.HasPrefix(s, "W/") {
		weak, s = true, s[2:]
	}
	if len(s) < 2 || s[0] != '"' {
		return "", false, "", false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[:i+1], weak, s[i+1:], true
		case c == 0x21 || 0x23 <= c && c <= 0x7e || c >= 0x80: // etagc
		default:
			return "", false, "", false
		}
	}
	return "", false, "", false
}
