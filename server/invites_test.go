package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
)

// wsHeaders make a plain request look like a websocket upgrade, so that a
// refused join answers with its HTTP error.
var wsHeaders = map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
	"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}

// refused fails t unless joining the room and opening the session page
// with token are both refused with 401.
func (f *roomFixture) refused(t *testing.T, what, token string) {
	t.Helper()
	if r := f.do(req{method: "GET", path: "/ws/rooms/" + roomEvent + "?token=" + url.QueryEscape(token), header: wsHeaders}); r.status != http.StatusUnauthorized {
		t.Errorf("%s: join: %d %s, want 401", what, r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/events/" + roomEvent + "/session?token=" + url.QueryEscape(token)}); r.status != http.StatusUnauthorized {
		t.Errorf("%s: session page: %d, want 401", what, r.status)
	}
}

// admitted fails t unless token joins the room and opens the session page.
func (f *roomFixture) admitted(t *testing.T, what, token string) {
	t.Helper()
	m, _ := f.join(what, "token="+url.QueryEscape(token))
	m.conn.Close()
	if r := f.do(req{method: "GET", path: "/events/" + roomEvent + "/session?token=" + url.QueryEscape(token)}); r.status != http.StatusOK ||
		!strings.Contains(string(r.body), `data-invited="true"`) {
		t.Errorf("%s: session page: %d", what, r.status)
	}
}

// A join token stops working when the organizer who issued it is revoked:
// its room and its session page refuse it at once.
func TestInviteDiesWithItsIssuer(t *testing.T) {
	f := newRoomFixture(t, nil)
	bobs := f.inviteAs(f.bob, `{"role":"host","name":"Co-host"}`)
	alices := f.invite("participant", "Delegate")
	f.admitted(t, "before", bobs)
	if err := f.st.RevokeOrganizer(context.Background(), f.bobID); err != nil {
		t.Fatal(err)
	}
	f.refused(t, "issuer revoked", bobs)
	f.admitted(t, "another issuer's token", alices)
}

// inviteAs issues an invitation to the room's event as the organizer
// holding token and returns the join token.
func (f *roomFixture) inviteAs(token, body string) string {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/events/" + roomEvent + "/invites", token: token, body: body})
	if r.status != http.StatusCreated {
		f.t.Fatalf("invite: %d %s", r.status, r.body)
	}
	var out struct{ Token string }
	mustUnmarshal(f.t, r.body, &out)
	return out.Token
}

type listedInvite struct {
	ID, Event, Role, Name, Institution, Booth, Expires, Created, By string
	LastJoined                                                      string `json:"last_joined"`
	Languages                                                       []string
	Revoked                                                         bool
	Token, URL                                                      string
}

// Invitations are listed per event (never with their tokens) and revoked
// one by one; a revoked one stops working at once.
func TestInvitesListedAndRevoked(t *testing.T) {
	f := newRoomFixture(t, nil)
	r := f.do(req{method: "POST", path: "/api/v1/events/" + roomEvent + "/invites", token: f.alice,
		body: `{"role":"interpreter","name":"Fatou Diop","institution":"CNDH Sénégal","languages":["en"],"booth":"fr"}`})
	var fatou listedInvite
	mustUnmarshal(t, r.body, &fatou)
	if r.status != http.StatusCreated || fatou.ID == "" || fatou.Token == "" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	kept := f.invite("participant", "Delegate")
	f.admitted(t, "Fatou", fatou.Token)

	list := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/invites", token: f.bob})
	if list.status != http.StatusOK {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	if strings.Contains(string(list.body), "mjj_") || strings.Contains(string(list.body), `"token"`) {
		t.Errorf("the listing shows tokens: %s", list.body)
	}
	var got struct {
		Event   string
		Invites []listedInvite
	}
	mustUnmarshal(t, list.body, &got)
	if len(got.Invites) != 2 || got.Invites[0].ID != fatou.ID || got.Invites[0].Name != "Fatou Diop" || got.Invites[0].Booth != "fr" ||
		got.Invites[0].Institution != "CNDH Sénégal" || got.Invites[0].By != f.aliceID || got.Invites[0].Revoked ||
		got.Invites[0].Created == "" || got.Invites[0].Expires != fatou.Expires || got.Invites[0].LastJoined == "" || got.Invites[1].LastJoined != "" {
		t.Fatalf("listing: %s", list.body)
	}

	live, _ := f.join("Fatou, still in the room", "token="+url.QueryEscape(fatou.Token))
	delegate, _ := f.join("Delegate", "token="+url.QueryEscape(kept))
	path := "/api/v1/events/" + roomEvent + "/invites/" + fatou.ID
	if r := f.do(req{method: "DELETE", path: path, token: f.bob}); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if code := live.closeCode(); code != realtime.CloseRemoved {
		t.Errorf("the member who joined with the revoked invitation: close %d, want %d", code, realtime.CloseRemoved)
	}
	// The others stay: they see the removal (and the booth emptied), and
	// go on.
	delegate.send(realtime.CmdChat, "c1", map[string]string{"text": "still here"})
	for env := delegate.next(); env.Type != realtime.MsgChat; env = delegate.next() {
	}
	f.refused(t, "revoked", fatou.Token)
	f.admitted(t, "the other invitation", kept)
	if r := f.do(req{method: "DELETE", path: path, token: f.alice}); r.status != http.StatusNoContent {
		t.Errorf("revoking twice: %d %s", r.status, r.body)
	}
	list = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/invites", token: f.alice})
	mustUnmarshal(t, list.body, &got)
	if len(got.Invites) != 2 || !got.Invites[0].Revoked || got.Invites[1].Revoked {
		t.Errorf("listing after revoke: %s", list.body)
	}

	// Bob's confidential event: Alice may not see it, so its invitations
	// answer her as a missing event's do.
	f.create(`{"id":"other-room","kind":"webinar","title":{"en":"Other"},
		"start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z","timezone":"UTC","region":"global","visibility":"confidential","status":"published"}`, f.bob)
	var hidden listedInvite
	mustUnmarshal(t, f.do(req{method: "POST", path: "/api/v1/events/other-room/invites", token: f.bob, body: `{"role":"host","name":"Chair"}`}).body, &hidden)
	missing := f.do(req{method: "GET", path: "/api/v1/events/no-such-room/invites", token: f.alice})
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"list, hidden event", "GET", "/api/v1/events/other-room/invites", f.alice, 404},
		{"revoke, hidden event", "DELETE", "/api/v1/events/other-room/invites/" + hidden.ID, f.alice, 404},
		{"revoke, missing event", "DELETE", "/api/v1/events/no-such-room/invites/" + hidden.ID, f.alice, 404},
		{"revoke, another event's invitation", "DELETE", "/api/v1/events/" + roomEvent + "/invites/" + hidden.ID, f.alice, 404},
		{"revoke, unknown invitation", "DELETE", "/api/v1/events/" + roomEvent + "/invites/inv_nope", f.alice, 404},
		{"list, anonymous", "GET", "/api/v1/events/" + roomEvent + "/invites", "", 401},
		{"revoke, anonymous", "DELETE", "/api/v1/events/" + roomEvent + "/invites/" + fatou.ID, "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: tt.method, path: tt.path, token: tt.token})
			if r.status != tt.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tt.status)
			}
			if tt.status == 404 && string(r.body) != string(missing.body) {
				t.Errorf("answer %s differs from a missing event's %s", r.body, missing.body)
			}
		})
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events/other-room/invites", token: f.bob}); r.status != 200 || strings.Contains(string(r.body), "mjj_") {
		t.Errorf("the owner's listing: %d %s", r.status, r.body)
	}
}

// Join tokens are opaque: a random secret, short enough to type, with
// nothing of the person in it; the invitation answers the page its
// invitee opens, not a websocket address.
func TestInviteTokensAreOpaque(t *testing.T) {
	f := newRoomFixture(t, nil)
	for _, tc := range []struct{ body, page string }{
		{`{"role":"participant","name":"Fatou Diop","institution":"CNDH Sénégal","languages":["fr"]}`, "/session"},
		{`{"role":"interpreter","name":"Fatou Diop","languages":["en"],"booth":"fr"}`, "/booth"},
	} {
		r := f.do(req{method: "POST", path: "/api/v1/events/" + roomEvent + "/invites", token: f.alice, body: tc.body})
		var inv listedInvite
		mustUnmarshal(t, r.body, &inv)
		if !regexp.MustCompile(`^mjj_[a-z2-7]{26}$`).MatchString(inv.Token) {
			t.Errorf("token %q: want mjj_ and 26 base32 characters", inv.Token)
		}
		if want := "https://majlis.example.org/events/" + roomEvent + tc.page + "?token=" + inv.Token; inv.URL != want {
			t.Errorf("url %q, want %q", inv.URL, want)
		}
		if strings.Contains(string(r.body), "ws://") || strings.Contains(string(r.body), "wss://") {
			t.Errorf("the answer holds a websocket address: %s", r.body)
		}
		u, _ := url.Parse(inv.URL)
		if page := f.do(req{method: "GET", path: u.RequestURI()}); page.status != http.StatusOK || !strings.Contains(string(page.body), `data-invited="true"`) {
			t.Errorf("%s: %d", u.RequestURI(), page.status)
		}
	}
}

// An invitation lasts until its event ends plus a day, however far away
// the event is; a lifetime that cannot be honoured is a 422 naming
// expires_in, never changed silently.
func TestInviteLifetime(t *testing.T) {
	now := time.Date(2027, 1, 20, 6, 0, 0, 0, time.UTC)
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", Now: func() time.Time { return now }}, nil)
	create := func(id string, start time.Time) {
		f.create(fmt.Sprintf(`{"id":%q,"kind":"webinar","title":{"en":"Webinar"},
			"start":%q,"end":%q,"timezone":"UTC","region":"global","visibility":"public","status":"published","languages":["en","fr"]}`,
			id, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)), f.alice)
	}
	later := now.Add(90 * 24 * time.Hour) // a webinar in three months
	create("later", later)
	create("ended", now.Add(-3*24*time.Hour))
	end := later.Add(2 * time.Hour)
	untilEnd := int64(end.Add(24*time.Hour).Sub(now) / time.Second)
	tests := []struct {
		name, event, expiresIn string
		status                 int
		expires                time.Time
	}{
		{"default: the event's end plus a day", "later", "", 201, end.Add(24 * time.Hour)},
		{"one minute is one minute", "later", "60", 201, now.Add(time.Minute)},
		{"up to the event's end plus a day", "later", fmt.Sprint(untilEnd), 201, end.Add(24 * time.Hour)},
		{"beyond the event's end plus a day", "later", fmt.Sprint(untilEnd + 1), 422, time.Time{}},
		{"zero", "later", "0", 422, time.Time{}},
		{"negative", "later", "-3600", 422, time.Time{}},
		{"under a minute", "later", "59", 422, time.Time{}},
		{"2^62 does not overflow", "later", "4611686018427387904", 422, time.Time{}},
		{"int64 max", "later", "9223372036854775807", 422, time.Time{}},
		{"an event that ended days ago", "ended", "", 422, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"role":"participant","name":"Delegate"}`
			if tt.expiresIn != "" {
				body = `{"role":"participant","name":"Delegate","expires_in":` + tt.expiresIn + `}`
			}
			r := f.do(req{method: "POST", path: "/api/v1/events/" + tt.event + "/invites", token: f.alice, body: body})
			if r.status != tt.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tt.status)
			}
			if tt.status == 422 {
				if _, fields := errorOf(t, r); fields["expires_in"] == "" {
					t.Errorf("fields %v do not name expires_in", fields)
				}
				return
			}
			var inv listedInvite
			mustUnmarshal(t, r.body, &inv)
			if inv.Expires != tt.expires.Format(time.RFC3339) {
				t.Errorf("expires %s, want %s", inv.Expires, tt.expires.Format(time.RFC3339))
			}
		})
	}
}

// An event removed and made again under the same ID is another event: the
// first one's invitations do not open it. (The API assigns new IDs, but
// demo and imported events keep theirs; the fixture stores the events
// under the same ID.)
func TestInviteDoesNotOpenANewEventOfTheSameID(t *testing.T) {
	f := newRoomFixture(t, nil)
	event := `{"id":"board","kind":"webinar","title":{"en":"Board"},"start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z",
		"timezone":"UTC","region":"global","visibility":"public","status":"draft"}`
	f.create(event, f.alice)
	var old listedInvite
	mustUnmarshal(t, f.do(req{method: "POST", path: "/api/v1/events/board/invites", token: f.alice, body: `{"role":"host","name":"Chair"}`}).body, &old)
	if r := f.do(req{method: "DELETE", path: "/api/v1/events/board", token: f.alice, header: map[string]string{"If-Match": "*"}}); r.status != http.StatusNoContent {
		t.Fatalf("remove the draft: %d %s", r.status, r.body)
	}
	again := strings.Replace(event, `"visibility":"public","status":"draft"`, `"visibility":"public","status":"published"`, 1)
	f.create(again, f.bob)
	if r := f.do(req{method: "GET", path: "/ws/rooms/board?token=" + url.QueryEscape(old.Token), header: wsHeaders}); r.status != http.StatusUnauthorized {
		t.Errorf("join: %d %s, want 401", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/events/board/session?token=" + url.QueryEscape(old.Token)}); r.status != http.StatusUnauthorized {
		t.Errorf("session page: %d, want 401", r.status)
	}
}
