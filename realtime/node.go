package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/internal/randid"
)

// Info is where a room reads its event and agenda.
type Info interface {
	GetEvent(ctx context.Context, id string) (agenda.Event, error)
	GetAgenda(ctx context.Context, eventID string) (agenda.Agenda, error)
}

// Config tunes a Node.
type Config struct {
	// Instance names this process among the instances sharing a backend.
	// Default: random.
	Instance string
	// QueueSize is each connection's send queue, in messages; a client
	// whose queue overflows is closed with CloseSlowConsumer. Default 256.
	QueueSize int
	// SocketBuffer is the kernel send buffer of each connection, in
	// bytes. Small buffers bound the memory a stalled client pins and let
	// the send queue notice it early; room messages are small. Default
	// 64 KiB.
	SocketBuffer int
	// Linger is how long a room with no local member stays subscribed, so
	// that a reconnecting client finds it warm. Default 30s.
	Linger time.Duration
	// PresenceLimit is the roster size above which participants' and
	// observers' arrivals and departures go to hosts only, and welcomes
	// carry only the members who are not participants or observers.
	// Default 300.
	PresenceLimit int
	// CommandRate and CommandBurst limit each connection's commands per
	// second. Default 10 and 30.
	CommandRate  float64
	CommandBurst int
	// ChatRate and ChatBurst limit each connection's chat messages (which
	// everyone reads) per second. Default 1 and 5.
	ChatRate  float64
	ChatBurst int
	// HeartbeatTTL is how long an instance counts as alive after its last
	// heartbeat (sent every third of it); the members of an instance that
	// stops beating leave its rooms, with reason "timeout", within about
	// this long. Default 10s.
	HeartbeatTTL time.Duration
	// WriteDelay is how long a message for everyone in a large room (at
	// least PresenceLimit local clients) may wait before it is written,
	// so that the messages after it share its write call: in a room of
	// thousands, a write per message per client is most of the server's
	// CPU. Audio frames, and messages to smaller rooms or to a few, are
	// written at once and end the wait. Default 40ms; negative: none.
	WriteDelay time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives connection and room problems. Default slog.Default().
	Logger *slog.Logger
}

// Node runs the rooms of this instance and the connections in them.
//
// Concurrency: each room is one goroutine that owns its state, its local
// clients and their send queues; each connection has one reader and one
// writer goroutine, started by Accept. Rooms never block on a client.
// Accept, Shutdown and Stats are goroutine-safe.
type Node struct {
	cfg     Config
	backend Backend
	info    Info
	log     *slog.Logger
	// ballots runs the general assembly's commands (assembly.go); nil
	// when info keeps no assembly data.
	ballots *ballot.Service

	mu       sync.Mutex
	rooms    map[string]*room
	closing  bool
	stop     chan struct{}  // closed by Shutdown: ends the heartbeat
	conns    sync.WaitGroup // one per connection accepted and not yet ended
	roomsRun sync.WaitGroup // one per room goroutine
	beating  sync.WaitGroup // the heartbeat goroutine
	calls    sync.WaitGroup // one per store write a room runs off its goroutine (room.offload)

	// beatingSince is when this instance's heartbeats began to succeed
	// without a failure since (Unix nanoseconds of cfg.Now), 0 while they
	// fail. See mayReap.
	beatingSince atomic.Int64

	// shards are the write workers (writeShard); a client gets the next
	// one. writersStop ends them once Shutdown is done.
	shards      []*writeShard
	nextShard   atomic.Uint32
	writersStop chan struct{}

	// counters are the running totals Stats reads (stats.go).
	counters counters
	// attend records the visits of this instance's connections
	// (attendance.go); nil when info keeps no attendance.
	attend *recorder
}

// ErrShuttingDown is returned by Accept once Shutdown has begun.
var ErrShuttingDown = errors.New("realtime: shutting down")

// New returns a Node over backend.
func New(cfg Config, backend Backend, info Info) *Node {
	if cfg.Instance == "" {
		cfg.Instance = randomID("i-")
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.SocketBuffer <= 0 {
		cfg.SocketBuffer = 64 << 10
	}
	if cfg.Linger <= 0 {
		cfg.Linger = 30 * time.Second
	}
	if cfg.PresenceLimit <= 0 {
		cfg.PresenceLimit = 300
	}
	if cfg.CommandRate <= 0 {
		cfg.CommandRate, cfg.CommandBurst = 10, 30
	}
	if cfg.ChatRate <= 0 {
		cfg.ChatRate, cfg.ChatBurst = 1, 5
	}
	cfg.CommandBurst, cfg.ChatBurst = max(cfg.CommandBurst, 1), max(cfg.ChatBurst, 1)
	if cfg.HeartbeatTTL <= 0 {
		cfg.HeartbeatTTL = 10 * time.Second
	}
	if cfg.WriteDelay == 0 {
		cfg.WriteDelay = 40 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	n := &Node{cfg: cfg, info: info, ballots: newBallots(info), log: cfg.Logger, rooms: map[string]*room{}, stop: make(chan struct{}),
		writersStop: make(chan struct{})}
	n.backend = instrument(backend, &n.counters)
	n.attend = newRecorder(info, cfg)
	for range runtime.GOMAXPROCS(0) {
		n.shards = append(n.shards, newWriteShard(n.writersStop, cfg.WriteDelay))
	}
	n.beating.Add(1)
	go func() {
		defer n.beating.Done()
		n.heartbeat()
	}()
	return n
}

// heartbeat tells the backend that this instance lives, until Shutdown.
func (n *Node) heartbeat() {
	beat := func() {
		ctx, cancel := context.WithTimeout(context.Background(), backendTimeout)
		defer cancel()
		if err := n.backend.Heartbeat(ctx, n.cfg.Instance, n.cfg.HeartbeatTTL); err != nil {
			n.beatingSince.Store(0)
			n.log.Warn("realtime: heartbeat", "err", err)
			return
		}
		n.beatingSince.CompareAndSwap(0, n.cfg.Now().UnixNano())
	}
	beat()
	t := time.NewTicker(n.cfg.HeartbeatTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			beat()
		case <-n.stop:
			return
		}
	}
}

// mayReap reports whether this instance may take another instance's
// missing heartbeat for its death: only once its own heartbeats have
// succeeded for a whole HeartbeatTTL. After a backend outage every
// instance's heartbeat has expired; the others are alive and beat again
// within HeartbeatTTL/3, and must not lose their members to the first
// instance that reconnects.
func (n *Node) mayReap() bool {
	since := n.beatingSince.Load()
	return since != 0 && n.cfg.Now().UnixNano()-since >= int64(n.cfg.HeartbeatTTL)
}

// Accept takes over conn, one member's connection to a room: it joins
// the member and serves the connection until it ends (Shutdown waits for
// it), and returns at once, so that the caller — an HTTP handler, deep in
// middleware, holding its request — can end: an idle connection then
// costs no goroutine, only its state and the websocket's buffer. since, when not
// nil, asks to resume after that position (a seq and the epoch of the
// welcome that gave it); the member's ID and Instance are
// set here. Joining errors after Accept returns are logged;
// ErrShuttingDown is returned when the node no longer takes connections.
func (n *Node) Accept(conn *websocket.Conn, roomID string, m Member, since *Position) error {
	r, err := n.acquire(roomID)
	if err != nil {
		goingAway(conn)
		return err
	}
	// The client is made here, on the caller's goroutine; serve's
	// goroutine ends once the client joined (the poller watches the
	// connection from then on: Client.watched).
	if tc, ok := tcp(conn); ok {
		_ = tc.SetWriteBuffer(n.cfg.SocketBuffer)
	}
	m.ID, m.Instance = randomID("m-"), n.cfg.Instance
	c := newClient(n, conn, r, m)
	c.readSetup()
	go func() {
		if err := n.serve(c, since); err != nil && !errors.Is(err, errBanned) && !errors.Is(err, ErrNotStarted) {
			n.log.Warn("realtime: join failed", "room", roomID, "err", err)
		}
	}()
	return nil
}

// RemoveSubject removes from the room roomID whoever joined as subject
// (Member.Subject), on every instance, and bans subject from the room, as
// a host's remove does; for a subject nobody joined as, it only bans.
func (n *Node) RemoveSubject(ctx context.Context, roomID, subject string) error {
	return n.ask(ctx, roomID, "remove from", func(done chan error) request {
		return removeSubjectReq{subject: subject, done: done}
	})
}

// ask posts the request req makes to the room roomID (which need not have
// members on this instance) and waits for its answer in done.
func (n *Node) ask(ctx context.Context, roomID, what string, req func(done chan error) request) error {
	r, err := n.acquire(roomID)
	if err != nil {
		return err
	}
	defer n.conns.Done()
	defer n.release(r)
	done := make(chan error, 1)
	r.post(req(done))
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("realtime: %s room %s: %w", what, roomID, ctx.Err())
	}
}

// goingAway closes a connection the node will not serve.
func goingAway(conn *websocket.Conn) {
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
	conn.Close()
}

// serve joins a client whose connection acquire counted in its room;
// then the poller watches the connection (Client.watched), or serve reads
// it itself until it ends. Client.readEnd ends it either way.
func (n *Node) serve(c *Client, since *Position) error {
	r := c.room
	joined := make(chan error, 1)
	r.post(joinReq{c: c, since: since, done: joined})
	if err := <-joined; err != nil {
		defer n.conns.Done()
		// The room did not take the client: it still owns its queue.
		code, text := CloseRoomUnavailable, "the room is unavailable; try again"
		if errors.Is(err, errBanned) {
			code, text = CloseRemoved, "you were removed from this room"
		}
		if errors.Is(err, ErrNotStarted) {
			code, text = CloseNotStarted, "the webinar has not started; you will enter when it does"
		}
		close(c.doneChan(&c.readerDone)) // nothing reads: no handshake to wait for
		c.closeSend(code, text)
		<-c.doneChan(&c.writerDone)
		n.release(r)
		return err
	}
	if c.watched() {
		return nil
	}
	c.readPump()
	c.readEnd()
	return nil
}

// acquire finds or starts the room and counts one more connection in it,
// so that the room cannot stop while the connection joins.
func (n *Node) acquire(id string) (*room, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing {
		return nil, ErrShuttingDown
	}
	r, ok := n.rooms[id]
	if !ok {
		r = newRoom(n, id)
		n.rooms[id] = r
		n.roomsRun.Add(1)
		go func() {
			defer n.roomsRun.Done()
			r.run()
		}()
	}
	r.refs++
	n.conns.Add(1)
	return r, nil
}

// release counts one connection less in r.
func (n *Node) release(r *room) {
	n.mu.Lock()
	defer n.mu.Unlock()
	r.refs--
}

// tryStop removes an idle room from the node; it reports false when a
// connection arrived meanwhile.
func (n *Node) tryStop(r *room) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r.refs > 0 {
		return false
	}
	delete(n.rooms, r.id)
	return true
}

// Shutdown closes every connection with "going away" (clients reconnect,
// to another instance if there is one, with ?since=) and waits for the
// connections and rooms to end, or for ctx.
func (n *Node) Shutdown(ctx context.Context) error {
	n.mu.Lock()
	if !n.closing {
		close(n.stop)
	}
	n.closing = true
	rooms := make([]*room, 0, len(n.rooms))
	for _, r := range n.rooms {
		rooms = append(rooms, r)
	}
	n.mu.Unlock()
	for _, r := range rooms {
		r.post(shutdownReq{})
	}
	done := make(chan struct{})
	go func() {
		n.conns.Wait()
		n.roomsRun.Wait()
		n.calls.Wait()
		n.attend.close() // no room is left to record anything
		n.beating.Wait()
		n.mu.Lock()
		select {
		case <-n.writersStop:
		default:
			close(n.writersStop) // every connection has ended
		}
		n.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func randomID(prefix string) string {
	return randid.New(prefix, randid.IDBytes)
}
