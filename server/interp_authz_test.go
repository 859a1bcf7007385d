package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/realtime"
)

// TestOnlyWhoIsOnAirPublishes: a participant, a speaker without the
// floor, an observer and a passive interpreter can publish neither audio
// nor captions, on any channel; the live interpreter only on their own
// booth's channel. Each refusal is an error `forbidden` and nothing
// reaches the listeners.
func TestOnlyWhoIsOnAirPublishes(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	live := f.interpreter("Anne", "fr", "en")
	passive := f.interpreter("Bruno", "fr", "en")
	participant := f.anon("Participant")
	speaker, _ := f.join("speaker", "token="+url.QueryEscape(f.invite("speaker", "A speaker")))
	observer, _ := f.join("observer", "token="+url.QueryEscape(f.invite("observer", "An observer")))
	host.send(realtime.CmdFloorLanguage, "", map[string]string{"language": "en"})
	live.send(realtime.CmdBoothTake, "", nil)
	host.interpUntil(func(v interpViewT) bool { return v.FloorLanguage == "en" && v.live("fr") == live.id })
	passive.interpUntil(func(v interpViewT) bool { return v.live("fr") == live.id })

	// A listener on every channel, to catch anything that leaks.
	channels := []string{"floor", "ar", "en", "fr", "es"}
	listeners := map[string]*member{}
	for _, ch := range channels {
		l := f.anon("Listener " + ch)
		if ch != "floor" {
			l.send(realtime.CmdChannel, "", map[string]string{"channel": ch})
			l.expectSkipping(realtime.MsgMember)
		}
		listeners[ch] = l
	}

	tests := []struct {
		name string
		who  *member
		// allowed is the one channel who may publish on ("" for none).
		allowed string
	}{
		{"participant", participant, ""},
		{"speaker without the floor", speaker, ""},
		{"observer", observer, ""},
		{"passive interpreter", passive, ""},
		{"live interpreter", live, "fr"},
	}
	for _, tt := range tests {
		for _, ch := range channels {
			tt.who.sendFrame(ch, 0x5A)
		}
		// Refused frames are answered with one error a second at most:
		// read up to the caption's answer, counting frame refusals.
		tt.who.send(realtime.CmdCaption, "cap", map[string]string{"text": "not on air"})
		refusals := 0
		for {
			env := tt.who.next()
			if env.Type == realtime.MsgCaption && env.From == tt.who.id {
				if tt.allowed == "" {
					t.Errorf("%s's caption went out", tt.name)
				}
				break
			}
			if env.Type != realtime.MsgError {
				continue
			}
			code := errorCode(t, env)
			if env.ID != "cap" {
				if code != realtime.ErrForbidden {
					t.Errorf("%s publishing a frame: %s, want forbidden", tt.name, code)
				}
				refusals++
				continue
			}
			// forbidden: the role may never caption (an observer);
			// invalid_state: it may, but only on air.
			if tt.allowed != "" || (code != realtime.ErrForbidden && code != realtime.ErrInvalidState) {
				t.Errorf("%s captioning: %s (on air: %v)", tt.name, code, tt.allowed != "")
			}
			break
		}
		if refusals == 0 {
			t.Errorf("%s: frames on channels it is not on air for were not refused", tt.name)
		}
	}
	// The only frame and the only caption that went through are the live
	// interpreter's, on fr; every other listener's first frame is the
	// host's floor frame, sent last (ar and es have no interpreter and
	// hear the floor; en is the floor's language).
	host.sendFrame("floor", 0xF0)
	for _, ch := range []string{"floor", "ar", "en", "es"} {
		if got := listeners[ch].nextFrame(); string(got) != string(realtime.AudioFrame("floor", []byte{0xF0})) {
			t.Errorf("%s listener's first frame %x, want the host's floor frame (something leaked)", ch, got)
		}
	}
	// The French listener gets the frame and the caption, in either order
	// (audio is not logged), and nothing else.
	fr := listeners["fr"]
	var frame []byte
	caption := ""
	for frame == nil || caption == "" {
		_ = fr.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, b, err := fr.conn.ReadMessage()
		if err != nil {
			t.Fatalf("French listener: %v (frame %x, caption %q)", err, frame, caption)
		}
		if typ == websocket.BinaryMessage {
			if frame != nil {
				t.Fatalf("French listener got a second frame %x", b)
			}
			frame = b
			continue
		}
		var env realtime.Envelope
		mustUnmarshal(t, b, &env)
		if env.Type == realtime.MsgCaption {
			if caption != "" {
				t.Fatalf("French listener got a second caption %s", env.Data)
			}
			caption = string(env.Data)
		}
	}
	if string(frame) != string(realtime.AudioFrame("fr", []byte{0x5A})) {
		t.Errorf("French listener's frame %x, want the live interpreter's", frame)
	}
	if !strings.Contains(caption, `"channel":"fr"`) {
		t.Errorf("French listener's caption %s, want the fr channel's", caption)
	}
}
