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
	n := &Node{cfg: Config{QueueSize: 256, CommandRate: 10, CommandBurst: 30, ChatRate: 1, ChatBurst: 5}}
	return newClient(n, conn, nil, Member{ID: "m-1"}), cc, peer
}

// TestClientWrites: a message for a client with nothing queued goes
// straight from the room to the socket (no writer goroutine, no queue);
// the rest of a frame the socket did not take goes out first, then what
// was queued meanwhile, in order; and what a client has queued goes out in
// one write call, every message its own frame, in order.
func TestClientWrites(t *testing.T) {
	c, cc, peer := batchPair(t)
	read := func(want string) {
		t.Helper()
		if _, msg, err := peer.ReadMessage(); err != nil || string(msg) != want {
			t.Fatalf("read %q, %v; want %q", msg, err, want)
		}
	}

	// Straight from the room.
	if !c.enqueue(shared([]byte("one"), false)) {
		t.Fatal("enqueue refused")
	}
	c.mu.Lock()
	writing, queued := c.writing, len(c.queue)
	c.mu.Unlock()
	if writing || queued != 0 || cc.writes.Load() != 0 {
		t.Errorf("an idle client's message: writer running %v, %d queued, %d writes by a writer", writing, queued, cc.writes.Load())
	}
	read("one")

	// A frame the socket took in part: the writer finishes it first.
	f := frameFor([]byte("partial message"), false)
	if n, err := c.batch.tryWrite(f[:4]); n != 4 || err != nil {
		t.Fatalf("tryWrite: %d, %v", n, err)
	}
	c.mu.Lock()
	c.partial = f[4:]
	c.kick()
	c.mu.Unlock()
	c.enqueue(shared([]byte("after"), false))
	read("partial message")
	read("after")

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

	for { // the writer ends once the queue is empty
		c.mu.Lock()
		writing := c.writing
		c.mu.Unlock()
		if !writing {
			break
		}
		runtime.Gosched()
	}
	c.closeSend(websocket.CloseNormalClosure, "")
	close(c.readerDone)
	<-c.writerDone
	if _, _, err := peer.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("after closeSend: %v, want close 1000", err)
	}
}
