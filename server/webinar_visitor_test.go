package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/majlis/majlis/realtime"
)

// visit joins the webinar by its open link as name, with header (a
// cookie), and returns the member, its welcome and the upgrade's answer.
func (f *roomFixture) visit(name string, header http.Header) (*member, qaWelcomeT, *http.Response) {
	f.t.Helper()
	h := http.Header{"Origin": {"https://majlis.example.org"}}
	for k, v := range header {
		h[k] = v
	}
	conn, res, err := f.dialRaw("name="+url.QueryEscape(name), h)
	if err != nil {
		f.t.Fatalf("%s: dial: %v", name, err)
	}
	f.t.Cleanup(func() { conn.Close() })
	m := &member{t: f.t, name: name, conn: conn}
	first := m.next()
	if first.Type != realtime.MsgWelcome {
		f.t.Fatalf("%s: first message %s", name, first.Type)
	}
	var w qaWelcomeT
	mustUnmarshal(f.t, first.Data, &w)
	return m, w, res
}

// TestWebinarVisitorIsOnePersonAcrossReconnects: a visitor of a public
// webinar (no invitation, no registration) gets a signed, room-scoped,
// HttpOnly cookie naming nobody; reconnecting with it, they are the same
// person: a second vote or poll answer is refused (invalid_state) and the
// count does not move. A forged cookie is a new visitor, not anyone's.
func TestWebinarVisitorIsOnePersonAcrossReconnects(t *testing.T) {
	f := newQARoom(t)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	asker := f.anon("Asker")
	vera, _, res := f.visit("Vera Visitor", nil)
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("the upgrade set %d cookies: %q", len(cookies), res.Header["Set-Cookie"])
	}
	c := cookies[0]
	if c.Name != "majlis_visitor" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || !c.Secure ||
		c.Path != "/ws/rooms/"+roomEvent || c.Expires.IsZero() || strings.Contains(c.Value, "Vera") {
		t.Fatalf("the visitor's cookie: %s", res.Header["Set-Cookie"])
	}
	withCookie := http.Header{"Cookie": {c.Name + "=" + c.Value}}

	asker.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "Is the plan open to comments?"})
	q, _ := vera.question()
	vera.send(realtime.CmdQuestionVote, "v1", map[string]string{"id": q.ID})
	vera.upTo(realtime.MsgQuestionVoted)
	host.votesOf(q.ID, 1)
	host.send(realtime.CmdPollCreate, "", map[string]any{"poll": map[string]any{"question": "Useful?", "options": []string{"yes", "no"}}})
	p, _ := host.poll()
	host.send(realtime.CmdPollOpen, "", map[string]string{"id": p.ID})
	vera.poll()
	vera.send(realtime.CmdPollAnswer, "a1", map[string]any{"id": p.ID, "choices": []int{0}})
	vera.upTo(realtime.MsgPollAnswered)
	vera.conn.Close()

	// The same browser again: the same person.
	vera, w, res := f.visit("Vera Visitor", withCookie)
	if len(res.Cookies()) != 0 {
		t.Fatalf("a genuine cookie was replaced: %q", res.Header["Set-Cookie"])
	}
	if !slices.Equal(w.QA.You.Voted, []string{q.ID}) || !slices.Equal(w.QA.You.Answered, []string{p.ID}) {
		t.Fatalf("the visitor's welcome after a reconnect: %+v", w.QA.You)
	}
	if code := vera.refused(realtime.CmdQuestionVote, map[string]string{"id": q.ID}); code != realtime.ErrInvalidState {
		t.Fatalf("a vote again after a reconnect: %s", code)
	}
	if code := vera.refused(realtime.CmdPollAnswer, map[string]any{"id": p.ID, "choices": []int{1}}); code != realtime.ErrInvalidState {
		t.Fatalf("a poll answer again after a reconnect: %s", code)
	}
	_, late := f.join("late host", "token="+url.QueryEscape(f.alice))
	var lw qaWelcomeT
	mustUnmarshal(t, late.Data, &lw)
	if len(lw.QA.Questions) != 1 || lw.QA.Questions[0].Votes != 1 || lw.QA.Tallies[p.ID].Answers != 1 {
		t.Fatalf("after the refusals: %+v, tallies %+v", lw.QA.Questions, lw.QA.Tallies)
	}

	// A made-up or altered cookie is nobody's: a new visitor, a new cookie.
	id, _, _ := strings.Cut(c.Value, ".")
	for _, forged := range []string{id + ".AAAA", "someone.else", c.Value + "x"} {
		_, w, res := f.visit("Mallory", http.Header{"Cookie": {"majlis_visitor=" + forged}})
		if len(res.Cookies()) != 1 || len(w.QA.You.Voted) != 0 || len(w.QA.You.Answered) != 0 {
			t.Fatalf("a forged cookie %q: cookies %q, you %+v", forged, res.Header["Set-Cookie"], w.QA.You)
		}
	}
}
