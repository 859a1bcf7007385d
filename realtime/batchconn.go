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

	// br is the buffer gorilla reads through (Upgrade gives it), nil when
	// gorilla has one of its own. The reader alone uses it.
	br *bufio.Reader

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
	w := fdWrites.Get().(*fdWrite)
	w.p = p
	rerr := b.raw.Write(w.fn)
	n, werr := max(w.n, 0), w.err
	*w = fdWrite{fn: w.fn}
	fdWrites.Put(w)
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

// fdWrite is one non-blocking write(2) handed to RawConn.Write: its bytes
// and results live here, and its function (fn, made once) is a method
// value of it, so that a write allocates nothing (a closure over them
// would cost three allocations per delivery).
type fdWrite struct {
	p   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

// fdWrites holds the fdWrites of the write workers.
var fdWrites = sync.Pool{New: func() any {
	w := &fdWrite{}
	w.fn = w.write
	return w
}}

// write is fn: one write(2) of p, never waiting (the writer does).
func (w *fdWrite) write(fd uintptr) bool {
	w.n, w.err = syscall.Write(int(fd), w.p)
	return true
}

// readBuffer is the size of the buffer gorilla reads a room connection
// through: clients send little (commands, audio frames of a couple of
// hundred bytes); a longer frame takes more than one read. Gorilla uses a
// buffer it is given only when it holds more than 256 bytes (else it makes
// its own of 4 KiB); 288 is the allocator's size class above that.
const readBuffer = 288

// waitReadable returns once the connection has something to read (or
// fails, or its read deadline passes: the read that follows finds out),
// when gorilla's buffer holds nothing. The reader waits here rather than
// deep inside gorilla's ReadMessage, on a shallow stack (Client.readPump).
func (b *batchConn) waitReadable() {
	if b == nil || b.raw == nil || b.br == nil || b.br.Buffered() > 0 {
		return
	}
	_ = b.raw.Read(probeReadable)
}

// pending reports whether something is there to read without waiting:
// in gorilla's buffer, or in the socket (or the socket has ended or
// failed: the next read says so).
func (b *batchConn) pending() bool {
	if b.br.Buffered() > 0 {
		return true
	}
	ready := false
	_ = b.raw.Read(func(fd uintptr) bool {
		ready = probeReadable(fd)
		return true // never wait
	})
	return ready
}

// probeReadable is waitReadable's probe: false (wait) while the socket has
// nothing to read, true when it has bytes, an end or an error.
func probeReadable(fd uintptr) bool {
	var peek [1]byte
	_, _, err := syscall.Recvfrom(int(fd), peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err != syscall.EAGAIN
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
//
// With u.ReadBufferSize 0, the connection is read through a
// readBuffer-sized buffer that Upgrade makes (net/http's 4 KiB one is
// freed once the handler returns), by nextFrame, and the poller watches it
// while it has nothing to read (Client.watched).
//
// Without u.WriteBufferPool, gorilla borrows its write buffer from a pool
// of Upgrade's: it writes nothing but a close frame on these connections,
// and would otherwise keep net/http's 4 KiB one for each.
func Upgrade(u *websocket.Upgrader, w http.ResponseWriter, r *http.Request, header http.Header) (*websocket.Conn, error) {
	if u.WriteBufferPool == nil {
		pooled := *u
		pooled.WriteBufferPool = &closeWrites
		u = &pooled
	}
	return u.Upgrade(hijacker{ResponseWriter: w, ownBuffer: u.ReadBufferSize == 0}, r, header)
}

// closeWrites is the write buffers gorilla borrows to write a close frame
// (see Upgrade).
var closeWrites sync.Pool

// hijacker wraps the connection a ResponseWriter hands over in a
// batchConn; with ownBuffer, it hands gorilla a read buffer of the
// batchConn's.
type hijacker struct {
	http.ResponseWriter
	ownBuffer bool
}

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
	if h.ownBuffer && rw.Reader.Buffered() == 0 { // else gorilla refuses the early bytes
		b.br = bufio.NewReaderSize(b, readBuffer)
		rw = bufio.NewReadWriter(b.br, rw.Writer)
	}
	return b, rw, nil
}
