package server_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/interpretation"
	"github.com/majlis/majlis/realtime"
)

// interpreter joins the room with a booth and input languages.
func (f *roomFixture) interpreter(name, booth string, inputs ...string) *member {
	f.t.Helper()
	in, _ := json.Marshal(inputs)
	token := f.inviteWith(`{"role":"interpreter","name":"` + name + `","booth":"` + booth + `","languages":` + string(in) + `}`)
	m, _ := f.join(name, "token="+url.QueryEscape(token))
	return m
}

// nextFrame reads until a binary frame, skipping text messages.
func (m *member) nextFrame() []byte {
	m.t.Helper()
	for {
		_ = m.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, b, err := m.conn.ReadMessage()
		if err != nil {
			m.t.Fatalf("%s: read: %v", m.name, err)
		}
		if typ == websocket.BinaryMessage {
			return b
		}
		var env realtime.Envelope
		mustUnmarshal(m.t, b, &env)
		if env.Seq != 0 {
			m.last = env.Seq
		}
	}
}

func (m *member) sendFrame(channel string, payload ...byte) {
	m.t.Helper()
	if err := m.conn.WriteMessage(websocket.BinaryMessage, realtime.AudioFrame(channel, payload)); err != nil {
		m.t.Fatalf("%s: write frame: %v", m.name, err)
	}
}

// interpState reads until an interpretation message satisfying ok.
func (m *member) interpUntil(ok func(v interpViewT) bool) interpViewT {
	m.t.Helper()
	for {
		env := m.next()
		if env.Type != realtime.MsgInterp {
			continue
		}
		var v interpViewT
		mustUnmarshal(m.t, env.Data, &v)
		if ok(v) {
			return v
		}
	}
}

type interpViewT struct {
	FloorLanguage string                 `json:"floor_language"`
	Booths        []interpretation.Booth `json:"booths"`
	Routes        []interpretation.Route `json:"routes"`
	Warnings      []interpretation.Route `json:"warnings"`
}

func (v interpViewT) route(ch string) interpretation.Route {
	for _, r := range v.Routes {
		if r.Channel == ch {
			return r
		}
	}
	return interpretation.Route{}
}

func (v interpViewT) live(booth string) string {
	for _, b := range v.Booths {
		if b.Language == booth {
			return b.Live
		}
	}
	return "?"
}

// TestInterpretationSession runs a small four-language session over real
// websockets: booths, floor language, relay, audio routing, refusals,
// handover, a live interpreter's disconnection, captions and booth chat.
func TestInterpretationSession(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	anne := f.interpreter("Anne", "fr", "en")
	bruno := f.interpreter("Bruno", "fr", "en", "es")
	carla := f.interpreter("Carla", "es", "en")
	ed := f.interpreter("Ed", "en", "ar", "fr")
	lfr, les, len_ := f.anon("Listener fr"), f.anon("Listener es"), f.anon("Listener en")
	lfr.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	les.send(realtime.CmdChannel, "", map[string]string{"channel": "es"})
	len_.send(realtime.CmdChannel, "", map[string]string{"channel": "en"})
	for _, m := range []*member{lfr, les, len_} { // each sees its own switch confirmed
		var me realtime.Member
		mustUnmarshal(t, m.expectSkipping(realtime.MsgMember).Data, &me)
		if me.ID != m.id || me.Channel == "floor" {
			t.Fatalf("%s: channel switch %+v", m.name, me)
		}
	}

	// English floor; Anne and Carla take their booths.
	host.send(realtime.CmdFloorLanguage, "", map[string]string{"language": "en"})
	anne.send(realtime.CmdBoothTake, "", nil)
	carla.send(realtime.CmdBoothTake, "", nil)
	v := host.interpUntil(func(v interpViewT) bool {
		return v.FloorLanguage == "en" && v.live("fr") == anne.id && v.live("es") == carla.id
	})
	if r := v.route("fr"); r.Status != interpretation.RouteDirect || r.Input != "floor" {
		t.Fatalf("fr route: %+v", r)
	}
	if r := v.route("en"); r.Status != interpretation.RouteIdle {
		t.Fatalf("en route with an English floor: %+v", r)
	}
	if len(v.Warnings) != 1 || v.Warnings[0].Channel != "ar" {
		t.Fatalf("warnings: %+v (want the Arabic booth, nobody live)", v.Warnings)
	}

	// Audio: Anne's frames reach the French listener, not the Spanish one;
	// the host's floor frames reach the interpreters and English listeners.
	anne.sendFrame("fr", 0xAA, 1)
	carla.sendFrame("es", 0xBB, 1)
	if got := lfr.nextFrame(); !bytes.Equal(got, realtime.AudioFrame("fr", []byte{0xAA, 1})) {
		t.Fatalf("fr listener got %x", got)
	}
	if got := les.nextFrame(); !bytes.Equal(got, realtime.AudioFrame("es", []byte{0xBB, 1})) {
		t.Fatalf("es listener got %x first (a French frame leaked?)", got)
	}
	if got := bruno.nextFrame(); !bytes.Equal(got, realtime.AudioFrame("fr", []byte{0xAA, 1})) {
		t.Fatalf("Anne's partner got %x, want her French", got)
	}
	host.sendFrame("floor", 0xF0)
	for _, m := range []*member{anne, bruno, carla, len_} {
		if got := m.nextFrame(); !bytes.Equal(got, realtime.AudioFrame("floor", []byte{0xF0})) {
			t.Fatalf("%s got %x, want the floor", m.name, got)
		}
	}

	// Refused: the passive partner, a listener, and a malformed frame.
	bruno.sendFrame("fr", 0x01)
	if code := errorCode(t, bruno.expectSkipping(realtime.MsgError)); code != realtime.ErrForbidden {
		t.Fatalf("passive interpreter publishing: %s", code)
	}
	lfr.sendFrame("floor", 0x02)
	if code := errorCode(t, lfr.expectSkipping(realtime.MsgError)); code != realtime.ErrForbidden {
		t.Fatalf("listener publishing on the floor: %s", code)
	}

	// Handover: Bruno asks, Anne accepts; now Bruno's frames go through.
	takesOver(bruno, anne, "fr")
	host.interpUntil(func(v interpViewT) bool { return v.live("fr") == bruno.id })
	bruno.sendFrame("fr", 0xCC)
	if got := lfr.nextFrame(); !bytes.Equal(got, realtime.AudioFrame("fr", []byte{0xCC})) {
		t.Fatalf("after the handover the fr listener got %x", got)
	}

	// Arabic floor: Ed interprets into English from Arabic; the French and
	// Spanish booths relay from English.
	ed.send(realtime.CmdBoothTake, "", nil)
	host.send(realtime.CmdFloorLanguage, "", map[string]string{"language": "ar"})
	v = host.interpUntil(func(v interpViewT) bool { return v.FloorLanguage == "ar" && v.live("en") == ed.id })
	for ch, want := range map[string]string{"ar": "idle/", "en": "direct/floor", "fr": "relay/en", "es": "relay/en"} {
		if r := v.route(ch); string(r.Status)+"/"+r.Input != want {
			t.Errorf("%s with an Arabic floor: %s/%s, want %s", ch, r.Status, r.Input, want)
		}
	}
	ed.sendFrame("en", 0xEE)
	for _, m := range []*member{bruno, carla, len_} { // relaying booths hear English
		if got := m.nextFrame(); !bytes.Equal(got, realtime.AudioFrame("en", []byte{0xEE})) {
			t.Fatalf("%s got %x, want English (relay)", m.name, got)
		}
	}

	// Captions and booth chat.
	bruno.send(realtime.CmdCaption, "", map[string]string{"text": "Bonjour à toutes et à tous"})
	var c struct{ Channel, Text string }
	mustUnmarshal(t, lfr.expectSkipping(realtime.MsgCaption).Data, &c)
	if c.Channel != "fr" || c.Text != "Bonjour à toutes et à tous" {
		t.Fatalf("caption %+v", c)
	}
	anne.sendRaw(`{"type":"chat","to":"booth:fr","data":{"text":"je reprends à 10h30"}}`)
	if env := bruno.expectSkipping(realtime.MsgChat); env.To != "booth:fr" {
		t.Fatalf("booth chat: %+v", env)
	}
	host.expectSkipping(realtime.MsgChat)
	carla.sendRaw(`{"type":"chat","to":"booth:fr","id":"x","data":{"text":"hi"}}`)
	if code := errorCode(t, carla.expectSkipping(realtime.MsgError)); code != realtime.ErrForbidden {
		t.Fatalf("another booth's chat: %s", code)
	}

	// The live interpreter's connection drops: the partner is live.
	bruno.conn.Close()
	host.interpUntil(func(v interpViewT) bool { return v.live("fr") == anne.id })
}

// expectSkipping reads until a message of type typ, skipping any other.
func (m *member) expectSkipping(typ realtime.MsgType) realtime.Envelope {
	m.t.Helper()
	for {
		_ = m.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		kind, b, err := m.conn.ReadMessage()
		if err != nil {
			m.t.Fatalf("%s: read: %v", m.name, err)
		}
		if kind == websocket.BinaryMessage {
			continue
		}
		var env realtime.Envelope
		mustUnmarshal(m.t, b, &env)
		if env.Type == typ {
			return env
		}
	}
}

// TestOriginalUnderInterpretation checks the two listening extras: a
// listener who asks for the original receives the floor besides their
// channel, and an interpreter may pick another booth to relay from.
func TestOriginalUnderInterpretation(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	anne := f.interpreter("Anne", "fr", "en")
	carla := f.interpreter("Carla", "es", "en", "fr")
	mixed, plain := f.anon("Mixed"), f.anon("Plain")
	mixed.send(realtime.CmdChannel, "", map[string]any{"channel": "fr", "original": true})
	if env := mixed.expectSkipping(realtime.MsgMember); !bytes.Contains(env.Data, []byte(`"original":true`)) {
		t.Fatalf("the switch does not say original: %s", env.Data)
	}
	plain.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	plain.expectSkipping(realtime.MsgMember)
	host.send(realtime.CmdFloorLanguage, "", map[string]string{"language": "en"})
	anne.send(realtime.CmdBoothTake, "", nil)
	carla.send(realtime.CmdBoothTake, "", nil)
	host.interpUntil(func(v interpViewT) bool { return v.live("fr") == anne.id && v.live("es") == carla.id })

	host.sendFrame("floor", 1)
	if ch, p, _ := realtime.ParseFrame(mixed.nextFrame()); ch != "floor" || p[0] != 1 {
		t.Fatalf("the mixed listener got %s %v, want the floor", ch, p)
	}
	if ch, _, _ := realtime.ParseFrame(carla.nextFrame()); ch != "floor" {
		t.Fatalf("Carla (direct from English) got %s", ch)
	}
	anne.sendFrame("fr", 2)
	for _, m := range []*member{mixed, plain} {
		if ch, p, _ := realtime.ParseFrame(m.nextFrame()); ch != "fr" || p[0] != 2 {
			t.Fatalf("%s got %s %v, want French", m.name, ch, p)
		}
	}

	// Carla relays from the French booth by choice.
	carla.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	carla.expectSkipping(realtime.MsgMember)
	anne.sendFrame("fr", 3)
	if ch, p, _ := realtime.ParseFrame(carla.nextFrame()); ch != "fr" || p[0] != 3 {
		t.Fatalf("Carla relaying got %s %v, want French", ch, p)
	}
}
