package server_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestLocationAndSpeakersAreMultilingual: location and speakers are text
// objects like titles, with the same fallback and lang marking on pages; a
// plain string, as clients sent before, is read as English (issue 11.23).
func TestLocationAndSpeakersAreMultilingual(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(strings.Replace(consultation, `"status":"published"`, `"status":"published","location":{"en":"Online","fr":"En ligne","ar":"عبر الإنترنت"}`, 1), f.alice)
	f.create(strings.NewReplacer(`"hrd-consultation"`, `"plain-location"`, `"status":"published"`, `"status":"published","location":"Palais Wilson, Geneva"`).Replace(consultation), f.alice)
	r := f.do(req{method: "PUT", path: "/api/v1/events/hrd-consultation/agenda", token: f.alice, header: map[string]string{"If-Match": "*"},
		body: `{"items":[{"title":{"en":"Welcome and opening"},"start":"2021-07-01T14:30:00Z","duration":15,"kind":"opening",
		 "speakers":[{"en":"OHCHR","fr":"HCDH","es":"ACNUDH"},"UNDP"]}]}`})
	if r.status != 200 {
		t.Fatalf("put agenda: %d %s", r.status, r.body)
	}
	f.release("hrd-consultation", f.alice) // the page shows the published agenda
	var ag struct {
		Items []struct{ Speakers []map[string]string } `json:"items"`
	}
	if err := json.Unmarshal(r.body, &ag); err != nil || !reflect.DeepEqual(ag.Items[0].Speakers, []map[string]string{{"en": "OHCHR", "fr": "HCDH", "es": "ACNUDH"}, {"en": "UNDP"}}) {
		t.Fatalf("speakers: %s", r.body)
	}
	var ev struct{ Location map[string]string }
	r = f.do(req{method: "GET", path: "/api/v1/events/plain-location"})
	if err := json.Unmarshal(r.body, &ev); err != nil || !reflect.DeepEqual(ev.Location, map[string]string{"en": "Palais Wilson, Geneva"}) {
		t.Fatalf("a plain location: %s", r.body)
	}
	r = f.do(req{method: "PATCH", path: "/api/v1/events/plain-location", token: f.alice, body: `{"location":{"fr":"Palais Wilson, Genève"}}`, header: map[string]string{"If-Match": "*"}})
	ev.Location = nil
	if err := json.Unmarshal(r.body, &ev); err != nil || !reflect.DeepEqual(ev.Location, map[string]string{"en": "Palais Wilson, Geneva", "fr": "Palais Wilson, Genève"}) {
		t.Fatalf("location merged per language: %s", r.body)
	}
	r = f.do(req{method: "PATCH", path: "/api/v1/events/plain-location", token: f.alice, body: `{"location":null}`, header: map[string]string{"If-Match": "*"}})
	ev.Location = nil
	if err := json.Unmarshal(r.body, &ev); err != nil || len(ev.Location) != 2 {
		t.Fatalf("location null changes nothing: %s", r.body)
	}
	r = f.do(req{method: "PATCH", path: "/api/v1/events/plain-location", token: f.alice, body: `{"location":{"de":"Genf"}}`, header: map[string]string{"If-Match": "*"}})
	if _, fields := errorOf(t, r); r.status != 422 || fields["location.de"] == "" {
		t.Fatalf("an unknown language: %d %s", r.status, r.body)
	}
	tests := []struct{ lang, location, speakers string }{
		{"fr", `<dd>En ligne</dd>`, `HCDH, <span lang="en" dir="ltr">UNDP</span>`},
		{"es", `<dd><span lang="en" dir="ltr">Online</span></dd>`, `ACNUDH, <span lang="en" dir="ltr">UNDP</span>`},
		{"ar", `<dd>عبر الإنترنت</dd>`, `<span lang="en" dir="ltr">UNDP</span>`},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			r := f.do(req{method: "GET", path: "/events/hrd-consultation?lang=" + tc.lang + "&tz=UTC"})
			if r.status != 200 || !strings.Contains(string(r.body), tc.location) || !strings.Contains(string(r.body), tc.speakers) {
				t.Fatalf("%d: want %s and %s in the page:\n%s", r.status, tc.location, tc.speakers, r.body)
			}
		})
	}
}
