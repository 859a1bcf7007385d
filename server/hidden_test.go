package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// meetingBody is an annual meeting on 1 April 2027, 08:00–18:00 UTC.
func meetingBody(id, visibility string) string {
	return fmt.Sprintf(`{"id":%q,"kind":"annual-meeting","title":{"en":"Annual meeting 2027"},"start":"2027-04-01T08:00:00Z",
	 "end":"2027-04-01T18:00:00Z","timezone":"Europe/Zurich","region":"global","visibility":%q,"status":"published"}`, id, visibility)
}

// childBody is an event of kind on 1 April 2027 from start to end (hh:mm UTC).
func childBody(id, kind, parent, visibility, start, end string) string {
	p := ""
	if parent != "" {
		p = fmt.Sprintf(`"parent":%q,`, parent)
	}
	return fmt.Sprintf(`{"id":%q,"kind":%q,%s"title":{"en":"Webinar %s"},"start":"2027-04-01T%s:00Z","end":"2027-04-01T%s:00Z",
	 "timezone":"Europe/Zurich","region":"europe","visibility":%q,"status":"published"}`, id, kind, p, id, start, end, visibility)
}

// TestHiddenParentAnswersLikeAMissingOne: naming as parent a meeting the
// caller may not see gets exactly the answer a meeting that does not exist
// gets (issue 11.1: PATCH used to attach to it, or tell its times).
func TestHiddenParentAnswersLikeAMissingOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(meetingBody("am-secret", "confidential"), f.alice)
	f.create(childBody("bob-web", "webinar", "", "public", "10:00", "11:00"), f.bob)
	tests := []struct {
		name, method, path, body string
	}{
		{"patch inside its times", "PATCH", "/api/v1/events/bob-web", `{"kind":"side-event","parent":%q}`},
		{"patch outside its times", "PATCH", "/api/v1/events/bob-web", `{"kind":"side-event","parent":%q,"start":"2027-04-01T19:00:00Z","end":"2027-04-01T20:00:00Z"}`},
		{"create inside its times", "POST", "/api/v1/events", `{"kind":"side-event","parent":%q,"title":{"en":"x"},"start":"2027-04-01T10:00:00Z","end":"2027-04-01T11:00:00Z","timezone":"UTC","region":"europe"}`},
		{"create outside its times", "POST", "/api/v1/events", `{"kind":"side-event","parent":%q,"title":{"en":"x"},"start":"2027-04-01T19:00:00Z","end":"2027-04-01T20:00:00Z","timezone":"UTC","region":"europe"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ask := func(parent string) resp {
				return f.do(req{method: tc.method, path: tc.path, token: f.bob, body: fmt.Sprintf(tc.body, parent), header: map[string]string{"If-Match": "*"}})
			}
			missing, hidden := ask("am-missing"), ask("am-secret")
			if hidden.status != missing.status || string(hidden.body) != string(missing.body) {
				t.Fatalf("hidden parent: %d %s\nmissing parent: %d %s", hidden.status, hidden.body, missing.status, missing.body)
			}
			if missing.status != 422 || strings.Contains(string(hidden.body), "08:00") || strings.Contains(string(hidden.body), "am-secret") {
				t.Fatalf("%d %s", hidden.status, hidden.body)
			}
		})
	}
}

// TestHiddenSideEventsChangeNothing: a meeting's side events the caller
// may not see neither block a change of the meeting nor are named (issue
// 11.2: the error named and timed them).
func TestHiddenSideEventsChangeNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(meetingBody("am-2027", "public"), f.alice)
	f.create(meetingBody("am-empty", "public"), f.alice)
	f.create(childBody("reprisals-side", "side-event", "am-2027", "confidential", "16:00", "17:00"), f.alice)
	for _, step := range []struct{ method, body string }{
		{"PATCH", `{"end":"2027-04-01T12:00:00Z"}`},
		{"DELETE", ""},
	} {
		var got [2]resp
		for i, id := range []string{"am-2027", "am-empty"} {
			got[i] = f.do(req{method: step.method, path: "/api/v1/events/" + id, token: f.bob, body: step.body, header: map[string]string{"If-Match": "*"}})
		}
		if got[0].status != got[1].status || got[0].status != 200 {
			t.Fatalf("%s of a meeting with a hidden side event: %d %s; without: %d", step.method, got[0].status, got[0].body, got[1].status)
		}
	}
	// Its owner still sees it, in the meeting it belongs to.
	r := f.do(req{method: "GET", path: "/api/v1/events/reprisals-side", token: f.alice})
	var ev map[string]any
	if err := json.Unmarshal(r.body, &ev); err != nil || ev["parent"] != "am-2027" {
		t.Fatalf("owner's view: %d %s", r.status, r.body)
	}
}

// TestHiddenParentIsNotShown: a public side event of a confidential meeting
// shows no parent to whoever may not see the meeting, and listing by that
// parent answers as for an unknown one (issue 11.4).
func TestHiddenParentIsNotShown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(meetingBody("am-secret", "confidential"), f.alice)
	f.create(childBody("open-side", "side-event", "am-secret", "public", "10:00", "11:00"), f.alice)
	tests := []struct{ who, token, want string }{
		{"anonymous", "", ""},
		{"another organizer", f.bob, ""},
		{"the meeting's owner", f.alice, "am-secret"},
	}
	for _, tc := range tests {
		t.Run(tc.who, func(t *testing.T) {
			r := f.do(req{method: "GET", path: "/api/v1/events/open-side", token: tc.token})
			var ev struct{ Parent *string }
			if err := json.Unmarshal(r.body, &ev); err != nil || r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := ""; ev.Parent != nil {
				got = *ev.Parent
				if got != tc.want {
					t.Fatalf("parent %q, want %q", got, tc.want)
				}
			} else if tc.want != "" {
				t.Fatalf("no parent, want %q", tc.want)
			}
			list := f.do(req{method: "GET", path: "/api/v1/events?parent=am-secret", token: tc.token})
			unknown := f.do(req{method: "GET", path: "/api/v1/events?parent=am-unknown", token: tc.token})
			if tc.want == "" && string(list.body) != string(unknown.body) {
				t.Fatalf("?parent= of a hidden meeting: %s; of an unknown one: %s", list.body, unknown.body)
			}
			if tc.want != "" && !strings.Contains(string(list.body), "open-side") {
				t.Fatalf("the owner's listing by parent: %s", list.body)
			}
			if tc.want == "" && strings.Contains(string(r.body), "am-secret") {
				t.Fatalf("the hidden meeting's id shows: %s", r.body)
			}
		})
	}
}

// TestCreateCannotProbeIDs: IDs are assigned by the server; an id in a
// create is refused the same way whether an event (or source) the caller
// may not see has it or nobody does (issue 11.3: 409 for a hidden event's
// id, 201 for a free one).
func TestCreateCannotProbeIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(meetingBody("am-secret", "confidential"), f.alice)
	europe := f.regionalOrganizer("Europe", "europe")
	africa := f.regionalOrganizer("Africa", "africa")
	src := f.do(req{method: "POST", path: "/api/v1/sources", token: africa,
		body: `{"region":"africa","name":"NANHRI","kind":"ics","url":"https://nanhri.example/cal.ics"}`})
	if src.status != 201 {
		t.Fatalf("source: %d %s", src.status, src.body)
	}
	var made struct{ ID string }
	_ = json.Unmarshal(src.body, &made)
	tests := []struct {
		name, path, token, body, taken string
	}{
		{"event", "/api/v1/events", f.bob, `{"id":%q,"kind":"annual-meeting","title":{"en":"x"},"start":"2027-04-01T08:00:00Z","end":"2027-04-01T18:00:00Z","timezone":"UTC","region":"global"}`, "am-secret"},
		{"source", "/api/v1/sources", europe, `{"id":%q,"region":"europe","name":"ENNHRI","kind":"ics","url":"https://ennhri.example/cal.ics"}`, made.ID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			taken := f.do(req{method: "POST", path: tc.path, token: tc.token, body: fmt.Sprintf(tc.body, tc.taken)})
			free := f.do(req{method: "POST", path: tc.path, token: tc.token, body: fmt.Sprintf(tc.body, "free-id-123")})
			if taken.status != 422 || free.status != 422 || strings.ReplaceAll(string(free.body), "free-id-123", tc.taken) != string(taken.body) {
				t.Fatalf("taken id: %d %s\nfree id: %d %s", taken.status, taken.body, free.status, free.body)
			}
			if _, fields := errorOf(t, taken); fields["id"] == "" {
				t.Fatalf("the field id is not named: %s", taken.body)
			}
			var body map[string]any
			_ = json.Unmarshal([]byte(fmt.Sprintf(tc.body, "x")), &body)
			delete(body, "id")
			b, _ := json.Marshal(body)
			r := f.do(req{method: "POST", path: tc.path, token: tc.token, body: string(b)})
			var got struct{ ID string }
			if err := json.Unmarshal(r.body, &got); err != nil || r.status != 201 || got.ID == "" || r.header.Get("Location") != tc.path+"/"+got.ID {
				t.Fatalf("create without an id: %d %s", r.status, r.body)
			}
		})
	}
}
