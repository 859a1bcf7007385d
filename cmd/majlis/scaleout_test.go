package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/internal/redistest"
)

// The scale-out tests run real majlis processes (built with -race by
// TestMain) on one real redis-server, as a deployment behind a load
// balancer would, and talk to them as clients do: over websockets.

// consultation is the session of the scale-out test: a public webinar
// running now, like the demo's consultation, with interpretation in four
// languages; its first agenda item (item-1) has English as its floor
// language. It runs now because invitations to it must still work (an
// invitation ends with its event). TestScaleOut makes it.
var consultation string

// makeConsultation creates the session through addr's API and returns its
// ID.
func makeConsultation(t *testing.T, addr, token string) string {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	var ev struct{ ID string }
	apiPost(t, addr, "/api/v1/events", token, fmt.Sprintf(`{"kind":"webinar",
		"title":{"en":"Consultation on the Global Action Plan"},"start":%q,"end":%q,"timezone":"Europe/Zurich","region":"global",
		"visibility":"public","status":"published","languages":["ar","en","fr","es"]}`,
		start.Format(time.RFC3339), start.Add(90*time.Minute).Format(time.RFC3339)), &ev)
	body := fmt.Sprintf(`{"items":[{"id":"item-1","title":{"en":"Welcome and opening"},"start":%q,"duration":15,
		"speakers":[],"floor_language":"en","kind":"opening"}]}`, start.Format(time.RFC3339))
	// The draft, then its release: the room runs the published agenda.
	for _, w := range []struct {
		method, path, body string
		status             int
	}{{"PUT", "/agenda", body, http.StatusOK}, {"POST", "/agenda/releases", "{}", http.StatusCreated}} {
		req, _ := http.NewRequest(w.method, "http://"+addr+"/api/v1/events/"+url.PathEscape(ev.ID)+w.path, strings.NewReader(w.body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", "*")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != w.status {
			t.Fatalf("%s %s: %s", w.method, w.path, res.Status)
		}
	}
	return ev.ID
}

// envelope is a server message (docs/protocol.md).
type envelope struct {
	Type string          `json:"type"`
	Seq  uint64          `json:"seq"`
	ID   string          `json:"id"`
	From string          `json:"from"`
	To   string          `json:"to"`
	Data json.RawMessage `json:"data"`
}

// frame is what a peer's reader received: a message, a binary (audio)
// frame, or the error that ended the connection.
type frame struct {
	env    envelope
	binary []byte
	err    error
}

// peer is one client connection. Its reader goroutine records every
// message that carries a seq in log, across reconnections, so that tests
// can compare what clients on different instances saw.
type peer struct {
	t    *testing.T
	name string
	conn *websocket.Conn
	in   chan frame
	you  string // member ID of the current connection
	// epoch names the room's log, from the last welcome or resume.
	epoch string

	mu  sync.Mutex
	log []envelope
}

// join connects a new peer; query is the URL query (token or name).
func join(t *testing.T, addr, query string) *peer {
	t.Helper()
	p := &peer{t: t, name: query}
	p.connect(addr, query)
	return p
}

// connect dials addr and reads the first message (welcome or resume).
func (p *peer) connect(addr, query string) envelope {
	p.t.Helper()
	conn, res, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws/rooms/"+consultation+"?"+query, nil)
	if err != nil {
		status := ""
		if res != nil {
			status = res.Status
		}
		p.t.Fatalf("%s: join %s: %v %s", p.name, addr, err, status)
	}
	p.t.Cleanup(func() { conn.Close() })
	p.conn, p.in = conn, make(chan frame, 4096)
	go p.read(conn, p.in)
	first := p.next()
	if first.env.Type != "welcome" && first.env.Type != "resume" {
		p.t.Fatalf("%s: first message %q, want welcome or resume", p.name, first.env.Type)
	}
	var d struct {
		You   struct{ ID string }
		Epoch string
	}
	if err := json.Unmarshal(first.env.Data, &d); err != nil || d.You.ID == "" || d.Epoch == "" {
		p.t.Fatalf("%s: %s without you.id or epoch: %s", p.name, first.env.Type, first.env.Data)
	}
	p.you, p.epoch = d.You.ID, d.Epoch
	return first.env
}

// read is the peer's only reader: it ends with the connection.
func (p *peer) read(conn *websocket.Conn, in chan<- frame) {
	defer close(in)
	for {
		kind, b, err := conn.ReadMessage()
		if err != nil {
			in <- frame{err: err}
			return
		}
		if kind == websocket.BinaryMessage {
			in <- frame{binary: b}
			continue
		}
		var env envelope
		if err := json.Unmarshal(b, &env); err != nil {
			in <- frame{err: fmt.Errorf("undecodable message %s: %w", b, err)}
			return
		}
		if env.Seq > 0 && env.Type != "welcome" {
			p.mu.Lock()
			p.log = append(p.log, env)
			p.mu.Unlock()
		}
		in <- frame{env: env}
	}
}

// next returns the next frame; a closed connection fails the test.
func (p *peer) next() frame {
	p.t.Helper()
	select {
	case f, ok := <-p.in:
		if !ok || f.err != nil {
			p.t.Fatalf("%s: connection ended: %v", p.name, f.err)
		}
		return f
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s: nothing received for 30 s", p.name)
	}
	return frame{}
}

// until returns the first frame that satisfies ok, skipping others.
func (p *peer) until(what string, ok func(frame) bool) frame {
	p.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case f, open := <-p.in:
			if !open || f.err != nil {
				p.t.Fatalf("%s: connection ended waiting for %s: %v", p.name, what, f.err)
			}
			if ok(f) {
				return f
			}
		case <-deadline:
			p.t.Fatalf("%s: no %s within 60 s", p.name, what)
		}
	}
}

// chatWith waits for a chat whose text contains s.
func (p *peer) chatWith(s string) envelope {
	p.t.Helper()
	return p.until("chat "+s, func(f frame) bool {
		return f.env.Type == "chat" && strings.Contains(string(f.env.Data), s)
	}).env
}

func (p *peer) send(typ, id string, data any) {
	p.t.Helper()
	msg := map[string]any{"type": typ, "id": id}
	if data != nil {
		msg["data"] = data
	}
	if err := p.conn.WriteJSON(msg); err != nil {
		p.t.Fatalf("%s: send %s: %v", p.name, typ, err)
	}
}

// seen returns the logged messages with seq in (after, upto].
func (p *peer) seen(after, upto uint64) []envelope {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []envelope
	for _, e := range p.log {
		if e.Seq > after && e.Seq <= upto {
			out = append(out, e)
		}
	}
	return out
}

// checkOnceInOrder fails if p's log repeats or reorders a seq.
func (p *peer) checkOnceInOrder() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 1; i < len(p.log); i++ {
		if p.log[i].Seq <= p.log[i-1].Seq {
			p.t.Errorf("%s received seq %d (%s) after seq %d (%s): twice or out of order", p.name,
				p.log[i].Seq, p.log[i].Type, p.log[i-1].Seq, p.log[i-1].Type)
		}
	}
}

// sameMessages fails unless every peer saw exactly the same messages with
// seq in (after, upto]: same seqs, types, authors and payloads.
func sameMessages(t *testing.T, after, upto uint64, peers ...*peer) {
	t.Helper()
	key := func(es []envelope) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%d %s %s %s", e.Seq, e.Type, e.From, e.Data))
		}
		return out
	}
	want := key(peers[0].seen(after, upto))
	if len(want) == 0 {
		t.Fatalf("%s saw nothing in (%d, %d]", peers[0].name, after, upto)
	}
	for _, p := range peers[1:] {
		if got := key(p.seen(after, upto)); !slices.Equal(got, want) {
			t.Errorf("%s and %s saw different messages in (%d, %d]:\n%s\n---\n%s", peers[0].name, p.name, after, upto,
				strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	}
}

// apiPost posts a JSON body with an organizer token and decodes the answer.
func apiPost(t *testing.T, addr, path, token, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		t.Fatalf("POST %s: %s %s", path, res.Status, b.String())
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// audioFrame builds a binary frame for channel (docs/protocol.md, Audio).
func audioFrame(channel string, payload []byte) []byte {
	return append(append([]byte{1, byte(len(channel))}, channel...), payload...)
}

// TestScaleOut runs a session across two instances on one Redis, then
// kills one with SIGKILL, then stops Redis for longer than an instance
// heartbeat lives. What it checks, in order:
//
//   - organizer commands and the API work with --redis, and an invite
//     made on one instance is accepted by the other, and once revoked on
//     the first, its holder is removed from the room on the other, which
//     refuses it from then on (one shared store);
//   - clients on both instances see each other's chat, hands and agenda
//     progress, in the same order, with the same seq;
//   - a listener on instance B hears the interpreter on instance A, and a
//     listener of another channel hears nothing;
//   - after kill -9 of A, its client resumes on B with since= and gets
//     every message it missed exactly once, in order; A's members leave
//     the room (reason timeout) without anyone announcing it;
//   - while Redis is down, a command is refused with the error
//     `unavailable` and a join with HTTP 503 `unavailable`, and the
//     refused message is never delivered later; after Redis is back, both
//     instances recover on their own and nobody alive is dropped although
//     every heartbeat expired during the outage.
func TestScaleOut(t *testing.T) {
	redis := redistest.Start(t, redistest.Config{})
	out, errOut, err := majlis(t, nil, "organizer", "add", "--name", "Head office", "--redis", redis.URL())
	if err != nil {
		t.Fatalf("organizer add --redis: %v %s", err, errOut)
	}
	token := lastLine(out)
	if out, _, err := majlis(t, []string{"MAJLIS_REDIS=" + redis.URL()}, "organizer", "list"); err != nil || !strings.Contains(out, "Head office") {
		t.Fatalf("organizer list with MAJLIS_REDIS: %v %s", err, out)
	}
	addrA, addrB := freePort(t), freePort(t)
	srvA := startServe(t, t.TempDir(), addrA, "--redis", redis.URL(), "--demo")
	startServe(t, t.TempDir(), addrB, "--redis", redis.URL(), "--demo")
	consultation = makeConsultation(t, addrB, token)

	// One session across both instances.
	host := join(t, addrA, "token="+url.QueryEscape(token))
	amina := join(t, addrB, "name=Amina")
	kwame := &peer{t: t, name: "Kwame (A)"}
	kwameWelcome := kwame.connect(addrA, "name=Kwame")
	amina.name, kwame.name, host.name = "Amina (B)", "Kwame (A)", "host (A)"
	// Kwame joined last: after his welcome, everyone sees everything.
	start := kwameWelcome.Seq

	amina.send("chat", "c1", map[string]string{"text": "Habari from instance B"})
	kwame.chatWith("Habari from instance B")
	kwame.send("chat", "c2", map[string]string{"text": "Bonjour depuis l'instance A"})
	amina.chatWith("Bonjour depuis l'instance A")
	amina.send("hand.raise", "h1", nil)
	host.until("Amina's hand", func(f frame) bool { return f.env.Type == "floor" && strings.Contains(string(f.env.Data), amina.you) })
	host.send("floor.grant", "g1", map[string]string{"id": amina.you})
	host.send("agenda.start", "a1", map[string]string{"item": "item-1"})
	host.until("agenda progress", func(f frame) bool { return f.env.Type == "agenda" })
	amina.send("chat", "c3", map[string]string{"text": "end of part one"})
	end := amina.chatWith("end of part one").Seq
	host.chatWith("end of part one")
	kwame.chatWith("end of part one")
	sameMessages(t, start, end, amina, kwame, host)
	var order []string
	for _, e := range amina.seen(start, end) {
		if e.Type != "presence.join" && e.Type != "member" {
			order = append(order, e.Type)
		}
	}
	if want := []string{"chat", "chat", "floor", "floor", "agenda"}; !isSubsequence(want, order) {
		t.Errorf("messages in order %v, want %v among them", order, want)
	}

	// Interpretation across instances: the French booth's interpreter is
	// on A; a French listener and a Spanish listener are on B.
	var invite struct{ Token string }
	apiPost(t, addrB, "/api/v1/events/"+consultation+"/invites", token,
		`{"role":"interpreter","name":"Claire","languages":["en"],"booth":"fr"}`, &invite)
	claire := join(t, addrA, "token="+url.QueryEscape(invite.Token))
	var revoked struct{ ID, Token string }
	apiPost(t, addrB, "/api/v1/events/"+consultation+"/invites", token, `{"role":"participant","name":"Withdrawn"}`, &revoked)
	withdrawn := join(t, addrA, "token="+url.QueryEscape(revoked.Token))
	del, _ := http.NewRequest("DELETE", "http://"+addrB+"/api/v1/events/"+consultation+"/invites/"+revoked.ID, nil)
	del.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(del)
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke on B: %v %v", res, err)
	}
	res.Body.Close()
	withdrawn.until("removed on A after the revocation on B", func(f frame) bool { return f.env.Type == "remove" })
	select { // then closed: 4003, removed
	case f := <-withdrawn.in:
		if !websocket.IsCloseError(f.err, 4003) {
			t.Fatalf("the holder of an invitation revoked on B: %v, want close 4003", f.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the holder of an invitation revoked on B is still connected")
	}
	if _, res, err := websocket.DefaultDialer.Dial("ws://"+addrA+"/ws/rooms/"+consultation+"?token="+url.QueryEscape(revoked.Token), nil); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an invitation revoked on B joins on A: %v %v", res, err)
	}
	claire.name = "Claire (A, fr booth)"
	sofia := join(t, addrB, "name=Sofia")
	sofia.name = "Sofia (B, es)"
	amina.send("channel", "ch1", map[string]string{"channel": "fr"})
	sofia.send("channel", "ch2", map[string]string{"channel": "es"})
	amina.until("her channel", func(f frame) bool { return f.env.Type == "member" && f.env.From == amina.you })
	sofia.until("her channel", func(f frame) bool { return f.env.Type == "member" && f.env.From == sofia.you })
	claire.send("booth.take", "t1", nil)
	claire.until("the booth live", func(f frame) bool {
		return f.env.Type == "interpretation" && strings.Contains(string(f.env.Data), `"live":"`+claire.you+`"`)
	})
	amina.until("the booth live", func(f frame) bool {
		return f.env.Type == "interpretation" && strings.Contains(string(f.env.Data), `"live":"`+claire.you+`"`)
	})
	const frames = 25
	for i := range frames {
		if err := claire.conn.WriteMessage(websocket.BinaryMessage, audioFrame("fr", fmt.Appendf(nil, "opus-fr-%02d", i))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // 50 frames/s, as WebCodecs produces them
	}
	for i := range frames {
		f := amina.until("audio", func(f frame) bool { return f.binary != nil })
		if want := audioFrame("fr", fmt.Appendf(nil, "opus-fr-%02d", i)); !bytes.Equal(f.binary, want) {
			t.Fatalf("French listener on B: frame %d is %q, want %q", i, f.binary, want)
		}
	}
	// Sofia's connection carries every seq'd message too: once the chat
	// sent after the audio reaches her, no French frame is on its way.
	claire.send("chat", "c4", map[string]string{"text": "fin du français"})
	for {
		f := sofia.next()
		if f.binary != nil {
			t.Fatalf("Spanish listener received a frame: %q", f.binary)
		}
		if f.env.Type == "chat" && strings.Contains(string(f.env.Data), "fin du français") {
			break
		}
	}

	// kill -9 instance A: Kwame resumes on B and misses nothing.
	kwameLast := kwame.chatWith("fin du français").Seq
	amina.chatWith("fin du français")
	if err := srvA.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{kwame, host, claire} {
		p.closed()
	}
	amina.send("chat", "k1", map[string]string{"text": "while A is down, one"})
	amina.send("chat", "k2", map[string]string{"text": "while A is down, two"})
	amina.chatWith("while A is down, two")
	resumed := kwame.connect(addrB, fmt.Sprintf("name=Kwame&since=%d&epoch=%s", kwameLast, kwame.epoch))
	if resumed.Type != "resume" {
		t.Fatalf("Kwame reconnecting with since=%d got %s, want resume", kwameLast, resumed.Type)
	}
	kwame.name = "Kwame (resumed on B)"
	kwame.chatWith("while A is down, one")
	kwame.chatWith("while A is down, two")
	amina.send("chat", "k3", map[string]string{"text": "welcome back"})
	end = kwame.chatWith("welcome back").Seq
	amina.chatWith("welcome back")
	kwame.checkOnceInOrder()
	amina.checkOnceInOrder()
	sameMessages(t, kwameLast, end, amina, kwame)
	// Nobody announces A's members' departure: B finds A's heartbeat gone.
	for _, gone := range []*peer{host, claire} {
		amina.until("the departure of "+gone.name, func(f frame) bool {
			return f.env.Type == "presence.leave" && f.env.From == gone.you && strings.Contains(string(f.env.Data), `"timeout"`)
		})
	}

	// Redis stops for longer than a heartbeat lives (10 s). A second
	// instance C serves Lena meanwhile.
	addrC := freePort(t)
	startServe(t, t.TempDir(), addrC, "--redis", redis.URL())
	lena := join(t, addrC, "name=Lena")
	lena.name = "Lena (C)"
	lenaJoined := amina.until("Lena", func(f frame) bool { return f.env.Type == "presence.join" && f.env.From == lena.you }).env.Seq
	if err := redis.Stop(); err != nil {
		t.Fatal(err)
	}
	outage := time.Now()
	amina.send("chat", "o1", map[string]string{"text": "sent during the outage"})
	refused := amina.until("the refusal", func(f frame) bool { return f.env.Type == "error" && f.env.ID == "o1" })
	if !strings.Contains(string(refused.env.Data), `"unavailable"`) {
		t.Fatalf("a chat during the outage got %s, want the error unavailable", refused.env.Data)
	}
	lena.send("hand.raise", "o2", nil)
	refused = lena.until("the refusal", func(f frame) bool { return f.env.Type == "error" && f.env.ID == "o2" })
	if !strings.Contains(string(refused.env.Data), `"unavailable"`) {
		t.Fatalf("a hand raised during the outage got %s, want the error unavailable", refused.env.Data)
	}
	conn, res, err := websocket.DefaultDialer.Dial("ws://"+addrB+"/ws/rooms/"+consultation+"?name=Late", nil)
	if err == nil {
		conn.Close()
		t.Fatal("a join during the outage was upgraded")
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body.String(), `"code":"unavailable"`) || res.Header.Get("Retry-After") == "" {
		t.Errorf("a join during the outage: %s %s, want 503 unavailable with Retry-After", res.Status, body.String())
	}
	time.Sleep(11*time.Second - time.Since(outage)) // every heartbeat key expires
	if err := redis.Restart(); err != nil {
		t.Fatal(err)
	}
	// The instances reconnect on their own; a client retries what was
	// refused, as the error told it to.
	for i := 0; ; i++ {
		id := fmt.Sprintf("r%d", i)
		amina.send("chat", id, map[string]string{"text": "after the outage"})
		f := amina.until("the chat or its refusal", func(f frame) bool {
			return (f.env.Type == "error" && f.env.ID == id) || (f.env.Type == "chat" && f.env.From == amina.you)
		})
		if f.env.Type == "chat" {
			break
		}
		if i == 30 {
			t.Fatalf("still refused 30 tries after Redis came back: %s", f.env.Data)
		}
		time.Sleep(time.Second)
	}
	lena.chatWith("after the outage")
	lena.send("chat", "l1", map[string]string{"text": "Lena is still here"})
	amina.chatWith("Lena is still here")
	kwame.chatWith("Lena is still here")
	// Give the rooms time to look for dead instances (every 5 s) once the
	// heartbeats are back: a live member must not be taken for dead.
	time.Sleep(12 * time.Second)
	amina.send("chat", "z1", map[string]string{"text": "last word"})
	for _, p := range []*peer{amina, kwame, lena} {
		p.chatWith("last word")
		p.checkOnceInOrder()
		for _, e := range p.seen(lenaJoined, ^uint64(0)) {
			if e.Type == "presence.leave" {
				t.Errorf("%s saw %s leave after the outage: %s", p.name, e.From, e.Data)
			}
			if strings.Contains(string(e.Data), "sent during the outage") {
				t.Errorf("%s received the refused chat: a refused message must never be delivered", p.name)
			}
		}
	}
}

// closed waits for the peer's connection to end.
func (p *peer) closed() {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case f, ok := <-p.in:
			if !ok || f.err != nil {
				return
			}
		case <-deadline:
			p.t.Fatalf("%s: connection still open after 30 s", p.name)
		}
	}
}

func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
