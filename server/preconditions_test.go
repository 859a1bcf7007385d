package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCheckPreconditions: RFC 9110 §13 — lists, weak comparison for
// If-None-Match, strong for If-Match, "*", dates ignored where a tag
// condition is present, evaluation order §13.2.2.
func TestCheckPreconditions(t *testing.T) {
	t.Parallel()
	const cur = `"abc"`
	mod := time.Date(2027, 3, 1, 10, 0, 0, 500, time.UTC) // sub-second part ignored
	before, at, after := mod.Add(-time.Hour).Format(http.TimeFormat), mod.Format(http.TimeFormat), mod.Add(time.Hour).Format(http.TimeFormat)
	tests := []struct {
		name    string
		method  string
		header  map[string][]string
		etag    string
		lastMod time.Time
		expect  condResult
	}{
		{"no preconditions", "GET", nil, cur, mod, condProceed},
		{"If-None-Match same tag", "GET", map[string][]string{"If-None-Match": {cur}}, cur, mod, condNotModified},
		{"If-None-Match other tag", "GET", map[string][]string{"If-None-Match": {`"abd"`}}, cur, mod, condProceed},
		{"If-None-Match in a list", "GET", map[string][]string{"If-None-Match": {`"x", "abc" ,"y"`}}, cur, mod, condNotModified},
		{"If-None-Match list over two lines", "GET", map[string][]string{"If-None-Match": {`"x"`, `"abc"`}}, cur, mod, condNotModified},
		{"If-None-Match weak matches weakly", "GET", map[string][]string{"If-None-Match": {`W/"abc"`}}, cur, mod, condNotModified},
		{"If-None-Match star", "GET", map[string][]string{"If-None-Match": {"*"}}, cur, mod, condNotModified},
		{"If-None-Match substring is no match", "GET", map[string][]string{"If-None-Match": {`"xabcx"`}}, cur, mod, condProceed},
		{"If-None-Match unquoted is no match", "GET", map[string][]string{"If-None-Match": {`abc`}}, cur, mod, condProceed},
		{"If-None-Match whole header string once", "GET", map[string][]string{"If-None-Match": {`"abc", "def"`}}, cur, mod, condNotModified},
		{"If-None-Match on HEAD", "HEAD", map[string][]string{"If-None-Match": {cur}}, cur, mod, condNotModified},
		{"If-None-Match on a write", "PUT", map[string][]string{"If-None-Match": {"*"}}, cur, mod, condFailed},
		{"If-None-Match wins over If-Modified-Since", "GET", map[string][]string{"If-None-Match": {`"old"`}, "If-Modified-Since": {after}}, cur, mod, condProceed},
		{"If-Modified-Since at the time", "GET", map[string][]string{"If-Modified-Since": {at}}, cur, mod, condNotModified},
		{"If-Modified-Since after", "GET", map[string][]string{"If-Modified-Since": {after}}, cur, mod, condNotModified},
		{"If-Modified-Since before", "GET", map[string][]string{"If-Modified-Since": {before}}, cur, mod, condProceed},
		{"If-Modified-Since unreadable", "GET", map[string][]string{"If-Modified-Since": {"yesterday"}}, cur, mod, condProceed},
		{"If-Modified-Since without a time", "GET", map[string][]string{"If-Modified-Since": {after}}, cur, time.Time{}, condProceed},
		{"If-Modified-Since on a write", "POST", map[string][]string{"If-Modified-Since": {after}}, cur, mod, condProceed},
		{"If-Match same tag", "GET", map[string][]string{"If-Match": {cur}}, cur, mod, condProceed},
		{"If-Match in a list", "PUT", map[string][]string{"If-Match": {`"x", "abc"`}}, cur, mod, condProceed},
		{"If-Match other tag", "PUT", map[string][]string{"If-Match": {`"x"`}}, cur, mod, condFailed},
		{"If-Match weak never matches", "PUT", map[string][]string{"If-Match": {`W/"abc"`}}, cur, mod, condFailed},
		{"If-Match star", "PUT", map[string][]string{"If-Match": {"*"}}, cur, mod, condProceed},
		{"If-Match star without a representation", "PUT", map[string][]string{"If-Match": {"*"}}, "", mod, condFailed},
		{"If-Match malformed", "PUT", map[string][]string{"If-Match": {`"abc`}}, cur, mod, condFailed},
		{"If-Match wins over If-Unmodified-Since", "PUT", map[string][]string{"If-Match": {cur}, "If-Unmodified-Since": {before}}, cur, mod, condProceed},
		{"If-Unmodified-Since before", "PUT", map[string][]string{"If-Unmodified-Since": {before}}, cur, mod, condFailed},
		{"If-Unmodified-Since at the time", "PUT", map[string][]string{"If-Unmodified-Since": {at}}, cur, mod, condProceed},
		{"If-Match then If-None-Match", "GET", map[string][]string{"If-Match": {cur}, "If-None-Match": {cur}}, cur, mod, condNotModified},
		{"failed If-Match before If-None-Match", "GET", map[string][]string{"If-Match": {`"x"`}, "If-None-Match": {cur}}, cur, mod, condFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/", nil)
			for k, vs := range tt.header {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			if got := checkPreconditions(r, tt.etag, tt.lastMod); got != tt.expect {
				t.Fatalf("checkPreconditions = %d, want %d", got, tt.expect)
			}
		})
	}
}
