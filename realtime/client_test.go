package realtime

import (
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// countingConn counts the write calls that reach the socket.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// batchPair returns a client over a server connection made by Upgrade,
// whose socket counts its writes, and the peer's connection.
func batchPair(t *testing.T) (*Client, *countingConn, *websocket.Conn) {
	t.Helper()
	return delayedPair(t, 0)
}

// delayedPair is batchPair with a write worker that lets relaxed messages
// wait for delay.
func delayedPair(t *testing.T, delay time.Duration) (*Client, *countingConn, *websocket.Conn) {
	t.Helper()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	n := &Node{cfg: Config{QueueSize: 256, CommandRate: 10, CommandBurst: 30, ChatRate: 1, ChatBurst: 5},
		shards: []*writeShard{newWriteShard(stop, delay)}}
	return pairOn(t, n)
}

// pairOn returns a client of node n over a server connection made by
// Upgrade (see batchPair).
func pairOn(t *testing.T, n *Node) (*Client, *countingConn, *websocket.Conn) {
	t.Helper()
	conns := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := Upgrade(&websocket.Upgrader{}, w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		conns <- conn
	}))
	t.Cleanup(srv.Close)
	peer, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	conn := <-conns
	t.Cleanup(func() { conn.Close() })
	b := batching(conn)
	if b == nil {
		t.Fatal("Upgrade's connection does not batch")
	}
	cc := &countingConn{Conn: b.Conn}
	b.Conn = cc
	return newClient(n, conn, nil, Member{ID: "m-" + strconv.Itoa(len(n.shards[0].clients)+1)}), cc, peer
}

// TestClientWrites: a message for a client with nothing queued goes to
// the socket from the node's write worker, without waiting (no writer
// goroutine of its own); the rest of a frame the socket did not take goes out first, then what
// was queued meanwhile, in order; and what a client has queued goes out in
// one write call, every message its own frame, in order.
func TestClientWrites(t *testing.T) {
	c, cc, peer := batchPair(t)
	read := func(want string) {
		t.Helper()
		if _, msg, err := peer.ReadMessage(); err != nil || string(msg) != want {
			t.Fatalf("read %.20q (%d bytes), %v; want %.20q", msg, len(msg), err, want)
		}
	}

	idle := func() {
		t.Helper()
		for { // the writer ends once the queue is empty
			c.mu.Lock()
			writing := c.writing
			c.mu.Unlock()
			if !writing {
				return
			}
			runtime.Gosched()
		}
	}
	// From the worker.
	for _, m := range []string{"one", "two"} {
		if !c.enqueue(shared([]byte(m), false)) {
			t.Fatal("enqueue refused")
		}
	}
	read("one")
	read("two")
	idle()
	if got := cc.writes.Load(); got != 0 {
		t.Errorf("an idle client's messages: %d blocking writes by a writer goroutine, want none", got)
	}

	// A frame the socket took in part: the writer finishes it first.
	f := frameFor([]byte("partial message"), false)
	if n, err := c.batch.tryWrite(f[:4]); n != 4 || err != nil {
		t.Fatalf("tryWrite: %d, %v", n, err)
	}
	c.mu.Lock()
	c.partial = f[4:]
	c.kick(true)
	c.mu.Unlock()
	c.enqueue(shared([]byte("after"), false))
	read("partial message")
	read("after")

	// More than the socket takes at once: the peer reads later, and gets
	// everything, in order (a full socket is not a broken one).
	big := strings.Repeat("b", 16<<10)
	for i := range 200 {
		if !c.enqueue(shared([]byte(strconv.Itoa(i)+big), false)) {
			t.Fatalf("message %d refused", i)
		}
	}
	for i := range 200 {
		read(strconv.Itoa(i) + big)
	}
	idle()

	// A batch: one write call.
	before := cc.writes.Load()
	var batch []*outMsg
	for i := range 10 {
		batch = append(batch, shared([]byte(`{"n":`+strconv.Itoa(i)+`}`), false))
	}
	batch = append(batch, &outMsg{data: []byte("unshared")})
	if err := c.send(nil, batch, true); err != nil {
		t.Fatal(err)
	}
	if got := cc.writes.Load() - before; got != 1 {
		t.Errorf("11 messages and a ping took %d write calls, want 1", got)
	}
	for i := range 10 {
		read(`{"n":` + strconv.Itoa(i) + `}`)
	}
	read("unshared")

	idle()
	c.closeSend(websocket.CloseNormalClosure, "")
	close(c.doneChan(&c.readerDone))
	<-c.doneChan(&c.writerDone)
	if _, _, err := peer.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("after closeSend: %v, want close 1000", err)
	}
}

// TestTryWriteFullSocket: a socket that takes nothing more at the moment
// is full, not broken: tryWrite says it wrote nothing, without an error
// (an error closes the connection).
func TestTryWriteFullSocket(t *testing.T) {
	c, _, _ := batchPair(t) // the peer never reads
	chunk := make([]byte, 64<<10)
	for i := 0; ; i++ {
		n, err := c.batch.tryWrite(chunk)
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if n == 0 {
			break // full, and said so
		}
		if i > 10000 {
			t.Fatal("the socket never filled")
		}
	}
	if n, err := c.batch.tryWrite(chunk); n != 0 || err != nil {
		t.Errorf("a full socket: tryWrite = %d, %v; want 0, nil", n, err)
	}
}

// TestWorkersPingTheirClients: a client's write worker asks it for a
// ping once its ping is due (there is no timer per connection), and the
// next one a pingPeriod later; a finished client is forgotten.
func TestWorkersPingTheirClients(t *testing.T) {
	c, _, peer := batchPair(t)
	pings := make(chan string, 4)
	peer.SetPingHandler(func(data string) error { pings <- "ping"; return nil })
	go func() {
		for {
			if _, _, err := peer.ReadMessage(); err != nil {
				return
			}
		}
	}()
	s, now := c.shard, clock()
	expect := func(at time.Duration, ping bool) {
		t.Helper()
		s.pingDue(at)
		select {
		case <-pings:
			if !ping {
				t.Fatalf("a ping at %s, before its time", at-now)
			}
		case <-time.After(map[bool]time.Duration{true: 5 * time.Second, false: 200 * time.Millisecond}[ping]):
			if ping {
				t.Fatalf("no ping at %s, once due", at-now)
			}
		}
	}
	expect(now+pingPeriod-time.Second, false)
	expect(now+pingPeriod, true)
	expect(now+pingPeriod+time.Second, false)
	expect(now+2*pingPeriod, true)
	c.finish()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.clients) != 0 {
		t.Errorf("%d clients after the only one finished", len(s.clients))
	}
}

// TestWriteDelay: messages for everyone in a large room (relaxed) wait for
// the write delay and go out together, in one write call; an urgent
// message (audio, a reply to one client, a small room's) ends the wait at
// once and takes them along, in order; and when nothing urgent comes, the
// delay's end sends them.
func TestWriteDelay(t *testing.T) {
	relaxed := func(s string) *outMsg {
		m := shared([]byte(s), false)
		m.relaxed = true
		return m
	}
	readAll := func(t *testing.T, peer *websocket.Conn, want ...string) {
		t.Helper()
		for _, w := range want {
			if _, msg, err := peer.ReadMessage(); err != nil || string(msg) != w {
				t.Fatalf("read %q, %v; want %q", msg, err, w)
			}
		}
	}

	t.Run("urgent ends the wait", func(t *testing.T) {
		c, _, peer := delayedPair(t, time.Hour) // only an urgent message can end this wait
		for _, m := range []string{"one", "two", "three"} {
			c.enqueue(relaxed(m))
		}
		c.enqueue(shared([]byte("reply"), false))
		readAll(t, peer, "one", "two", "three", "reply")
		if got := c.node.counters.writes.Load(); got != 1 {
			t.Errorf("four messages in %d write calls, want one", got)
		}
		// The worker is free again: the next urgent message goes alone.
		c.enqueue(shared([]byte("audio"), true))
		readAll(t, peer, "audio")
		if got := c.node.counters.writes.Load(); got != 2 {
			t.Errorf("%d write calls, want 2", got)
		}
	})

	t.Run("relaxed behind urgent", func(t *testing.T) {
		// A client queued relaxed behind an urgent one, in the same
		// worker's list: the wake-up for the urgent one must start the
		// delay for the other (its push was not the list's first, so it
		// signalled nothing itself); it starved before.
		a, _, peerA := delayedPair(t, 20*time.Millisecond)
		b, _, peerB := pairOn(t, a.node)
		s := a.shard
		for _, q := range []struct {
			c   *Client
			msg *outMsg
		}{{a, shared([]byte("urgent"), false)}, {b, relaxed("relaxed")}} {
			q.c.mu.Lock()
			q.c.queue, q.c.writing = append(q.c.queue, q.msg), true
			q.c.mu.Unlock()
		}
		s.mu.Lock()
		s.ready = append(s.ready, a, b)
		s.mu.Unlock()
		s.hurry(a)
		readAll(t, peerA, "urgent")
		_ = peerB.SetReadDeadline(time.Now().Add(10 * time.Second))
		readAll(t, peerB, "relaxed")
	})

	t.Run("the delay's end sends them", func(t *testing.T) {
		c, _, peer := delayedPair(t, 20*time.Millisecond)
		for i := range 50 {
			c.enqueue(relaxed(strconv.Itoa(i)))
		}
		want := make([]string, 50)
		for i := range want {
			want[i] = strconv.Itoa(i)
		}
		readAll(t, peer, want...)
		if got := c.node.counters.writes.Load(); got >= 50 {
			t.Errorf("50 relaxed messages in %d write calls: none shared a write", got)
		}
	})
}
