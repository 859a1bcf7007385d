package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/realtime"
)

// TestWebinarPracticeMode: in practice mode a webinar admits its stage
// and interpreters; attendees (anonymous, or registrants with their
// personal link) are closed with 4011 until a host starts it, then enter.
func TestWebinarPracticeMode(t *testing.T) {
	f := newRoomFixture(t, nil)
	f.setForm(roomEvent, "automatic", 0)
	_, reg := f.registerAs(roomEvent, "Registrant", "", "fr")
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	until := func(typ realtime.MsgType) realtime.Envelope {
		t.Helper()
		for {
			if env := host.next(); env.Type == typ {
				return env
			}
		}
	}
	host.send(realtime.CmdWebinarPractice, "practice", nil)
	until(realtime.MsgWebinar)

	refused := func(who, query string) {
		t.Helper()
		conn, _, err := f.dialRaw(query, http.Header{"Origin": {"https://majlis.example.org"}})
		if err != nil {
			t.Fatalf("%s: dial: %v", who, err)
		}
		defer conn.Close()
		_, msg, err := conn.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != realtime.CloseNotStarted {
			t.Fatalf("%s during practice: %v %s, want close %d", who, err, msg, realtime.CloseNotStarted)
		}
	}
	refused("an anonymous attendee", "name=Early")
	refused("a registrant", "token="+url.QueryEscape(reg.Token))
	f.join("panelist", "token="+url.QueryEscape(f.invite("speaker", "Panelist")))
	f.join("interpreter", "token="+url.QueryEscape(f.invite("interpreter", "Interpreter")))

	host.send(realtime.CmdWebinarStart, "start", nil)
	env := until(realtime.MsgWebinar)
	var w realtime.Webinar
	mustUnmarshal(t, env.Data, &w)
	if !w.Started || w.Practice || w.StartedAt == nil {
		t.Fatalf("after webinar.start: %+v", w)
	}
	_, welcome := f.join("registrant", "token="+url.QueryEscape(reg.Token))
	var wd struct {
		You     realtime.Member  `json:"you"`
		Webinar realtime.Webinar `json:"webinar"`
	}
	mustUnmarshal(t, welcome.Data, &wd)
	if wd.You.Role != realtime.RoleParticipant || wd.You.Name != "Registrant" || !wd.Webinar.Started {
		t.Fatalf("registrant's welcome: %+v", wd)
	}
	f.anon("Late")
	host.send(realtime.CmdWebinarStart, "again", nil)
	for {
		env := host.next()
		if env.Type == realtime.MsgError && env.ID == "again" {
			if code := errorCode(t, env); code != realtime.ErrInvalidState {
				t.Fatalf("starting twice: %s", code)
			}
			break
		}
	}
}
