package server_test

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/majlis/majlis/interpretation"
	"github.com/majlis/majlis/realtime"
)

// boothOf reads the French booth from an interpretation message.
func boothOf(t *testing.T, env realtime.Envelope) interpretation.Booth {
	t.Helper()
	var v struct {
		Booths []interpretation.Booth `json:"booths"`
	}
	mustUnmarshal(t, env.Data, &v)
	for _, b := range v.Booths {
		if b.Language == "fr" {
			return b
		}
	}
	t.Fatalf("no French booth in %s", env.Data)
	return interpretation.Booth{}
}

// nextInterp reads interpretation messages until one satisfies ok.
func (m *member) nextInterp(ok func(b interpretation.Booth) bool) interpretation.Booth {
	m.t.Helper()
	for range 20 {
		if b := boothOf(m.t, m.expectSkipping(realtime.MsgInterp)); ok(b) {
			return b
		}
	}
	m.t.Fatalf("%s: no interpretation message as expected", m.name)
	return interpretation.Booth{}
}

func TestHandoverByCountdown(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	anne, _ := f.join("Anne", "token="+url.QueryEscape(f.invite("interpreter", "Anne")))
	bruno, _ := f.join("Bruno", "token="+url.QueryEscape(f.invite("interpreter", "Bruno")))

	anne.send(realtime.CmdBoothTake, "", nil)
	b := bruno.nextInterp(func(b interpretation.Booth) bool { return b.Live == anne.id })
	if b.LiveSince == nil {
		t.Fatalf("live without a shift start: %+v", b)
	}
	bruno.send(realtime.CmdBoothRequest, "b1", map[string]any{"in": 1})
	if env := bruno.expectSkipping(realtime.MsgError); errorCode(t, env) != realtime.ErrInvalidState {
		t.Fatalf("a passive interpreter counts down: %s", env.Data)
	}
	anne.send(realtime.CmdBoothRequest, "b2", map[string]any{"in": 61})
	if env := anne.expectSkipping(realtime.MsgError); errorCode(t, env) != realtime.ErrBadMessage {
		t.Fatalf("a countdown over a minute: %s", env.Data)
	}
	anne.send(realtime.CmdBoothRequest, "", map[string]any{"in": 1})
	b = bruno.nextInterp(func(b interpretation.Booth) bool { return b.Pending != nil })
	if b.Pending.At == nil || b.Pending.To != bruno.id || b.Pending.Accepted {
		t.Fatalf("offer with a countdown: %+v", b.Pending)
	}
	zero := *b.Pending.At
	bruno.send(realtime.CmdBoothAccept, "", nil)
	// Accepted before zero, or switched at once when the zero has passed
	// already (a loaded machine): either way Bruno goes live, by the
	// room's own clock, without anyone sending anything more.
	b = anne.nextInterp(func(b interpretation.Booth) bool { return b.Live == bruno.id })
	if b.Pending != nil || b.LiveSince == nil || b.LiveSince.Before(zero) {
		t.Fatalf("the switch came before the countdown's zero %v: %+v", zero, b)
	}
}

func TestHostsRunTheSession(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	p := f.anon("Pablo")
	interp, _ := f.join("Anne", "token="+url.QueryEscape(f.invite("interpreter", "Anne")))

	// Session starts: the first item with it; ends: the running item too.
	host.send(realtime.CmdSessionStart, "", nil)
	var prog realtime.Progress
	mustUnmarshal(t, p.expectSkipping(realtime.MsgAgenda).Data, &prog)
	if prog.Session != realtime.SessionRunning || prog.SessionStarted == nil {
		t.Fatalf("after session.start: %+v", prog)
	}
	mustUnmarshal(t, p.expectSkipping(realtime.MsgAgenda).Data, &prog)
	if prog.Current != "it-open" {
		t.Fatalf("session.start did not start the first item: %+v", prog)
	}
	host.send(realtime.CmdSessionStart, "s2", nil)
	if code := errorCode(t, host.expectSkipping(realtime.MsgError)); code != realtime.ErrInvalidState {
		t.Fatalf("starting a running session: %s", code)
	}
	host.send(realtime.CmdSessionEnd, "", nil)
	mustUnmarshal(t, p.expectSkipping(realtime.MsgAgenda).Data, &prog)
	if prog.Session != realtime.SessionEnded || prog.Current != "" || len(prog.Done) != 1 || prog.Done[0] != "it-open" {
		t.Fatalf("after session.end: %+v", prog)
	}

	// An announcement in two languages reaches everyone, and latecomers.
	host.send(realtime.CmdAnnounce, "a1", map[string]any{"text": map[string]string{"xx": "?"}})
	if code := errorCode(t, host.expectSkipping(realtime.MsgError)); code != realtime.ErrBadMessage {
		t.Fatalf("an announcement in no language of the session: %s", code)
	}
	host.send(realtime.CmdAnnounce, "", map[string]any{"text": map[string]string{"en": "Break until 15:00", "fr": "Pause jusqu'à 15 h"}})
	var a realtime.Announcement
	mustUnmarshal(t, p.expectSkipping(realtime.MsgAnnouncement).Data, &a)
	if a.Text["fr"] != "Pause jusqu'à 15 h" || a.By != "Alice" {
		t.Fatalf("announcement %+v", a)
	}
	_, welcome := f.join("late", "name=Late")
	var w struct{ Announcement *realtime.Announcement }
	mustUnmarshal(t, welcome.Data, &w)
	if w.Announcement == nil || w.Announcement.Text["en"] != "Break until 15:00" {
		t.Fatalf("a latecomer's welcome: %s", welcome.Data)
	}

	// On stage, a participant may caption the floor without holding it.
	p.send(realtime.CmdCaption, "c1", map[string]string{"text": "hello"})
	if code := errorCode(t, p.expectSkipping(realtime.MsgError)); code != realtime.ErrInvalidState {
		t.Fatalf("a caption off stage: %s", code)
	}
	host.send(realtime.CmdStage, "", map[string]any{"id": p.id})
	var m realtime.Member
	mustUnmarshal(t, p.expectSkipping(realtime.MsgMember).Data, &m)
	if !m.Stage || m.ID != p.id {
		t.Fatalf("after stage: %+v", m)
	}
	p.send(realtime.CmdCaption, "c2", map[string]string{"text": "hello"})
	if env := p.expectSkipping(realtime.MsgCaption); env.From != p.id {
		t.Fatalf("a caption on stage: %+v", env)
	}

	// The shift warning, per session.
	host.send(realtime.CmdShiftWarning, "w1", map[string]int{"minutes": 1})
	if code := errorCode(t, host.expectSkipping(realtime.MsgError)); code != realtime.ErrBadMessage {
		t.Fatalf("a one-minute shift: %s", code)
	}
	host.send(realtime.CmdShiftWarning, "", map[string]int{"minutes": 20})
	var iv struct {
		ShiftWarning int `json:"shift_warning"`
	}
	for i := 0; iv.ShiftWarning != 20; i++ {
		if i == 10 {
			t.Fatalf("shift warning %d, want 20", iv.ShiftWarning)
		}
		mustUnmarshal(t, interp.expectSkipping(realtime.MsgInterp).Data, &iv)
	}

	// The sound alarm reaches the hosts, once in 15 s.
	interp.send(realtime.CmdBoothSound, "", map[string]string{"problem": "no_sound"})
	var alarm struct{ Booth, Problem string }
	mustUnmarshal(t, host.expectSkipping(realtime.MsgSoundAlarm).Data, &alarm)
	if alarm.Booth != "fr" || alarm.Problem != "no_sound" {
		t.Fatalf("alarm %+v", alarm)
	}
	interp.send(realtime.CmdBoothSound, "s2", map[string]string{"problem": "bad_sound"})
	if code := errorCode(t, interp.expectSkipping(realtime.MsgError)); code != realtime.ErrRateLimited {
		t.Fatalf("a second alarm at once: %s", code)
	}
}

// TestInterpretersHearInputPartnerAndFloor: an interpreter receives their
// input, their partner while the partner is live (never their own voice),
// and the floor under a relay; listeners receive what they did before.
// Each member's frames are read in order, so a frame that should not have
// come shows up in place of the next expected one.
func TestInterpretersHearInputPartnerAndFloor(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	anne := f.interpreter("Anne", "fr", "en")
	bruno := f.interpreter("Bruno", "fr", "en")
	carla := f.interpreter("Carla", "es", "fr") // no English: relays from French
	lfr, les, mixed := f.anon("Listener fr"), f.anon("Listener es"), f.anon("Mixed es")
	lfr.send(realtime.CmdChannel, "", map[string]string{"channel": "fr"})
	les.send(realtime.CmdChannel, "", map[string]string{"channel": "es"})
	mixed.send(realtime.CmdChannel, "", map[string]any{"channel": "es", "original": true})
	for _, m := range []*member{lfr, les, mixed} {
		m.expectSkipping(realtime.MsgMember)
	}
	host.send(realtime.CmdFloorLanguage, "", map[string]string{"language": "en"})
	anne.send(realtime.CmdBoothTake, "", nil)
	carla.send(realtime.CmdBoothTake, "", nil)
	v := host.interpUntil(func(v interpViewT) bool {
		return v.FloorLanguage == "en" && v.live("fr") == anne.id && v.live("es") == carla.id
	})
	if r := v.route("es"); r.Status != interpretation.RouteRelay || r.Input != "fr" {
		t.Fatalf("es route: %+v, want a relay from fr", r)
	}

	frame := func(ch string, b byte) []byte { return realtime.AudioFrame(ch, []byte{b}) }
	expect := func(step string, want []byte, ms ...*member) {
		t.Helper()
		for _, m := range ms {
			if got := m.nextFrame(); !bytes.Equal(got, want) {
				ch, p, _ := realtime.ParseFrame(got)
				t.Fatalf("%s: %s got %s %x, want %x", step, m.name, ch, p, want)
			}
		}
	}
	host.sendFrame("floor", 1)
	expect("the floor", frame("floor", 1), anne, bruno, carla, mixed)
	anne.sendFrame("fr", 2)
	expect("Anne live in French", frame("fr", 2), bruno, carla, lfr)
	carla.sendFrame("es", 3)
	expect("Carla live in Spanish", frame("es", 3), les, mixed)
	host.sendFrame("floor", 4)
	// Anne's next frame is the floor: her own French never came back; nor
	// did Carla's. Carla's is the floor too, after Anne's French (her
	// pivot), without her own Spanish.
	expect("the floor again", frame("floor", 4), anne, bruno, carla, mixed)
	anne.sendFrame("fr", 5)
	carla.sendFrame("es", 6)
	// Listeners without the original never get the floor under a live
	// interpretation, nor another channel.
	expect("French again", frame("fr", 5), lfr, bruno, carla)
	expect("Spanish again", frame("es", 6), les, mixed)

	// After a handover Anne is the partner: she hears Bruno, he does not
	// hear himself.
	takesOver(bruno, anne, "fr")
	bruno.sendFrame("fr", 7)
	expect("Bruno live in French", frame("fr", 7), anne, lfr, carla)
	host.sendFrame("floor", 8)
	expect("the floor after the handover", frame("floor", 8), bruno, anne)
}

// takesOver has partner ask for live's booth and live accept; it returns
// once both see partner live.
func takesOver(partner, live *member, booth string) {
	partner.t.Helper()
	partner.send(realtime.CmdBoothRequest, "", nil)
	live.interpUntil(func(v interpViewT) bool {
		for _, b := range v.Booths {
			if b.Language == booth && b.Pending != nil {
				return true
			}
		}
		return false
	})
	live.send(realtime.CmdBoothAccept, "", nil)
	for _, m := range []*member{partner, live} {
		m.interpUntil(func(v interpViewT) bool { return v.live(booth) == partner.id })
	}
}
