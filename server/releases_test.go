package server_test

import (
	"net/http"
)

// release publishes the draft agenda of event id as its next release,
// whatever the draft holds (If-Match *), as token.
func (f *fixture) release(id, token string) {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/agenda/releases", token: token, header: map[string]string{"If-Match": "*"}})
	if r.status != http.StatusCreated {
		f.t.Fatalf("release the agenda of %s: %d %s", id, r.status, r.body)
	}
}
