package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

const roomEvent = "room-webinar"

// roomFixture serves one public webinar, running now, with a three-item
// agenda, owned by the organizer alice.
type roomFixture struct {
	*fixture
	items []agenda.Item
}

// shutdown ends srv's rooms (its node's heartbeat among them), for a
// server a test made beside its fixture.
func shutdown(srv *server.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

func newRoomFixture(t *testing.T, rooms func(st *store.Bolt) *realtime.Node) *roomFixture {
	return newRoomFixtureWith(t, server.Config{}, rooms)
}

// newRoomFixtureWith is newRoomFixture with cfg (its BaseURL and
// AllowedOrigins are the fixture's).
func newRoomFixtureWith(t *testing.T, cfg server.Config, rooms func(st *store.Bolt) *realtime.Node) *roomFixture {
	t.Helper()
	cfg.BaseURL, cfg.AllowedOrigins = "https://majlis.example.org", []string{"https://calendar.nanhri.example"}
	f := serveFixture(t, cfg, rooms)
	svc := f.svc
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	item := func(id string, at time.Duration, title string) agenda.Item {
		return agenda.Item{ID: id, Title: agenda.Text{"en": title}, Start: start.Add(at), Minutes: 20, Kind: agenda.ItemPresentation, Speakers: []agenda.Text{}}
	}
	e := agenda.Event{ID: roomEvent, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Webinar on civic space", "fr": "Webinaire sur l'espace civique"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Africa/Nairobi", Region: agenda.RegionAfrica,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"ar", "en", "fr", "es"}, Owner: f.aliceID}
	items := []agenda.Item{item("it-open", 0, "Opening"), item("it-talk", 20*time.Minute, "Talk"), item("it-qa", 40*time.Minute, "Questions")}
	if _, _, err := svc.CreateEvent(context.Background(), e, items); err != nil {
		t.Fatal(err)
	}
	return &roomFixture{fixture: f, items: items}
}

// member is one websocket client in a test.
type member struct {
	t     *testing.T
	name  string
	conn  *websocket.Conn
	id    string
	last  uint64 // the last seq received
	epoch string // the room log's epoch, from the welcome or resume
}

func (f *roomFixture) dialRaw(query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	return f.dialWith(websocket.DefaultDialer, query, header)
}

func (f *roomFixture) dialWith(d *websocket.Dialer, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(f.ts.URL, "http") + "/ws/rooms/" + roomEvent
	if query != "" {
		u += "?" + query
	}
	return d.Dial(u, header)
}

// slowDialer makes connections with a fixed, modest receive buffer (no
// autotuning to megabytes), so that a client that does not read holds back
// the server soon. Not smaller than a loopback segment (64 KiB), or TCP
// stalls on zero-window probes instead.
var slowDialer = &websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
	c, err := net.Dial(network, addr)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(128 << 10)
	}
	return c, err
}}

// join connects and reads the first message (welcome or resume).
func (f *roomFixture) join(name, query string) (*member, realtime.Envelope) {
	f.t.Helper()
	conn, res, err := f.dialRaw(query, http.Header{"Origin": {"https://majlis.example.org"}})
	if err != nil {
		body := ""
		if res != nil {
			b := make([]byte, 512)
			n, _ := res.Body.Read(b)
			body = string(b[:n])
		}
		f.t.Fatalf("%s: dial: %v %s", name, err, body)
	}
	m := &member{t: f.t, name: name, conn: conn}
	f.t.Cleanup(func() { conn.Close() })
	first := m.next()
	switch first.Type {
	case realtime.MsgWelcome:
		var w struct {
			You   realtime.Member `json:"you"`
			Epoch string          `json:"epoch"`
		}
		mustUnmarshal(f.t, first.Data, &w)
		m.id, m.epoch = w.You.ID, w.Epoch
		m.last = first.Seq
	case realtime.MsgResume:
		var r struct {
			You   realtime.Member `json:"you"`
			Epoch string          `json:"epoch"`
		}
		mustUnmarshal(f.t, first.Data, &r)
		m.id, m.epoch = r.You.ID, r.Epoch
	default:
		f.t.Fatalf("%s: first message %s", name, first.Type)
	}
	return m, first
}

func (f *roomFixture) anon(name string) *member {
	m, _ := f.join(name, "name="+url.QueryEscape(name))
	return m
}

func (f *roomFixture) invite(role, name string) string {
	f.t.Helper()
	body := fmt.Sprintf(`{"role":%q,"name":%q,"institution":"Commission nationale","languages":["fr"]}`, role, name)
	if role == string(realtime.RoleInterpreter) {
		body = fmt.Sprintf(`{"role":"interpreter","name":%q,"languages":["en","es"],"booth":"fr"}`, name)
	}
	if role == string(realtime.RoleDelegate) {
		body = fmt.Sprintf(`{"role":"delegate","name":%q,"institution":%q}`, name, f.institution("northvale-chr", "A"))
	}
	return f.inviteWith(body)
}

func (f *roomFixture) inviteWith(body string) string {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/events/" + roomEvent + "/invites", token: f.alice, body: body})
	if r.status != http.StatusCreated {
		f.t.Fatalf("invite: %d %s", r.status, r.body)
	}
	var out struct {
		Token, URL, Role string
	}
	mustUnmarshal(f.t, r.body, &out)
	page := "/session"
	if out.Role == string(realtime.RoleInterpreter) {
		page = "/booth"
	}
	if want := "https://majlis.example.org/events/" + roomEvent + page + "?token=" + url.QueryEscape(out.Token); out.URL != want || !strings.HasPrefix(out.Token, "mjj_") {
		f.t.Fatalf("invite URL %q, want %q", out.URL, want)
	}
	return out.Token
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// next reads one message, failing after a few seconds.
func (m *member) next() realtime.Envelope {
	m.t.Helper()
	var b []byte
	for { // text messages only: audio frames are read by nextFrame
		_ = m.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, data, err := m.conn.ReadMessage()
		if err != nil {
			m.t.Fatalf("%s: read: %v", m.name, err)
		}
		if typ == websocket.TextMessage {
			b = data
			break
		}
	}
	var env realtime.Envelope
	mustUnmarshal(m.t, b, &env)
	if env.Seq != 0 {
		if env.Seq <= m.last {
			m.t.Fatalf("%s: seq %d after %d: duplicate or out of order", m.name, env.Seq, m.last)
		}
		m.last = env.Seq
	}
	return env
}

// expect reads until a message of type typ, skipping presence and
// reactions; anything else in between fails.
func (m *member) expect(typ realtime.MsgType) realtime.Envelope {
	m.t.Helper()
	for {
		env := m.next()
		if env.Type == typ {
			return env
		}
		if env.Type != realtime.MsgJoin && env.Type != realtime.MsgLeave && env.Type != realtime.MsgReaction {
			m.t.Fatalf("%s: want %s, got %s %s", m.name, typ, env.Type, env.Data)
		}
	}
}

func (m *member) send(typ realtime.MsgType, id string, data any) {
	m.t.Helper()
	env := map[string]any{"type": typ}
	if id != "" {
		env["id"] = id
	}
	if data != nil {
		env["data"] = data
	}
	if err := m.conn.WriteJSON(env); err != nil {
		m.t.Fatalf("%s: write: %v", m.name, err)
	}
}

func (m *member) sendRaw(frame string) {
	m.t.Helper()
	if err := m.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		m.t.Fatalf("%s: write: %v", m.name, err)
	}
}

func errorCode(t *testing.T, env realtime.Envelope) realtime.ErrorCode {
	t.Helper()
	if env.Type != realtime.MsgError {
		t.Fatalf("want an error, got %s %s", env.Type, env.Data)
	}
	var e realtime.Error
	mustUnmarshal(t, env.Data, &e)
	if e.Message == "" {
		t.Fatalf("error without a message: %s", env.Data)
	}
	return e.Code
}

// closeCode reads until the connection closes and returns its close code.
func (m *member) closeCode() int {
	m.t.Helper()
	_ = m.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := m.conn.ReadMessage(); err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				return ce.Code
			}
			m.t.Fatalf("%s: connection ended without a close frame: %v", m.name, err)
		}
	}
}

func TestRoomWelcomeChatAndPresence(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, welcome := f.join("alice", "token="+url.QueryEscape(f.alice))
	var w struct {
		Protocol int             `json:"protocol"`
		You      realtime.Member `json:"you"`
		Roster   []realtime.Member
		Event    struct{ ID, Timezone string }
		Agenda   struct {
			Items   []agenda.Item
			Current string
		}
		Seq uint64
	}
	mustUnmarshal(t, welcome.Data, &w)
	if w.Protocol != realtime.ProtocolVersion || w.You.Role != realtime.RoleHost || w.You.Name != "Alice" ||
		w.Event.ID != roomEvent || w.Event.Timezone != "Africa/Nairobi" || len(w.Agenda.Items) != 3 || w.Seq != welcome.Seq || len(w.Roster) != 1 {
		t.Fatalf("host welcome: %s", welcome.Data)
	}

	amina := f.anon("Amina")
	joined := host.expect(realtime.MsgJoin)
	if joined.From != amina.id {
		t.Fatalf("presence.join from %q, want %q", joined.From, amina.id)
	}
	bob := f.anon("Bob (observer)")
	host.expect(realtime.MsgJoin)
	amina.expect(realtime.MsgJoin)

	// A chat reaches everyone, with one seq, in Arabic too.
	amina.send(realtime.CmdChat, "c1", map[string]string{"text": "  مرحبا بالجميع \x07"})
	var seqs []uint64
	for _, m := range []*member{host, amina, bob} {
		env := m.expect(realtime.MsgChat)
		var d struct{ Text, Name string }
		mustUnmarshal(t, env.Data, &d)
		if d.Text != "مرحبا بالجميع" || d.Name != "Amina" || env.From != amina.id || env.Room != roomEvent || env.TS == 0 {
			t.Errorf("%s got chat %+v %s", m.name, env, env.Data)
		}
		seqs = append(seqs, env.Seq)
	}
	if seqs[0] != seqs[1] || seqs[1] != seqs[2] {
		t.Errorf("one chat, several seqs: %v", seqs)
	}

	// A chat to the hosts reaches the hosts and its author only.
	amina.sendRaw(`{"type":"chat","to":"hosts","data":{"text":"a private word for the hosts"}}`)
	if env := host.expect(realtime.MsgChat); env.To != realtime.ToHosts {
		t.Errorf("host got %+v", env)
	}
	amina.expect(realtime.MsgChat)
	host.send(realtime.CmdChat, "", map[string]string{"text": "welcome, everyone"})
	env := bob.expect(realtime.MsgChat)
	if strings.Contains(string(env.Data), "private") {
		t.Fatal("a participant received a chat addressed to the hosts")
	}
	amina.expect(realtime.MsgChat)
	host.expect(realtime.MsgChat)

	// Leaving is announced.
	bob.conn.Close()
	left := host.expect(realtime.MsgLeave)
	if left.From != bob.id {
		t.Errorf("presence.leave from %q, want %q", left.From, bob.id)
	}
}

func TestRoomFloorAndLiveAgenda(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	p := f.anon("Pablo")
	host.expect(realtime.MsgJoin)

	p.send(realtime.CmdHandRaise, "h1", nil)
	var floor realtime.Floor
	mustUnmarshal(t, host.expect(realtime.MsgFloor).Data, &floor)
	if len(floor.Queue) != 1 || floor.Queue[0] != p.id || floor.Speaker != "" {
		t.Fatalf("after raise: %+v", floor)
	}
	p.expect(realtime.MsgFloor)
	p.send(realtime.CmdHandRaise, "h2", nil)
	if env := p.expect(realtime.MsgError); errorCode(t, env) != realtime.ErrInvalidState || env.ID != "h2" {
		t.Errorf("second raise: %+v", env)
	}
	p.send(realtime.CmdFloorGrant, "g1", map[string]string{"id": p.id})
	if env := p.expect(realtime.MsgError); errorCode(t, env) != realtime.ErrForbidden || env.ID != "g1" {
		t.Errorf("participant grant: %+v", env)
	}
	host.send(realtime.CmdFloorGrant, "", map[string]string{"id": p.id})
	mustUnmarshal(t, p.expect(realtime.MsgFloor).Data, &floor)
	if floor.Speaker != p.id || len(floor.Queue) != 0 {
		t.Fatalf("after grant: %+v", floor)
	}
	host.expect(realtime.MsgFloor)
	p.send(realtime.CmdFloorRelease, "", nil)
	mustUnmarshal(t, host.expect(realtime.MsgFloor).Data, &floor)
	if floor.Speaker != "" {
		t.Fatalf("after release: %+v", floor)
	}
	p.expect(realtime.MsgFloor)

	// The host runs the agenda: the first item started ten minutes late.
	host.send(realtime.CmdAgendaStart, "", map[string]string{"item": "it-open"})
	var prog realtime.Progress
	mustUnmarshal(t, p.expect(realtime.MsgAgenda).Data, &prog)
	if prog.Current != "it-open" || prog.StartedAt == nil || prog.ProjectedEnd == nil {
		t.Fatalf("after start: %+v", prog)
	}
	if prog.Drift < 9*60 || prog.Drift > 11*60 {
		t.Errorf("drift %ds, want about 600", prog.Drift)
	}
	if got, want := prog.ProjectedEnd.Sub(f.items[2].End()), time.Duration(prog.Drift)*time.Second; got != want {
		t.Errorf("projected end moved by %v, want the drift %v", got, want)
	}
	host.expect(realtime.MsgAgenda)
	host.send(realtime.CmdAgendaEnd, "e1", map[string]string{"item": "it-talk"})
	if env := host.expect(realtime.MsgError); errorCode(t, env) != realtime.ErrInvalidState {
		t.Errorf("ending an item that is not running: %+v", env)
	}
	host.send(realtime.CmdAgendaStart, "e2", map[string]string{"item": "nope"})
	if env := host.expect(realtime.MsgError); errorCode(t, env) != realtime.ErrUnknown {
		t.Errorf("starting an unknown item: %+v", env)
	}

	// A late joiner sees the floor and the agenda in its welcome.
	late, welcome := f.join("late", "name=Late")
	_ = late
	var w struct {
		Agenda realtime.Progress
	}
	mustUnmarshal(t, welcome.Data, &w)
	if w.Agenda.Current != "it-open" {
		t.Errorf("late joiner's agenda: %s", welcome.Data)
	}
}

// TestRoomAuthorization checks every role against every command: allowed
// commands must not be refused as forbidden, the others must be.
func TestRoomAuthorization(t *testing.T) {
	f := newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		return realtime.New(realtime.Config{CommandRate: 1000, CommandBurst: 1000}, broker.NewMemory(broker.MemoryConfig{}), st)
	})
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	target := f.anon("Target")
	host.expect(realtime.MsgJoin)
	// The authorization matrix, written out here rather than read from
	// the room's command table: every command, with the roles that may
	// send it (none listed: no role may).
	const (
		ho, sp, in = realtime.RoleHost, realtime.RoleSpeaker, realtime.RoleInterpreter
		pa, ob     = realtime.RoleParticipant, realtime.RoleObserver
		de         = realtime.RoleDelegate
	)
	matrix := map[realtime.MsgType][]realtime.Role{
		realtime.CmdChat:          {ho, sp, in, pa, de},
		realtime.CmdReaction:      {ho, sp, in, pa, de},
		realtime.CmdHandRaise:     {sp, pa, de},
		realtime.CmdHandLower:     {ho, sp, pa, de},
		realtime.CmdFloorGrant:    {ho},
		realtime.CmdFloorRelease:  {ho, sp, pa, de},
		realtime.CmdFloorReorder:  {ho},
		realtime.CmdFloorClear:    {ho},
		realtime.CmdAgendaStart:   {ho},
		realtime.CmdAgendaEnd:     {ho},
		realtime.CmdMute:          {ho},
		realtime.CmdRemove:        {ho},
		realtime.CmdChannel:       {ho, sp, in, pa, ob, de},
		realtime.CmdFloorLanguage: {ho},
		realtime.CmdBoothTake:     {in},
		realtime.CmdBoothRequest:  {in},
		realtime.CmdBoothAccept:   {in},
		realtime.CmdBoothDecline:  {in},
		realtime.CmdBoothMute:     {in},
		realtime.CmdBoothForce:    {ho},
		realtime.CmdSlowDown:      {in},
		realtime.CmdSessionStart:  {ho},
		realtime.CmdSessionEnd:    {ho},
		realtime.CmdAnnounce:      {ho},
		realtime.CmdStage:         {ho},
		realtime.CmdBoothSound:    {in},
		realtime.CmdShiftWarning:  {ho},
		realtime.CmdCaption:       {ho, sp, in, pa, de},
		// The general assembly.
		realtime.CmdAssemblyGet:   {ho, sp, in, pa, ob, de},
		realtime.CmdRollCall:      {ho},
		realtime.CmdRollMark:      {ho, de},
		realtime.CmdProxyGrant:    {ho},
		realtime.CmdProxyRevoke:   {ho},
		realtime.CmdProxyRules:    {ho},
		realtime.CmdBallotPrepare: {ho},
		realtime.CmdBallotOpen:    {ho},
		realtime.CmdBallotCast:    {de},
		realtime.CmdBallotClose:   {ho},
	}
	// Webinars (issue 16).
	matrix[realtime.CmdWebinarPractice] = []realtime.Role{ho}
	matrix[realtime.CmdWebinarStart] = []realtime.Role{ho}
	matrix[realtime.CmdWebinarSettings] = []realtime.Role{ho}
	// A webinar's questions and polls.
	matrix[realtime.CmdQASettings] = []realtime.Role{ho}
	matrix[realtime.CmdQuestionAsk] = []realtime.Role{pa, de}
	matrix[realtime.CmdQuestionVote] = []realtime.Role{ho, sp, pa, de}
	matrix[realtime.CmdQuestionAnswer] = []realtime.Role{ho, sp}
	matrix[realtime.CmdQuestionModerate] = []realtime.Role{ho, sp}
	matrix[realtime.CmdPollCreate] = []realtime.Role{ho}
	matrix[realtime.CmdPollOpen] = []realtime.Role{ho}
	matrix[realtime.CmdPollClose] = []realtime.Role{ho}
	matrix[realtime.CmdPollShare] = []realtime.Role{ho}
	matrix[realtime.CmdPollAnswer] = []realtime.Role{pa, de}
	for _, cmd := range realtime.Commands {
		if _, ok := matrix[cmd]; !ok {
			t.Errorf("the matrix does not say which roles may send %s", cmd)
		}
	}
	if len(matrix) != len(realtime.Commands) {
		t.Errorf("the matrix has %d commands, the room %d: %v", len(matrix), len(realtime.Commands), realtime.Commands)
	}
	data := map[realtime.MsgType]any{
		realtime.CmdChat: map[string]string{"text": "hello"}, realtime.CmdReaction: map[string]string{"reaction": "clap"},
		realtime.CmdFloorGrant: map[string]string{"id": target.id}, realtime.CmdFloorReorder: map[string][]string{"queue": {}},
		realtime.CmdAgendaStart: map[string]string{"item": "it-qa"}, realtime.CmdAgendaEnd: map[string]string{"item": "it-qa"},
		realtime.CmdMute: map[string]any{"id": target.id, "muted": false}, realtime.CmdRemove: map[string]string{"id": "m-nobody"},
		realtime.CmdChannel: map[string]string{"channel": "fr"}, realtime.CmdFloorLanguage: map[string]string{"language": "en"},
		realtime.CmdBoothForce: map[string]string{"booth": "fr", "id": ""}, realtime.CmdCaption: map[string]string{"text": "hello"},
		realtime.CmdBoothMute: map[string]bool{"muted": false},
		realtime.CmdAnnounce:  map[string]any{"text": map[string]string{"en": "Welcome"}}, realtime.CmdStage: map[string]any{"id": target.id},
		realtime.CmdBoothSound: map[string]string{"problem": "no_sound"}, realtime.CmdShiftWarning: map[string]int{"minutes": 20},
	}
	// The host's webinar.start puts the room under the webinar rules; the
	// settings then let attendees chat and raise hands as before.
	data[realtime.CmdWebinarSettings] = map[string]bool{"chat_open": true, "hands_allowed": true}
	for _, role := range realtime.Roles {
		t.Run(string(role), func(t *testing.T) {
			var m *member
			if role == realtime.RoleHost {
				m = host
			} else {
				m, _ = f.join(string(role), "token="+url.QueryEscape(f.invite(string(role), "A "+string(role))))
			}
			m.t = t
			for _, cmd := range realtime.Commands {
				id := "auth-" + string(cmd)
				m.send(cmd, id, data[cmd])
				// Read until the answer to this command: our error, or
				// (for a success) simply the next probe's answer. A
				// sentinel chat-less command marks the end.
				m.send(realtime.CmdHandLower, "end-"+string(cmd), map[string]string{"id": "m-sentinel"})
				forbidden := false
				for {
					env := m.next()
					if env.Type != realtime.MsgError {
						continue
					}
					if env.ID == id {
						forbidden = errorCode(t, env) == realtime.ErrForbidden
						continue
					}
					if env.ID == "end-"+string(cmd) {
						break
					}
				}
				want := !slices.Contains(matrix[cmd], role)
				if forbidden != want {
					t.Errorf("%s %s: forbidden=%v, want %v", role, cmd, forbidden, want)
				}
			}
		})
	}
}

func TestRoomResumeAfterDisconnect(t *testing.T) {
	f := newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		return realtime.New(realtime.Config{ChatRate: 1000, ChatBurst: 100},
			broker.NewMemory(broker.MemoryConfig{LogSize: 12}), st)
	})
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	p := f.anon("Paola")
	host.expect(realtime.MsgJoin)
	p.send(realtime.CmdChat, "", map[string]string{"text": "before"})
	p.expect(realtime.MsgChat)
	host.expect(realtime.MsgChat)
	last := p.last
	p.conn.Close()
	host.expect(realtime.MsgLeave)
	for i := range 3 {
		host.send(realtime.CmdChat, "", map[string]string{"text": fmt.Sprintf("missed %d", i)})
		host.expect(realtime.MsgChat)
	}

	back, first := f.join("Paola again", fmt.Sprintf("name=Paola&since=%d&epoch=%s", last, p.epoch))
	if first.Type != realtime.MsgResume {
		t.Fatalf("first message %s, want resume", first.Type)
	}
	back.last = last
	// Exactly what was missed, in order, once: her own leave, the three
	// chats, her new arrival; then live messages.
	want := []realtime.MsgType{realtime.MsgLeave, realtime.MsgChat, realtime.MsgChat, realtime.MsgChat, realtime.MsgJoin}
	for i, typ := range want {
		env := back.next()
		if env.Type != typ || env.Seq != last+uint64(i)+1 {
			t.Fatalf("replay %d: %s seq %d, want %s seq %d", i, env.Type, env.Seq, typ, last+uint64(i)+1)
		}
	}
	host.expect(realtime.MsgJoin)
	host.send(realtime.CmdChat, "", map[string]string{"text": "live again"})
	if env := back.next(); env.Type != realtime.MsgChat || !strings.Contains(string(env.Data), "live again") {
		t.Fatalf("after the replay: %s %s", env.Type, env.Data)
	}

	// Too far behind for the log (12 messages): a fresh welcome instead.
	for i := range 14 {
		host.send(realtime.CmdChat, "", map[string]string{"text": fmt.Sprintf("flood %d", i)})
	}
	for range 14 {
		host.expect(realtime.MsgChat)
	}
	_, first = f.join("Paola, much later", fmt.Sprintf("name=Paola&since=%d&epoch=%s", last, p.epoch))
	if first.Type != realtime.MsgWelcome {
		t.Fatalf("a gap older than the log: %s, want welcome", first.Type)
	}
}

func TestRoomSlowConsumerIsClosed(t *testing.T) {
	var node *realtime.Node
	f := newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		node = realtime.New(realtime.Config{QueueSize: 128, CommandRate: 100000, CommandBurst: 100000, ChatRate: 100000, ChatBurst: 100000},
			broker.NewMemory(broker.MemoryConfig{}), st)
		return node
	})
	fast := f.anon("Fast")
	conn, _, err := f.dialWith(slowDialer, "name=Slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	slow := &member{t: t, name: "slow", conn: conn} // never reads until the end
	t.Cleanup(func() { conn.Close() })
	fast.expect(realtime.MsgJoin)
	sender := f.anon("Sender")
	fast.expect(realtime.MsgJoin)
	// The sender reads (and drops) everything, as a live client does, with
	// no deadline: join's left one that would stop it (and let its own
	// queue overflow) if the test ran long.
	_ = sender.conn.SetReadDeadline(time.Time{})
	go func() {
		for {
			if _, _, err := sender.conn.ReadMessage(); err != nil {
				return
			}
		}
	}()

	const n = 3000
	text := strings.Repeat("x", realtime.MaxChat-10)
	done := make(chan error, 1)
	// The sender stays at most half a queue ahead of the fast reader, so
	// that only the reader that does not read at all can overflow.
	var received atomic.Int64
	go func() {
		for i := range n {
			for int64(i)-received.Load() > 64 {
				time.Sleep(100 * time.Microsecond)
			}
			if err := sender.conn.WriteJSON(map[string]any{"type": "chat", "data": map[string]string{"text": fmt.Sprintf("%d %s", i, text)}}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	// The fast reader gets every message, in order, and sees the slow one
	// leave for being slow. The slow one then comes back to reading (a
	// phone woken up), within the server's write timeout, and finds the
	// close code after what its socket held.
	slowLeft := false
	slowCode := make(chan int, 1)
	for i := 0; i < n; {
		env := fast.next()
		switch env.Type {
		case realtime.MsgChat:
			if !strings.HasPrefix(string(env.Data), fmt.Sprintf(`{"text":"%d `, i)) {
				t.Fatalf("fast reader: message %d is %.30s", i, env.Data)
			}
			i++
			received.Store(int64(i))
		case realtime.MsgLeave:
			if !slowLeft && (env.From == slow.id || strings.Contains(string(env.Data), `"reason":"slow"`)) {
				slowLeft = true
				go func() {
					_ = slow.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
					for {
						if _, _, err := slow.conn.ReadMessage(); err != nil {
							code := -1
							if ce, ok := err.(*websocket.CloseError); ok {
								code = ce.Code
							}
							slowCode <- code
							return
						}
					}
				}()
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !slowLeft {
		t.Fatal("the room was not told that the slow reader left")
	}
	if code := <-slowCode; code != realtime.CloseSlowConsumer {
		t.Fatalf("slow reader closed with %d, want %d", code, realtime.CloseSlowConsumer)
	}
	// The metrics (majlis_closes_total, majlis_drops_total) saw it.
	if st := node.Stats(); st.Closes[realtime.CloseSlowConsumer] != 1 || st.Dropped.QueueFull == 0 {
		t.Errorf("closes %v, dropped %+v: want one close %d and the message that did not fit", st.Closes, st.Dropped, realtime.CloseSlowConsumer)
	}
}

func TestRoomRefusesBadJoins(t *testing.T) {
	f := newRoomFixture(t, nil)
	f.create(`{"id":"other-room","kind":"webinar","title":{"en":"Other"},
		"start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z","timezone":"UTC","region":"global","visibility":"confidential","status":"published"}`, f.bob)
	otherInvite := f.do(req{method: "POST", path: "/api/v1/events/other-room/invites", token: f.bob, body: `{"role":"host","name":"Mallory"}`})
	var inv struct{ Token string }
	mustUnmarshal(t, otherInvite.body, &inv)
	expired, _ := access.NewInviteToken() // well-formed, never issued

	tests := []struct {
		name   string
		path   string
		origin string
		status int
		code   string
	}{
		{"foreign origin", "/ws/rooms/" + roomEvent + "?name=Eve", "https://evil.example", 403, "forbidden_origin"},
		{"no name", "/ws/rooms/" + roomEvent, "", 400, "invalid"},
		{"name too long", "/ws/rooms/" + roomEvent + "?name=" + strings.Repeat("n", 81), "", 400, "invalid"},
		{"unknown parameter", "/ws/rooms/" + roomEvent + "?name=Eve&room=x", "", 400, "unknown_parameter"},
		{"bad since", "/ws/rooms/" + roomEvent + "?name=Eve&since=-1", "", 400, "invalid"},
		{"epoch too long", "/ws/rooms/" + roomEvent + "?name=Eve&since=1&epoch=" + strings.Repeat("E", 65), "", 400, "too_long"},
		{"confidential event, anonymous", "/ws/rooms/other-room?name=Eve", "", 404, "not_found"},
		{"missing event", "/ws/rooms/no-such-room?name=Eve", "", 404, "not_found"},
		{"confidential event, organizer not invited", "/ws/rooms/other-room?token=" + url.QueryEscape(f.alice), "", 404, "not_found"},
		{"invite for another event", "/ws/rooms/" + roomEvent + "?token=" + url.QueryEscape(inv.Token), "", 401, "unauthorized"},
		{"forged invite", "/ws/rooms/" + roomEvent + "?token=" + url.QueryEscape(expired), "", 401, "unauthorized"},
		{"revoked or unknown organizer token", "/ws/rooms/" + roomEvent + "?token=mjo_nope", "", 401, "unauthorized"},
		// A hidden event answers a bad token as a missing one does.
		{"confidential event, forged invite", "/ws/rooms/other-room?token=" + url.QueryEscape(expired), "", 404, "not_found"},
		{"confidential event, another event's invite", "/ws/rooms/other-room?token=" + url.QueryEscape(f.invite("host", "Eve")), "", 404, "not_found"},
		{"confidential event, unknown organizer token", "/ws/rooms/other-room?token=mjo_nope", "", 404, "not_found"},
		{"missing event, forged invite", "/ws/rooms/no-such-room?token=" + url.QueryEscape(expired), "", 404, "not_found"},
		{"missing event, unknown organizer token", "/ws/rooms/no-such-room?token=mjo_nope", "", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
			if tt.origin != "" {
				h["Origin"] = tt.origin
			}
			r := f.do(req{method: "GET", path: tt.path, header: h})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if code, _ := errorOf(t, r); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
		})
	}
	// An allowed third-party origin (a network's own site) may connect.
	conn, _, err := f.dialRaw("name=Ngozi", http.Header{"Origin": {"https://calendar.nanhri.example"}})
	if err != nil {
		t.Fatalf("allowed origin: %v", err)
	}
	conn.Close()
}

func TestRoomBadFrames(t *testing.T) {
	f := newRoomFixture(t, nil)
	m := f.anon("Fuzzy")
	tests := []struct {
		frame string
		code  realtime.ErrorCode
	}{
		{`{"type":"chat","data":{"text":"hi"}`, realtime.ErrBadMessage},
		{`not json`, realtime.ErrBadMessage},
		{`{"type":"launch.missiles"}`, realtime.ErrBadMessage},
		{`{"type":"chat","data":{"text":"hi","html":"<b>"}}`, realtime.ErrBadMessage},
		{`{"type":"chat","seq":5,"data":{"text":"hi"}}`, realtime.ErrBadMessage},
		{`{"type":"chat","data":{"text":"` + strings.Repeat("é", realtime.MaxChat+1) + `"}}`, realtime.ErrTooLong},
		{`{"type":"chat","data":{"text":"   "}}`, realtime.ErrBadMessage},
		{`{"type":"reaction","data":{"reaction":"💣"}}`, realtime.ErrBadMessage},
		{`{"type":"hand.raise","to":"hosts"}`, realtime.ErrBadMessage},
		{`{"type":"chat","data":"text"}`, realtime.ErrBadMessage},
	}
	for _, tt := range tests {
		m.sendRaw(tt.frame)
		if got := errorCode(t, m.expect(realtime.MsgError)); got != tt.code {
			t.Errorf("%.40s: %s, want %s", tt.frame, got, tt.code)
		}
	}
	// Still connected and working.
	m.send(realtime.CmdChat, "", map[string]string{"text": "still here"})
	m.expect(realtime.MsgChat)

	// A frame over the limit closes the connection with 1009.
	big := f.anon("Big")
	big.sendRaw(`{"type":"chat","data":{"text":"` + strings.Repeat("a", realtime.MaxFrame) + `"}}`)
	if code := big.closeCode(); code != websocket.CloseMessageTooBig {
		t.Errorf("oversized frame: close %d", code)
	}
	// A client that keeps sending garbage is closed.
	noisy := f.anon("Noisy")
	for range 25 {
		// The server may close before the last ones: stop at the first
		// write error.
		if noisy.conn.WriteMessage(websocket.TextMessage, []byte(`{]`)) != nil {
			break
		}
	}
	if code := noisy.closeCode(); code != realtime.CloseProtocol {
		t.Errorf("garbage: close %d", code)
	}
}

func TestRoomRemoveBans(t *testing.T) {
	f := newRoomFixture(t, nil)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	token := f.invite("participant", "Trouble")
	p, _ := f.join("trouble", "token="+url.QueryEscape(token))
	host.expect(realtime.MsgJoin)
	host.send(realtime.CmdMute, "", map[string]string{"id": p.id})
	var muted realtime.Member
	mustUnmarshal(t, p.expect(realtime.MsgMember).Data, &muted)
	if !muted.Muted || muted.ID != p.id {
		t.Fatalf("mute: %+v", muted)
	}
	p.send(realtime.CmdChat, "m1", map[string]string{"text": "can you hear me"})
	if code := errorCode(t, p.expect(realtime.MsgError)); code != realtime.ErrForbidden {
		t.Errorf("muted chat: %s", code)
	}
	host.send(realtime.CmdRemove, "", map[string]string{"id": p.id})
	p.expect(realtime.MsgRemove)
	if code := p.closeCode(); code != realtime.CloseRemoved {
		t.Fatalf("removed: close %d", code)
	}
	// The same invitation cannot come back.
	again, _, err := f.dialRaw("token="+url.QueryEscape(token), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &member{t: t, name: "again", conn: again}
	if code := m.closeCode(); code != realtime.CloseRemoved {
		t.Errorf("rejoin after removal: close %d", code)
	}
}

func TestRoomShutdownSaysGoingAway(t *testing.T) {
	f := newRoomFixture(t, nil)
	m := f.anon("Last")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- f.srv.Shutdown(ctx) }()
	if code := m.closeCode(); code != websocket.CloseGoingAway {
		t.Errorf("close %d, want %d", code, websocket.CloseGoingAway)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
