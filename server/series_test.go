package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
)

// TestSeriesBelongToTheirSecretariat: a series can be changed by the
// organizers of the secretariat it belongs to and by head office, nobody
// else (issue 11.7: a regional organizer wiped head office's standing
// "threats and reprisals" item). Series stored before they had owners
// belong to head office.
func TestSeriesBelongToTheirSecretariat(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	europe := f.regionalOrganizer("ENNHRI secretariat", agenda.RegionEurope)
	africa := f.regionalOrganizer("NANHRI secretariat", agenda.RegionAfrica)
	standing := `{"title":{"en":"Annual meeting"},"standing_items":[{"title":{"en":"Threats and reprisals against institutions"},"duration":30}]}`
	wipe := `{"title":{"en":"Annual meeting"},"standing_items":[]}`
	put := func(id, token, body string) resp {
		return f.do(req{method: "PUT", path: "/api/v1/series/" + id, token: token, body: body, header: map[string]string{"If-Match": "*"}})
	}
	if r := put("annual-meeting", f.alice, standing); r.status != 200 {
		t.Fatalf("head office creates: %d %s", r.status, r.body)
	}
	if r := put("ennhri-webinars", europe, standing); r.status != 200 || !strings.Contains(string(r.body), `"region":"europe"`) {
		t.Fatalf("Europe creates: %d %s", r.status, r.body)
	}
	// Stored before series had owners: head office's.
	if _, err := f.st.PutSeries(context.Background(), agenda.Series{ID: "legacy", Title: agenda.Text{"en": "Legacy"},
		StandingItems: []agenda.StandingItem{{Title: agenda.Text{"en": "Reprisals"}, Minutes: 15}}}, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, id, token string
		status          int
	}{
		{"a regional organizer on head office's series", "annual-meeting", europe, http.StatusForbidden},
		{"a regional organizer on a series without owner", "legacy", europe, http.StatusForbidden},
		{"another region's organizer", "ennhri-webinars", africa, http.StatusForbidden},
		{"the owning region's organizer", "ennhri-webinars", europe, http.StatusOK},
		{"head office on a region's series", "ennhri-webinars", f.bob, http.StatusOK},
		{"head office on a series without owner", "legacy", f.bob, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.do(req{method: "GET", path: "/api/v1/series/" + tc.id})
			r := put(tc.id, tc.token, wipe)
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.status)
			}
			after := f.do(req{method: "GET", path: "/api/v1/series/" + tc.id})
			if tc.status != 200 {
				errorOf(t, r)
				if string(after.body) != string(before.body) {
					t.Fatalf("a refused PUT changed the series: %s", after.body)
				}
				return
			}
			var ser struct{ Region string }
			if err := json.Unmarshal(after.body, &ser); err != nil || (ser.Region != "europe" && tc.id == "ennhri-webinars") {
				t.Fatalf("the owner changed hands: %s", after.body)
			}
		})
	}
	if r := f.do(req{method: "GET", path: "/api/v1/series"}); strings.Contains(string(r.body), `"owner"`) {
		t.Fatalf("anonymous callers see who created series: %s", r.body)
	}
}
