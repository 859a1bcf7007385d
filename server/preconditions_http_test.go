package server_test

import (
	"net/http"
	"testing"
)

// TestAPIPreconditions: the API reads If-None-Match and If-Match with the
// one precondition check (RFC 9110 §13): a list of tags, weak comparison
// for If-None-Match, strong for If-Match; writes keep their rules (428
// without If-Match, 412 when stale).
func TestAPIPreconditions(t *testing.T) {
	f := newFixture(t)
	id, _ := f.create(consultation, f.alice)["id"].(string)
	path := "/api/v1/events/" + id
	tag := f.do(req{method: "GET", path: path}).header.Get("ETag")
	reads := []struct {
		name   string
		header map[string]string
		expect int
	}{
		{"own tag", map[string]string{"If-None-Match": tag}, http.StatusNotModified},
		{"in a list", map[string]string{"If-None-Match": `"e999", ` + tag}, http.StatusNotModified},
		{"weak", map[string]string{"If-None-Match": "W/" + tag}, http.StatusNotModified},
		{"star", map[string]string{"If-None-Match": "*"}, http.StatusNotModified},
		{"other tag", map[string]string{"If-None-Match": `"e999"`}, http.StatusOK},
		{"If-Match other tag", map[string]string{"If-Match": `"e999"`}, http.StatusPreconditionFailed},
	}
	for _, tt := range reads {
		t.Run("GET "+tt.name, func(t *testing.T) {
			if r := f.do(req{method: "GET", path: path, header: tt.header}); r.status != tt.expect {
				t.Fatalf("%v: %d, want %d", tt.header, r.status, tt.expect)
			}
		})
	}
	writes := []struct {
		name   string
		header map[string]string
		expect int
	}{
		{"no If-Match", nil, http.StatusPreconditionRequired},
		{"weak tag", map[string]string{"If-Match": "W/" + tag}, http.StatusPreconditionFailed},
		{"stale tag", map[string]string{"If-Match": `"e999"`}, http.StatusPreconditionFailed},
		{"own tag among others", map[string]string{"If-Match": `"a1", ` + tag + `, W/"e999"`}, http.StatusOK},
	}
	for _, tt := range writes {
		t.Run("PATCH "+tt.name, func(t *testing.T) {
			r := f.do(req{method: "PATCH", path: path, token: f.alice, header: tt.header, body: `{"location":"Geneva"}`})
			if r.status != tt.expect {
				t.Fatalf("%v: %d, want %d: %s", tt.header, r.status, tt.expect, r.body)
			}
		})
	}
}
