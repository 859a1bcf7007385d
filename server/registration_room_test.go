package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/realtime"
)

// TestWebinarPracticeMode: a webinar that takes registrations starts in
// practice mode without the host asking: it admits its stage and
// interpreters; attendees (anonymous, or registrants with their personal
// link) are closed with 4011 until a host starts it, then enter. The
// host's webinar.practice still works (it confirms the mode).
func TestWebinarPracticeMode(t *testing.T) {
	f := newRoomFixture(t, nil)
	f.setForm(roomEvent, "automatic", 0)
	_, reg := f.registerAs(roomEvent, "Registrant", "", "fr")
	host, hostWelcome := f.join("alice", "token="+url.QueryEscape(f.alice))
	var hw struct {
		Webinar realtime.Webinar `json:"webinar"`
	}
	mustUnmarshal(t, hostWelcome.Data, &hw)
	if !hw.Webinar.Practice || hw.Webinar.Started {
		t.Fatalf("the host's welcome in a webinar that takes registrations: %+v, want practice mode", hw.Webinar)
	}
	until := func(typ realtime.MsgType) realtime.Envelope {
		t.Helper()
		for {
			if env := host.next(); env.Type == typ {
				return env
			}
		}
	}

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
	host.send(realtime.CmdWebinarPractice, "practice", nil)
	if env := until(realtime.MsgWebinar); !strings.Contains(string(env.Data), `"practice":true`) {
		t.Fatalf("webinar.practice in practice mode: %s", env.Data)
	}
	refused("an anonymous attendee after webinar.practice", "name=Early")
	f.join("panelist", "token="+url.QueryEscape(f.invite("speaker", "Panelist")))
	f.join("interpreter", "token="+url.QueryEscape(f.invite("interpreter", "Interpreter")))

	// The host starts the session: a webinar in practice mode starts with it.
	host.send(realtime.CmdSessionStart, "start", nil)
	env := until(realtime.MsgWebinar)
	var w realtime.Webinar
	mustUnmarshal(t, env.Data, &w)
	if !w.Started || w.Practice || w.StartedAt == nil {
		t.Fatalf("after session.start: %+v", w)
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

// TestWebinarAttendees: once a webinar runs, attendees react but neither
// chat nor raise a hand until the host opens them; one brought on stage
// does both, and back in the audience no longer.
func TestWebinarAttendees(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	host.send(realtime.CmdWebinarStart, "start", nil)
	att := f.anon("Attendee")
	// answer sends cmd as the attendee and returns its error code, or ""
	// when a hand.lower probe comes back first (the command passed).
	answer := func(cmd realtime.MsgType, data any) realtime.ErrorCode {
		t.Helper()
		att.send(cmd, "probe", data)
		att.send(realtime.CmdHandLower, "end", map[string]string{"id": "m-nobody"})
		for {
			env := att.next()
			if env.Type != realtime.MsgError {
				continue
			}
			if env.ID == "probe" {
				code := errorCode(t, env)
				for att.next().ID != "end" {
				}
				return code
			}
			if env.ID == "end" {
				return ""
			}
		}
	}
	settle := func(id string) {
		t.Helper()
		for {
			env := host.next()
			if env.Type == realtime.MsgWebinar {
				return
			}
			if env.Type == realtime.MsgError && env.ID == id {
				t.Fatalf("%s: %s", id, env.Data)
			}
		}
	}
	settle("start")
	// settleMember waits for the change of a member (the stage command).
	settleMember := func(id string) {
		t.Helper()
		for {
			env := host.next()
			if env.Type == realtime.MsgMember {
				return
			}
			if env.Type == realtime.MsgError && env.ID == id {
				t.Fatalf("%s: %s", id, env.Data)
			}
		}
	}
	tests := []struct {
		name string
		host func()
		cmd  realtime.MsgType
		data any
		want realtime.ErrorCode
	}{
		{"an attendee reacts", nil, realtime.CmdReaction, map[string]string{"reaction": "clap"}, ""},
		{"an attendee may not chat", nil, realtime.CmdChat, map[string]string{"text": "hello"}, realtime.ErrForbidden},
		{"nor raise a hand", nil, realtime.CmdHandRaise, nil, realtime.ErrForbidden},
		{"the host opens the chat", func() {
			host.send(realtime.CmdWebinarSettings, "chat", map[string]bool{"chat_open": true})
			settle("chat")
		}, realtime.CmdChat, map[string]string{"text": "hello"}, ""},
		{"hands still closed", nil, realtime.CmdHandRaise, nil, realtime.ErrForbidden},
		{"on stage, a hand", func() {
			host.send(realtime.CmdStage, "stage", map[string]any{"id": att.id, "on": true})
			settleMember("stage")
		}, realtime.CmdHandRaise, nil, ""},
		{"back in the audience, no hand", func() {
			host.send(realtime.CmdStage, "back", map[string]any{"id": att.id, "on": false})
			settleMember("back")
			host.send(realtime.CmdFloorClear, "", nil)
		}, realtime.CmdHandRaise, nil, realtime.ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.host != nil {
				tc.host()
			}
			if got := answer(tc.cmd, tc.data); got != tc.want {
				t.Fatalf("%s: %q, want %q", tc.cmd, got, tc.want)
			}
		})
	}
}
