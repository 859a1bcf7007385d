package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRegistrationsPage: the organizer's page lists and filters
// registrations in four languages, and its forms (settings, approve,
// decline with a message, delete) work without scripts.
func TestRegistrationsPage(t *testing.T) {
	f := newFixture(t)
	id := f.webinar()
	ck := f.signIn(f.aliceID)
	csrf := f.csrf(ck)
	path := "/organizer/events/" + id + "/registrations"
	post := func(p string, form url.Values) *http.Response {
		t.Helper()
		form.Set("csrf", csrf)
		res, body := f.browse(browserReq{method: "POST", path: p, cookie: ck, form: form})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", p, res.StatusCode, body)
		}
		return res
	}
	f.setForm(id, "automatic", 2)
	// The settings form keeps the questions set through the API.
	post("/organizer/events/"+id+"/registration", url.Values{"version": {"1"}, "open": {"yes"}, "approval": {"manual"}, "capacity": {"10"},
		"retention_days": {"30"}, "email": {"optional"}, "pseudonyms": {"yes"}})
	_, amina := f.registerAs(id, "Amina", "amina@example.org", "fr")
	_, omar := f.registerAs(id, "Omar", "", "ar")
	if amina.Status != "pending" || omar.Status != "pending" {
		t.Fatalf("manual approval from the page's settings: %+v %+v", amina, omar)
	}
	for _, tc := range []struct{ lang, heading string }{{"en", "Registrations"}, {"fr", "Inscriptions"}, {"es", "Inscripciones"}, {"ar", "التسجيلات"}} {
		res, body := f.browse(browserReq{method: "GET", path: path + "?lang=" + tc.lang, cookie: ck})
		if res.StatusCode != http.StatusOK || !strings.Contains(body, tc.heading) || !strings.Contains(body, "Amina") || !strings.Contains(body, "Omar") {
			t.Fatalf("%s: %d %s", tc.lang, res.StatusCode, body)
		}
	}
	if _, body := f.browse(browserReq{method: "GET", path: path + "?q=omar", cookie: ck}); strings.Contains(body, "Amina") || !strings.Contains(body, "Omar") {
		t.Fatalf("filter: %s", body)
	}
	list := f.listRegs(id, "")
	post(path+"/"+list[0].ID+"/approve", url.Values{})
	post(path+"/"+list[1].ID+"/decline", url.Values{"message": {"Réservé aux INDH."}})
	if got := f.listRegs(id, ""); got[0].Status != "approved" || got[1].Status != "declined" || got[1].Message != "Réservé aux INDH." {
		t.Fatalf("after the forms: %+v", got)
	}
	post(path+"/"+list[1].ID+"/forget", url.Values{})
	if got := f.listRegs(id, ""); len(got) != 1 {
		t.Fatalf("after delete: %+v", got)
	}
	// Without a session: the sign-in page; without the CSRF token: refused.
	if res, _ := f.browse(browserReq{method: "GET", path: path}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed out: %d", res.StatusCode)
	}
	if res, _ := f.browse(browserReq{method: "POST", path: path + "/" + list[0].ID + "/forget", cookie: ck, form: url.Values{}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", res.StatusCode)
	}
}
