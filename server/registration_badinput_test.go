package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRegistrationBadInput is the list of bad input for
// registration, through the API and the public form in French: a
// registration after the deadline, a forged or cancelled personal link, an
// oversized form (the whole body, one field, too many fields). Each is a
// clear error — the page in the person's language — and nothing is
// stored. (A full webinar puts the registrant on the waitlist, and a
// duplicate address is answered like a new one: TestRegistrationClosedAndFull
// and TestRegistrationMail.)
func TestRegistrationBadInput(t *testing.T) {
	f := newFixture(t)
	open, late := f.webinar(), f.webinar()
	f.setForm(open, "automatic", 0)
	deadline := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if r := f.do(req{method: "PUT", path: "/api/v1/events/" + late + "/registration", token: f.alice, header: map[string]string{"If-Match": "*"},
		body: `{"open":true,"approval":"automatic","email":"optional","retention_days":30,"deadline":"` + deadline + `","questions":[]}`}); r.status != http.StatusOK {
		t.Fatalf("a form whose deadline passed: %d %s", r.status, r.body)
	}
	_, cancelled := f.registerAs(open, "Cancelled", "", "fr")
	if r := f.do(req{method: "POST", path: "/r/" + cancelled.Token + "/cancel"}); r.status != http.StatusOK {
		t.Fatalf("cancel: %d", r.status)
	}
	valid := `{"name":"Nadia","language":"fr","answers":{"consent":{"consent":true}}}`
	form := func(name string, extra int) url.Values {
		v := url.Values{"name": {name}, "language": {"fr"}, "answers.consent": {"yes"}}
		for i := range extra {
			v.Add(fmt.Sprintf("x%d", i), "1")
		}
		return v
	}
	fr := map[string]string{"Accept-Language": "fr"}
	tests := []struct {
		name     string
		event    string
		api      *req
		page     *browserReq
		status   int
		code     string // the API's error code
		message  string // the page's message, in French
		notFound bool
	}{
		{name: "after the deadline (API)", event: late, api: &req{method: "POST", path: "/api/v1/events/" + late + "/registrations", body: valid},
			status: http.StatusConflict, code: "registration_deadline"},
		{name: "after the deadline (form)", event: late, page: &browserReq{method: "POST", path: "/events/" + late + "/register", form: form("Nadia", 0), header: fr},
			status: http.StatusConflict, message: "ne prend pas d’inscriptions"},
		{name: "a forged link", event: open, page: &browserReq{method: "GET", path: "/r/mjr_" + strings.Repeat("A", 52), header: fr},
			status: http.StatusNotFound, message: "Il n’y a rien à afficher"},
		{name: "a cancelled link, cancelled again", event: open, page: &browserReq{method: "POST", path: "/r/" + cancelled.Token + "/cancel", header: fr},
			status: http.StatusNotFound, message: "Il n’y a rien à afficher"},
		{name: "an oversized body (API)", event: open, api: &req{method: "POST", path: "/api/v1/events/" + open + "/registrations",
			body: `{"name":"` + strings.Repeat("n", 300<<10) + `","language":"fr"}`}, status: http.StatusRequestEntityTooLarge, code: "body_too_large"},
		{name: "an oversized form", event: open, page: &browserReq{method: "POST", path: "/events/" + open + "/register", form: form(strings.Repeat("n", 300<<10), 0), header: fr},
			status: http.StatusRequestEntityTooLarge, message: "trop volumineux"},
		{name: "a name over the limit (form)", event: open, page: &browserReq{method: "POST", path: "/events/" + open + "/register", form: form(strings.Repeat("n", 101), 0), header: fr},
			status: http.StatusUnprocessableEntity, message: "Veuillez corriger les champs"},
		{name: "too many fields (form)", event: open, page: &browserReq{method: "POST", path: "/events/" + open + "/register", form: form("Nadia", 500), header: fr},
			status: http.StatusBadRequest, message: "trop de champs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.listRegs(tc.event, ""))
			if tc.api != nil {
				r := f.do(*tc.api)
				code, _ := errorOf(t, r)
				if r.status != tc.status || code != tc.code {
					t.Fatalf("%d %s, want %d %s", r.status, r.body, tc.status, tc.code)
				}
			} else {
				res, body := f.browse(*tc.page)
				if res.StatusCode != tc.status || !strings.Contains(body, tc.message) || !strings.Contains(body, `lang="fr"`) {
					t.Fatalf("%d, want %d with %q in French:\n%s", res.StatusCode, tc.status, tc.message, body)
				}
			}
			if after := len(f.listRegs(tc.event, "")); after != before {
				t.Fatalf("a refusal stored something: %d → %d", before, after)
			}
		})
	}
}
