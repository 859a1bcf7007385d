package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEveryAnswerCarriesSecurityHeaders: the security headers are on every
// answer, also those a middleware gives before any route runs (echo's body
// limit answered 413 without them) and errors of every kind.
func TestEveryAnswerCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	big := `{"kind":"webinar","title":{"en":"` + strings.Repeat("x", 2<<20) + `"}}`
	tests := []struct {
		name   string
		given  req
		expect int
	}{
		{name: "body over the limit", given: req{method: "POST", path: "/api/v1/events", body: big, token: f.alice}, expect: http.StatusRequestEntityTooLarge},
		{name: "body over the limit, anonymous", given: req{method: "POST", path: "/api/v1/events", body: big}, expect: http.StatusRequestEntityTooLarge},
		{name: "bad token", given: req{method: "GET", path: "/api/v1/events", token: "mjo_nope"}, expect: http.StatusUnauthorized},
		{name: "no such route", given: req{method: "GET", path: "/no/such/thing"}, expect: http.StatusNotFound},
		{name: "no such route, browser", given: req{method: "GET", path: "/no/such/thing", header: map[string]string{"Accept": "text/html"}}, expect: http.StatusNotFound},
		{name: "method not allowed", given: req{method: "DELETE", path: "/healthz"}, expect: http.StatusMethodNotAllowed},
		{name: "malformed JSON", given: req{method: "POST", path: "/api/v1/events", body: "{", token: f.alice}, expect: http.StatusBadRequest},
		{name: "success", given: req{method: "GET", path: "/healthz"}, expect: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := f.do(tt.given)
			if r.status != tt.expect {
				t.Fatalf("%d, want %d: %.200s", r.status, tt.expect, r.body)
			}
			for name, want := range map[string]string{
				"Content-Security-Policy": "default-src 'self'",
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := r.header.Get(name); !strings.Contains(got, want) {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
		})
	}
	// A body the client streams without Content-Length is cut off while
	// being read: the answer is still 413 with the headers.
	hr := httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(big))
	hr.ContentLength = -1
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+f.alice)
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, hr)
	if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("streamed body: %d, nosniff %q", rec.Code, rec.Header().Get("X-Content-Type-Options"))
	}
}
