package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUserTextOverTheAPI checks internal/usertext's rule at the API: a
// description sent with CR LF (as Windows clients do) is stored with LF,
// and a bidi override or isolate in a field the sender can correct is a
// 422 naming the field.
func TestUserTextOverTheAPI(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	// No "id": the server assigns one.
	event := func(mut string) string {
		return strings.Replace(consultation, `"id":"hrd-consultation",`, mut, 1)
	}
	tests := []struct {
		name   string
		req    req
		status int
		field  string
		check  func(t *testing.T, body []byte)
	}{
		{name: "CRLF in a description", req: req{method: "POST", path: "/api/v1/events", token: f.alice,
			body: event(`"description":{"en":"Line one\r\nline two\rline three\r\n"},`)}, status: http.StatusCreated,
			check: func(t *testing.T, body []byte) {
				var e struct{ Description map[string]string }
				mustUnmarshal(t, body, &e)
				if got := e.Description["en"]; got != "Line one\nline two\nline three" {
					t.Fatalf("description stored as %q", got)
				}
			}},
		{name: "bidi override in a title", req: req{method: "POST", path: "/api/v1/events", token: f.alice,
			body: strings.Replace(event(""), `"en":"Consultation on`, `"en":"Report \u202efdp.exe on`, 1)}, status: http.StatusUnprocessableEntity, field: "title.en"},
		{name: "bidi isolate in a location", req: req{method: "POST", path: "/api/v1/events", token: f.alice,
			body: event(`"location":{"fr":"\u2067Genève\u2069"},`)}, status: http.StatusUnprocessableEntity, field: "location.fr"},
		{name: "bidi override in an invitee's name", req: req{method: "POST", path: "/api/v1/events/" + roomEvent + "/invites", token: f.alice,
			body: `{"role":"participant","name":"Amina \u202eteg","languages":["fr"]}`}, status: http.StatusUnprocessableEntity, field: "name"},
		{name: "bidi override in an invitee's institution", req: req{method: "POST", path: "/api/v1/events/" + roomEvent + "/invites", token: f.alice,
			body: `{"role":"participant","name":"Amina","institution":"\u202bCNDH","languages":["fr"]}`}, status: http.StatusUnprocessableEntity, field: "institution"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(tc.req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.field != "" {
				if _, fields := errorOf(t, r); fields[tc.field] == "" {
					t.Fatalf("no error on %q: %v", tc.field, fields)
				}
			}
			if tc.check != nil {
				tc.check(t, r.body)
			}
		})
	}
}

// TestDisplayNameIsCleaned checks that a display name typed to join a
// room follows the same rule as chat: what could disguise it (a bidi
// override or isolate, control characters, line breaks) is dropped rather
// than shown to everyone in the room.
func TestDisplayNameIsCleaned(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	tests := []struct{ given, want string }{
		{"Eve \u202egnp.exe", "Eve gnp.exe"},
		{"\u2067Organizer\u2069 Eve", "Organizer Eve"},
		{"Eve\r\nHost", "Eve Host"},
		{"  \u200fأمينة\u200f  ", "\u200fأمينة\u200f"},
		{"Jose\u0301", "Jos\u00e9"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, welcome := f.join(tc.want, "name="+url.QueryEscape(tc.given))
			var w struct {
				You struct{ Name string } `json:"you"`
			}
			if err := json.Unmarshal(welcome.Data, &w); err != nil {
				t.Fatal(err)
			}
			if w.You.Name != tc.want {
				t.Fatalf("joined as %q, want %q", w.You.Name, tc.want)
			}
		})
	}
	// A name with nothing left is still refused.
	_, res, err := f.dialRaw("name="+url.QueryEscape("\u202e\x00"), http.Header{"Origin": {"https://majlis.example.org"}})
	if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a name of controls only: %v %v", res, err)
	}
}
