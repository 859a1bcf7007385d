package realtime

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// batchConn is the network connection under a room's websocket (made by
// Upgrade). It lets the room write frames itself, bypassing gorilla's
// writer (which frames, locks and sets a deadline for every message, and
// makes one write call each):
//
//   - tryWrite hands a frame to the socket without waiting, from the room
//     goroutine, when nothing else is queued for the connection: the
//     common case costs one write call and no goroutine (see Client);
//   - the connection's writer, when one runs, sends everything queued in
//     one write call, with a deadline.
//
// Gorilla still reads, and writes the close frame (through Write, below);
// pongs are queued like any message (Client.readPump), so that only one
// goroutine at a time writes to the socket.
type batchConn struct {
	net.Conn
	raw syscall.RawConn // nil when the connection is not a TCP one

	mu sync.Mutex
	// deadline is the write deadline last set on the socket, and want the
	// one last asked for; the socket's moves only when they differ by more
	// than a second (each move costs a timer update).
	deadline, want time.Time
}

// SetWriteDeadline records the deadline; the socket gets it unless it
// has one within a second of it.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.want = t
	if d := b.want.Sub(b.deadline); d > -time.Second && d < time.Second && !b.want.IsZero() && !b.deadline.IsZero() {
		return nil
	}
	b.deadline = b.want
	return b.Conn.SetWriteDeadline(b.want)
}

// tryWrite writes what of p the socket takes at once, without waiting:
// n < len(p) means the rest must wait for the connection's writer. An
// error is a broken connection.
func (b *batchConn) tryWrite(p []byte) (n int, err error) {
	if b.raw == nil {
		return 0, nil
	}
	var werr error
	rerr := b.raw.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), p)
		return true // never wait: the writer does
	})
	n = max(n, 0)
	if werr == syscall.EAGAIN || werr == syscall.EINTR {
		werr = nil // the socket is full: the rest waits for the writer
	}
	if rerr != nil {
		// A deadline passed (the last writer's) or the socket is closed:
		// the writer finds out which.
		return n, nil
	}
	return n, werr
}

// frameFor is the server-to-client websocket frame of a message: no mask,
// no compression, one fragment.
func frameFor(data []byte, binary bool) []byte {
	op := byte(0x81) // FIN, text
	if binary {
		op = 0x82
	}
	var h [10]byte
	h[0] = op
	hl := 2
	switch n := len(data); {
	case n < 126:
		h[1] = byte(n)
	case n < 1<<16:
		h[1], h[2], h[3] = 126, byte(n>>8), byte(n)
		hl = 4
	default:
		h[1] = 127
		for i := range 8 {
			h[2+i] = byte(uint64(n) >> (56 - 8*i))
		}
		hl = 10
	}
	f := make([]byte, 0, hl+len(data))
	return append(append(f, h[:hl]...), data...)
}

// controlFrame is a ping or pong frame (payload at most 125 bytes).
func controlFrame(op byte, payload []byte) []byte {
	return append([]byte{0x80 | op, byte(len(payload))}, payload...)
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
// u.Upgrade, on a connection the room writes to itself (batchConn): a
// message costs one write call, and the messages a slow client has
// queued go out together. Give the result to Node.Accept.
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
	b := &batchConn{Conn: nc}
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			b.raw = raw
		}
	}
	return b, rw, nil
}
