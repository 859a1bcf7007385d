package realtime

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// batchConn is the network connection under a room's websocket. Gorilla
// writes each frame with its own write call; while the client's writer
// holds it corked, batchConn gathers those frames (the messages a client
// has queued, and a pong the reader answers meanwhile) and flush sends
// them with one system call. Uncorked, it writes through.
//
// Gorilla serializes its frames (one frame is one Write, under its own
// lock); mu only guards the buffer against a pong written from the reader
// while the writer corks or flushes.
type batchConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    *[]byte
	// deadline is the write deadline last set on the socket, and want the
	// one gorilla last asked for; flush moves the socket's only when they
	// differ by more than a second (each move costs a timer update).
	deadline, want time.Time
}

// batchBufs holds the buffers of corked batches, shared by every
// connection: an idle connection holds none.
var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxBatchBuf is the largest buffer returned to batchBufs.
const maxBatchBuf = 64 << 10

// Write sends p, or gathers it while corked.
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.corked {
		*b.buf = append(*b.buf, p...)
		b.mu.Unlock()
		return len(p), nil
	}
	b.mu.Unlock()
	return b.Conn.Write(p)
}

// SetWriteDeadline records the deadline gorilla sets before each frame;
// the socket gets it at the next write through or flush.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.want = t
	if b.corked {
		return nil
	}
	return b.moveDeadline()
}

// moveDeadline gives the socket the deadline wanted, unless the one it
// has is within a second of it. Called with mu held.
func (b *batchConn) moveDeadline() error {
	if d := b.want.Sub(b.deadline); d > -time.Second && d < time.Second && !b.want.IsZero() && !b.deadline.IsZero() {
		return nil
	}
	b.deadline = b.want
	return b.Conn.SetWriteDeadline(b.want)
}

// cork starts gathering writes.
func (b *batchConn) cork() {
	b.mu.Lock()
	b.corked = true
	b.buf = batchBufs.Get().(*[]byte)
	b.mu.Unlock()
}

// flush writes what was gathered, in one write call, and stops gathering.
func (b *batchConn) flush() error {
	b.mu.Lock()
	buf := b.buf
	b.buf, b.corked = nil, false
	err := b.moveDeadline()
	b.mu.Unlock()
	if err == nil && len(*buf) > 0 {
		_, err = b.Conn.Write(*buf)
	}
	if cap(*buf) <= maxBatchBuf {
		*buf = (*buf)[:0]
		batchBufs.Put(buf)
	}
	return err
}

// tcp is the TCP connection under conn, if it is one.
func tcp(conn *websocket.Conn) (*net.TCPConn, bool) {
	nc := conn.NetConn()
	if b, ok := nc.(*batchConn); ok {
		nc = b.Conn
	}
	tc, ok := nc.(*net.TCPConn)
	return tc, ok
}

// batching is the batchConn under conn, or nil.
func batching(conn *websocket.Conn) *batchConn {
	b, _ := conn.NetConn().(*batchConn)
	return b
}

// Upgrade upgrades an HTTP request to a websocket for a room, like
// u.Upgrade, with the connection's writes batched: the messages a client
// has queued go out in one system call rather than one each. Give the
// result to Node.Accept.
func Upgrade(u *websocket.Upgrader, w http.ResponseWriter, r *http.Request, header http.Header) (*websocket.Conn, error) {
	return u.Upgrade(hijacker{w}, r, header)
}

// hijacker wraps the connection a ResponseWriter hands over in a
// batchConn.
type hijacker struct{ http.ResponseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("realtime: the response cannot be taken over (http.Hijacker)")
	}
	nc, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &batchConn{Conn: nc}, rw, nil
}
