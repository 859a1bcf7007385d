package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/realtime"
)

// regional adds an organizer of region r and returns their ID.
func (f *fixture) regional(name string, r agenda.Region) string {
	f.t.Helper()
	_, hash := access.NewToken()
	o := access.Organizer{ID: access.NewID("org_"), Name: name, Region: r, TokenHash: hash, Created: time.Now().UTC()}
	if err := f.st.CreateOrganizer(context.Background(), o); err != nil {
		f.t.Fatal(err)
	}
	return o.ID
}

// cookieHeaders are the headers of a script on our own page: the session
// cookie and, when csrf is not empty, the CSRF token.
func cookieHeaders(ck *http.Cookie, csrf string, more ...string) map[string]string {
	h := map[string]string{"Cookie": ck.Name + "=" + ck.Value, "Sec-Fetch-Site": "same-origin"}
	if csrf != "" {
		h["X-CSRF-Token"] = csrf
	}
	for i := 0; i+1 < len(more); i += 2 {
		h[more[i]] = more[i+1]
	}
	return h
}

// staleAnswer is the body of a stale agenda write.
type staleAnswer struct {
	Error struct {
		Code   string            `json:"code"`
		Fields map[string]string `json:"fields"`
	} `json:"error"`
	Current struct {
		ETag  string `json:"etag"`
		Items []struct {
			ID       string      `json:"id"`
			Title    agenda.Text `json:"title"`
			Duration int         `json:"duration"`
		} `json:"items"`
	} `json:"current"`
}

// TestStaleAgendaWriteAnswersBothVersions: when a second organizer wrote
// the agenda first, every kind of agenda write with the old ETag answers
// 412 naming the version sent and the current one, with the current
// agenda, and changes nothing; the same change sent again with the current
// ETag (the builder's "reapply") is saved on top. Before, the 412 said
// only "fetch it again": the builder could not show what changed.
func TestStaleAgendaWriteAnswersBothVersions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(consultation, f.alice)
	path := "/api/v1/events/hrd-consultation/agenda"
	tag := f.do(req{method: "GET", path: path, token: f.alice}).header.Get("ETag") // the draft, which organizers edit
	r := f.do(req{method: "POST", path: path + "/items", token: f.alice, header: map[string]string{"If-Match": tag},
		body: `{"title":{"en":"Welcome"},"start":"2021-07-01T14:30:00Z","duration":15,"kind":"opening"}`})
	if r.status != http.StatusCreated {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	var welcome struct{ ID string }
	mustUnmarshal(t, r.body, &welcome)
	ck := f.signIn(f.aliceID)
	csrf := f.csrf(ck)
	tests := []struct {
		name, method, path, body string
	}{
		{"move an item", "PATCH", path + "/items/" + welcome.ID, `{"start":"2021-07-01T14:40:00Z"}`},
		{"add an item", "POST", path + "/items", `{"title":{"fr":"Débat"},"start":"2021-07-01T15:00:00Z","duration":30,"kind":"discussion"}`},
		{"remove an item", "DELETE", path + "/items/" + welcome.ID, ``},
		{"replace the agenda", "PUT", path, `{"items":[]}`},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mine := f.do(req{method: "GET", path: path, token: f.alice}).header.Get("ETag")
			// Bob renames the item first.
			other := f.do(req{method: "PATCH", path: path + "/items/" + welcome.ID, token: f.bob, header: map[string]string{"If-Match": mine},
				body: `{"title":{"en":"Welcome ` + strings.Repeat("!", i+1) + `"}}`})
			current := other.header.Get("ETag")
			if other.status != http.StatusOK || current == mine {
				t.Fatalf("the other organizer's write: %d %s", other.status, other.body)
			}
			before := f.snapshot()
			r := f.do(req{method: tc.method, path: tc.path, body: tc.body, header: cookieHeaders(ck, csrf, "If-Match", mine)})
			if r.status != http.StatusPreconditionFailed {
				t.Fatalf("stale write: %d %s", r.status, r.body)
			}
			var got staleAnswer
			mustUnmarshal(t, r.body, &got)
			why := got.Error.Fields["If-Match"]
			if got.Error.Code != "precondition_failed" || !strings.Contains(why, mine) || !strings.Contains(why, current) ||
				got.Current.ETag != current || r.header.Get("ETag") != current {
				t.Fatalf("412 without both versions: %s (ETag %s)", r.body, r.header.Get("ETag"))
			}
			if len(got.Current.Items) != 1 || got.Current.Items[0].Title["en"] != "Welcome "+strings.Repeat("!", i+1) {
				t.Fatalf("412 without the current agenda: %s", r.body)
			}
			if f.snapshot() != before {
				t.Fatal("the stale write changed something")
			}
			// Reapplied on top of the current version.
			r = f.do(req{method: tc.method, path: tc.path, body: tc.body, header: cookieHeaders(ck, csrf, "If-Match", got.Current.ETag)})
			if r.status >= 300 {
				t.Fatalf("reapply: %d %s", r.status, r.body)
			}
			if tc.method != "PATCH" {
				// Put the item back for the next case.
				a := f.do(req{method: "GET", path: path, token: f.alice})
				f.do(req{method: "PUT", path: path, token: f.alice, header: map[string]string{"If-Match": a.header.Get("ETag")},
					body: `{"items":[{"id":"` + welcome.ID + `","title":{"en":"Welcome"},"start":"2021-07-01T14:30:00Z","duration":15,"kind":"opening"}]}`})
			}
		})
	}
}

// TestAgendaBuilderRefusesBadInput: the builder's writes (session cookie)
// without the CSRF token, from another site, by an organizer of another
// region, or over a field's limits are refused with the documented error
// and change nothing; the builder and people pages open only for an
// organizer who may edit the event.
func TestAgendaBuilderRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(strings.Replace(consultation, `"region":"global"`, `"region":"africa"`, 1), f.alice)
	path := "/api/v1/events/hrd-consultation/agenda"
	africa, europe := f.signIn(f.regional("Nairobi secretariat", agenda.RegionAfrica)), f.signIn(f.regional("Brussels secretariat", agenda.RegionEurope))
	csrf, csrfEurope := f.csrf(africa), f.csrf(europe)
	item := func(title string, minutes int) string {
		return `{"title":{"en":"` + title + `"},"start":"2021-07-01T14:30:00Z","duration":` + itoa(minutes) + `,"kind":"opening"}`
	}
	tests := []struct {
		name   string
		header map[string]string
		body   string
		status int
		code   string
		field  string
	}{
		{"no CSRF token", cookieHeaders(africa, ""), item("Welcome", 15), http.StatusForbidden, "csrf", ""},
		{"another session's CSRF token", cookieHeaders(africa, csrfEurope), item("Welcome", 15), http.StatusForbidden, "csrf", ""},
		{"from another site", cookieHeaders(africa, csrf, "Sec-Fetch-Site", "cross-site"), item("Welcome", 15), http.StatusForbidden, "csrf", ""},
		{"another region's event", cookieHeaders(europe, csrfEurope), item("Welcome", 15), http.StatusForbidden, "forbidden", ""},
		{"title too long", cookieHeaders(africa, csrf), item(strings.Repeat("x", agenda.MaxTitleRunes+1), 15), http.StatusUnprocessableEntity, "invalid", "items[0].title.en"},
		{"no title", cookieHeaders(africa, csrf), item("", 15), http.StatusUnprocessableEntity, "invalid", "items[0].title"},
		{"no length", cookieHeaders(africa, csrf), item("Welcome", 0), http.StatusUnprocessableEntity, "invalid", "items[0].duration"},
		{"outside the event", cookieHeaders(africa, csrf), item("Welcome", 120), http.StatusUnprocessableEntity, "invalid", "items[0].start"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.header["If-Match"] = f.do(req{method: "GET", path: path, token: f.alice}).header.Get("ETag")
			before := f.snapshot()
			r := f.do(req{method: "POST", path: path + "/items", header: tc.header, body: tc.body})
			code, fields := errorOf(t, r)
			if r.status != tc.status || code != tc.code || (tc.field != "" && fields[tc.field] == "") {
				t.Fatalf("%d %s, want %d %s naming %q", r.status, r.body, tc.status, tc.code, tc.field)
			}
			if f.snapshot() != before {
				t.Fatal("a refused write changed something")
			}
		})
	}
	for _, page := range []string{"/organizer/events/hrd-consultation/agenda", "/organizer/events/hrd-consultation/people"} {
		if res, body := f.browse(browserReq{method: "GET", path: page + "?lang=fr", cookie: africa}); res.StatusCode != http.StatusOK ||
			!strings.Contains(body, `data-csrf="`+csrf+`"`) || !strings.Contains(body, `aria-current="page"`) {
			t.Errorf("%s for its region's organizer: %d", page, res.StatusCode)
		}
		// It sees the event (it is public), so the refusal hides nothing.
		if res, _ := f.browse(browserReq{method: "GET", path: page, cookie: europe}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s for another region's organizer: %d, want 403", page, res.StatusCode)
		}
		if res, _ := f.browse(browserReq{method: "GET", path: page}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%s signed out: %d, want a redirect to sign in", page, res.StatusCode)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// listedState is an invitation's state in the listing.
type listedState struct {
	ID, Name, URL, Token, State string
	FirstJoined                 string `json:"first_joined"`
	Replaces                    string
	Revoked                     bool
}

// TestInvitationStateAndResend: the listing says whether each person has
// joined (the first join is stored), a resent invitation gives the same
// person a fresh link to the page they open (never a websocket URL) and
// the old link stops working at once; a revoked one says removed and
// cannot be resent; resending by cookie needs the CSRF token.
func TestInvitationStateAndResend(t *testing.T) {
	f := newRoomFixture(t, nil)
	invites := "/api/v1/events/" + roomEvent + "/invites"
	r := f.do(req{method: "POST", path: invites, token: f.alice, body: `{"role":"interpreter","name":"Fatou Diop","languages":["en"],"booth":"fr"}`})
	var fatou listedState
	mustUnmarshal(t, r.body, &fatou)
	if r.status != http.StatusCreated || fatou.URL != "https://majlis.example.org/events/"+roomEvent+"/booth?token="+fatou.Token || fatou.State != "invited" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	speaker := f.invite("speaker", "Speaker")
	list := func() map[string]listedState {
		t.Helper()
		var got struct{ Invites []listedState }
		mustUnmarshal(t, f.do(req{method: "GET", path: invites, token: f.alice}).body, &got)
		out := map[string]listedState{}
		for _, x := range got.Invites {
			out[x.Name] = x
			if x.Replaces != "" {
				out[x.Name+" (resent)"] = x
			}
		}
		return out
	}
	if got := list(); got["Fatou Diop"].State != "invited" || got["Fatou Diop"].FirstJoined != "" {
		t.Fatalf("before joining: %+v", got["Fatou Diop"])
	}
	f.admitted(t, "Fatou", fatou.Token)
	first := list()["Fatou Diop"]
	if first.State != "joined" || first.FirstJoined == "" {
		t.Fatalf("after joining: %+v", first)
	}
	f.admitted(t, "Fatou again", fatou.Token)
	if again := list()["Fatou Diop"]; again.FirstJoined != first.FirstJoined {
		t.Fatalf("the first join moved: %s → %s", first.FirstJoined, again.FirstJoined)
	}

	ck := f.signIn(f.aliceID)
	csrf := f.csrf(ck)
	resend := invites + "/" + fatou.ID + "/resend"
	if r := f.do(req{method: "POST", path: resend, header: cookieHeaders(ck, "")}); r.status != http.StatusForbidden {
		t.Fatalf("resend without the CSRF token: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "POST", path: resend, header: cookieHeaders(ck, csrf)})
	var fresh listedState
	mustUnmarshal(t, r.body, &fresh)
	if r.status != http.StatusCreated || fresh.Token == "" || fresh.Token == fatou.Token || fresh.Name != "Fatou Diop" || fresh.Replaces != fatou.ID ||
		fresh.URL != "https://majlis.example.org/events/"+roomEvent+"/booth?token="+fresh.Token || strings.HasPrefix(fresh.URL, "ws") {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	f.refused(t, "the old link", fatou.Token)
	f.admitted(t, "the new link", fresh.Token)
	got := list()
	if got["Fatou Diop (resent)"].State != "joined" {
		t.Errorf("the resent invitation: %+v", got["Fatou Diop (resent)"])
	}
	if r := f.do(req{method: "POST", path: resend, token: f.alice}); r.status != http.StatusConflict {
		t.Errorf("resending a replaced invitation: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: invites + "/inv-nope/resend", token: f.alice}); r.status != http.StatusNotFound {
		t.Errorf("resending a missing invitation: %d %s", r.status, r.body)
	}
	europe := f.signIn(f.regional("Brussels secretariat", agenda.RegionEurope))
	var speakerID string
	for _, x := range list() {
		if x.Name == "Speaker" {
			speakerID = x.ID
		}
	}
	if r := f.do(req{method: "POST", path: invites + "/" + speakerID + "/resend", header: cookieHeaders(europe, f.csrf(europe))}); r.status != http.StatusForbidden {
		t.Errorf("resending another region's invitation: %d %s", r.status, r.body)
	}
	f.admitted(t, "the speaker, still invited", speaker)
}

// TestOrganizerRunsTheSession: an organizer who may edit the event opens
// its session page and room as host with the session cookie alone (no
// token in the URL); an organizer of another region gets the public page
// and joins as a participant; a page of another site cannot use the
// cookie (Origin). Before, the page asked the organizer for a display
// name and the room made them an anonymous participant.
func TestOrganizerRunsTheSession(t *testing.T) {
	f := newRoomFixture(t, nil)
	host := f.signIn(f.aliceID)
	europe := f.signIn(f.regional("Brussels secretariat", agenda.RegionEurope))
	page := "/events/" + roomEvent + "/session"
	if res, body := f.browse(browserReq{method: "GET", path: page, cookie: host}); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, `data-organizer="true"`) || !strings.Contains(body, `data-invited="true"`) {
		t.Fatalf("the session page for its organizer: %d", res.StatusCode)
	}
	if res, body := f.browse(browserReq{method: "GET", path: page, cookie: europe}); res.StatusCode != http.StatusOK ||
		strings.Contains(body, `data-organizer`) {
		t.Fatalf("the session page for another region's organizer: %d", res.StatusCode)
	}
	tests := []struct {
		name   string
		cookie *http.Cookie
		origin string
		role   realtime.Role
		status int
	}{
		{"its organizer", host, "https://majlis.example.org", realtime.RoleHost, 0},
		{"another region's organizer", europe, "https://majlis.example.org", realtime.RoleParticipant, 0},
		{"its organizer's cookie from another site", host, "https://evil.example", "", http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, res, err := f.dialRaw("", http.Header{"Origin": {tc.origin}, "Cookie": {tc.cookie.Name + "=" + tc.cookie.Value}})
			if tc.status != 0 {
				if err == nil || res == nil || res.StatusCode != tc.status {
					t.Fatalf("dial: %v %v, want %d", err, res, tc.status)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			t.Cleanup(func() { conn.Close() })
			m := &member{t: t, name: tc.name, conn: conn}
			w := m.next()
			var data struct {
				You realtime.Member `json:"you"`
			}
			mustUnmarshal(t, w.Data, &data)
			if w.Type != realtime.MsgWelcome || data.You.Role != tc.role {
				t.Fatalf("joined as %q (%s), want %q", data.You.Role, w.Type, tc.role)
			}
		})
	}

}
