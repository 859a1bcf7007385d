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

// TestClientBatchesQueuedMessages: what a client has queued goes out in
// one write call, every message its own frame, in order; and once the
// queue is empty the writer ends (an idle connection has none).
func TestClientBatchesQueuedMessages(t *testing.T) {
	c, cc, peer := batchPair(t)
	var batch []*outMsg
	for i := range 10 {
		batch = append(batch, shared([]byte(`{"n":`+strconv.Itoa(i)+`}`), false))
	}
	batch = append(batch, &outMsg{data: []byte("unshared")})
	if err := c.send(batch, true); err != nil {
		t.Fatal(err)
	}
	if got := cc.writes.Load(); got != 1 {
		t.Errorf("11 messages and a ping took %d write calls, want 1", got)
	}
	for i := range 11 {
		_, msg, err := peer.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		want := `{"n":` + strconv.Itoa(i) + `}`
		if i == 10 {
			want = "unshared"
		}
		if string(msg) != want {
			t.Fatalf("message %d: %s, want %s", i, msg, want)
		}
	}

	// Through the queue: the writer starts, sends, and ends.
	if !c.enqueue(shared([]byte("one"), false)) {
		t.Fatal("enqueue refused")
	}
	if _, msg, err := peer.ReadMessage(); err != nil || string(msg) != "one" {
		t.Fatalf("read %q, %v", msg, err)
	}
	for {
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
}
