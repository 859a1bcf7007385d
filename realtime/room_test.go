package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
)

// Room-level tests: a Node over the in-process backend, served by a bare
// HTTP handler, and websocket clients, without the server package.

// info serves one event with one agenda item.
type info struct{ start time.Time }

func (i info) GetEvent(context.Context, string) (agenda.Event, error) {
	return agenda.Event{ID: "ev", Title: agenda.Text{"en": "A session"}, Start: i.start, End: i.start.Add(time.Hour),
		TimeZone: "UTC", Languages: []string{"en", "fr"}}, nil
}

func (i info) GetAgenda(context.Context, string) (agenda.Agenda, error) {
	return agenda.Agenda{EventID: "ev", Items: []agenda.Item{{ID: "it-1", Title: agenda.Text{"en": "Opening"}, Start: i.start, Minutes: 30}}}, nil
}

// serve runs a node over backend behind a handler that joins
// ?name=&role=[&since=&epoch=] to room "ev".
func serve(t testing.TB, backend realtime.Backend) string {
	t.Helper()
	url, _ := serveNode(t, backend)
	return url
}

// serveNode is serve, and the node.
func serveNode(t testing.TB, backend realtime.Backend) (string, *realtime.Node) {
	t.Helper()
	return serveConfig(t, realtime.Config{ChatRate: 100, ChatBurst: 100}, backend)
}

// serveConfig is serveNode with a node configured by cfg; the handler also
// takes &booth= and &languages= (comma-separated).
func serveConfig(t testing.TB, cfg realtime.Config, backend realtime.Backend) (string, *realtime.Node) {
	t.Helper()
	node := realtime.New(cfg, backend, info{start: time.Now().Add(-time.Minute)})
	up := websocket.Upgrader{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		var since *realtime.Position
		if s := q.Get("since"); s != "" {
			n, _ := strconv.ParseUint(s, 10, 64)
			since = &realtime.Position{Seq: n, Epoch: q.Get("epoch")}
		}
		conn, err := realtime.Upgrade(&up, w, req, nil)
		if err != nil {
			return
		}
		m := realtime.Member{Name: q.Get("name"), Role: realtime.Role(q.Get("role")), Subject: "s-" + q.Get("name"), Booth: q.Get("booth")}
		if l := q.Get("languages"); l != "" {
			m.Languages = strings.Split(l, ",")
		}
		if err := node.Accept(conn, "ev", m, since); err != nil {
			t.Errorf("accept: %v", err)
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = node.Shutdown(ctx)
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http"), node
}

type client struct {
	t    *testing.T
	name string
	conn *websocket.Conn
	id   string
}

// welcome is what the tests read of a welcome or resume.
type welcome struct {
	You   realtime.Member `json:"you"`
	Seq   uint64          `json:"seq"`
	Epoch string          `json:"epoch"`
}

func dial(t *testing.T, url, query string) (*client, realtime.Envelope, welcome) {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(url+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, name: query, conn: conn}
	first := c.next()
	var w welcome
	if err := json.Unmarshal(first.Data, &w); err != nil {
		t.Fatalf("%s: %s %s", query, first.Type, first.Data)
	}
	c.id = w.You.ID
	return c, first, w
}

func (c *client) next() realtime.Envelope {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var env realtime.Envelope
	if err := c.conn.ReadJSON(&env); err != nil {
		c.t.Fatalf("%s: read: %v", c.name, err)
	}
	return env
}

// until reads up to the first message of type typ.
func (c *client) until(typ realtime.MsgType) realtime.Envelope {
	c.t.Helper()
	for {
		if env := c.next(); env.Type == typ {
			return env
		}
	}
}

func (c *client) send(typ realtime.MsgType, id string, data any) {
	c.t.Helper()
	msg := map[string]any{"type": typ, "id": id}
	if data != nil {
		msg["data"] = data
	}
	if err := c.conn.WriteJSON(msg); err != nil {
		c.t.Fatal(err)
	}
}

// TestRoomHandsAndFloor runs the floor through its commands: a hand
// raised, the floor granted, released; a participant may not grant it.
func TestRoomHandsAndFloor(t *testing.T) {
	url := serve(t, broker.NewMemory(broker.MemoryConfig{}))
	host, _, _ := dial(t, url, "name=Host&role=host")
	amina, _, _ := dial(t, url, "name=Amina&role=participant")
	amina.send(realtime.CmdHandRaise, "h1", nil)
	var f realtime.Floor
	if err := json.Unmarshal(host.until(realtime.MsgFloor).Data, &f); err != nil || len(f.Queue) != 1 || f.Queue[0] != amina.id {
		t.Fatalf("floor after the hand: %+v %v", f, err)
	}
	amina.send(realtime.CmdFloorGrant, "g0", map[string]string{"id": amina.id})
	if e := amina.until(realtime.MsgError); e.ID != "g0" || !strings.Contains(string(e.Data), string(realtime.ErrForbidden)) {
		t.Fatalf("a participant granting the floor: %s %s", e.ID, e.Data)
	}
	host.send(realtime.CmdFloorGrant, "g1", map[string]string{"id": amina.id})
	if err := json.Unmarshal(amina.until(realtime.MsgFloor).Data, &f); err != nil || f.Speaker != amina.id || len(f.Queue) != 0 {
		t.Fatalf("floor after the grant: %+v %v", f, err)
	}
	host.until(realtime.MsgFloor) // the grant
	amina.send(realtime.CmdFloorRelease, "r1", nil)
	if err := json.Unmarshal(host.until(realtime.MsgFloor).Data, &f); err != nil || f.Speaker != "" {
		t.Fatalf("floor after the release: %+v %v", f, err)
	}
}

// TestRoomLogWentBack: a client that saw further in the room's log than
// the log holds (the room file was restored from a backup) makes the log
// start a new epoch; every client connected gets a fresh welcome with it,
// and the returning client too, never a resume.
func TestRoomLogWentBack(t *testing.T) {
	url := serve(t, broker.NewMemory(broker.MemoryConfig{}))
	host, _, hw := dial(t, url, "name=Host&role=host")
	host.send(realtime.CmdChat, "c1", map[string]string{"text": "hello"})
	at := host.until(realtime.MsgChat).Seq

	back, first, bw := dial(t, url, fmt.Sprintf("name=Back&role=participant&since=%d&epoch=%s", at+10, hw.Epoch))
	if first.Type != realtime.MsgWelcome || bw.Epoch == hw.Epoch || bw.Epoch == "" {
		t.Fatalf("returning from beyond the log: %s in epoch %q (was %q), want a welcome in a new epoch", first.Type, bw.Epoch, hw.Epoch)
	}
	env := host.until(realtime.MsgWelcome)
	var again welcome
	if err := json.Unmarshal(env.Data, &again); err != nil || again.Epoch != bw.Epoch || again.You.ID != host.id {
		t.Fatalf("the connected host's new welcome: %s %v", env.Data, err)
	}
	back.send(realtime.CmdChat, "c2", map[string]string{"text": "in the new epoch"})
	if env := host.until(realtime.MsgChat); !strings.Contains(string(env.Data), "in the new epoch") || env.Seq <= again.Seq {
		t.Fatalf("after the new welcome: %s seq %d (welcome at %d)", env.Data, env.Seq, again.Seq)
	}

	// A resume in the new epoch works; one in the old gets a welcome.
	_, first, _ = dial(t, url, fmt.Sprintf("name=Late&role=participant&since=%d&epoch=%s", again.Seq, again.Epoch))
	if first.Type != realtime.MsgResume {
		t.Fatalf("resume in the new epoch: %s", first.Type)
	}
	_, first, _ = dial(t, url, fmt.Sprintf("name=Later&role=participant&since=%d&epoch=%s", again.Seq, hw.Epoch))
	if first.Type != realtime.MsgWelcome {
		t.Fatalf("resume in the old epoch: %s, want welcome", first.Type)
	}
}

// TestRoomSlowDown: an interpreter's "slow down" reaches the hosts and
// whoever holds the floor, names nobody, reaches no one else, and cannot
// be repeated within SlowDownEvery.
func TestRoomSlowDown(t *testing.T) {
	url := serve(t, broker.NewMemory(broker.MemoryConfig{}))
	host, _, _ := dial(t, url, "name=Host&role=host")
	amina, _, _ := dial(t, url, "name=Amina&role=participant")
	bob, _, _ := dial(t, url, "name=Bob&role=participant")
	ivan, _, _ := dial(t, url, "name=Ivan&role=interpreter")
	host.send(realtime.CmdFloorGrant, "g1", map[string]string{"id": amina.id})
	amina.until(realtime.MsgFloor)
	bob.until(realtime.MsgFloor)
	ivan.until(realtime.MsgFloor)

	ivan.send(realtime.CmdSlowDown, "s1", nil)
	for _, c := range []*client{host, amina} {
		if env := c.until(realtime.MsgSlowDown); env.From != "" || env.To != realtime.ToSpeaker || len(env.Data) > 2 {
			t.Errorf("%s got %+v: it must name nobody", c.name, env)
		}
	}
	// Bob reads on up to a chat the host sends after: no slow_down before.
	host.send(realtime.CmdChat, "c1", map[string]string{"text": "after"})
	for {
		env := bob.next()
		if env.Type == realtime.MsgSlowDown {
			t.Fatalf("a participant without the floor got %s", env.Type)
		}
		if env.Type == realtime.MsgChat {
			break
		}
	}
	ivan.send(realtime.CmdSlowDown, "s2", nil)
	if e := ivan.until(realtime.MsgError); e.ID != "s2" || !strings.Contains(string(e.Data), string(realtime.ErrRateLimited)) {
		t.Fatalf("a second request at once: %s %s", e.ID, e.Data)
	}
}
