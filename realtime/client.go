package realtime

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Connection timing.
const (
	// writeWait bounds one write; a peer that takes longer is gone.
	writeWait = 10 * time.Second
	// pongWait is how long the server waits for any frame (pongs included).
	pongWait = 60 * time.Second
	// pingPeriod is how often the server pings; under pongWait.
	pingPeriod = pongWait * 9 / 10
	// closeGrace is how long the writer, having sent a close frame, waits
	// for the peer's close (seen by the reader) before closing the socket.
	// Closing at once would reset a connection whose peer is still
	// sending, and a reset can destroy the close frame, code included,
	// before the peer reads it.
	closeGrace = 2 * time.Second
	// maxStrikes is how many rate-limited or malformed frames a client may
	// send before it is closed.
	maxStrikes = 20
)

// Client is one websocket connection in a room.
type Client struct {
	node   *Node
	conn   *websocket.Conn
	room   *room
	member Member

	// send is the bounded queue of encoded messages. Only the room
	// goroutine sends on it, and whoever owns the client (the room once it
	// joined, serve before) closes it, once, through closeSend.
	send      chan *outMsg
	closeOnce sync.Once
	closeCode int
	closeText string
	// discard, set before the queue is closed, tells the writer to skip
	// what is still queued and send the close frame at once: a client that
	// overflowed will resume with since, and a stalled socket must not hold
	// its close code behind a queue it cannot take.
	discard atomic.Bool
	// readerDone is closed once nothing reads the connection any more
	// (serve closes it); the writer waits for it after a close frame.
	readerDone chan struct{}

	commands *rate.Limiter
	chats    *rate.Limiter
	frames   *rate.Limiter
	// audioRefused is when the client was last told a frame was refused
	// (room goroutine only).
	audioRefused time.Time
}

// outMsg is one queued message: a JSON text frame or an audio frame. A
// message fanned out to many clients is one outMsg, shared and never
// modified: the queues hold pointers (8 bytes a slot, not 32), so an idle
// connection's queue costs 2 KiB rather than 8.
//
// A fanned-out message is also prepared (websocket.PreparedMessage): its
// frame is built once, and every writer hands the same bytes to one write
// call, instead of framing and copying it through its own buffer.
type outMsg struct {
	data   []byte
	binary bool
	pm     *websocket.PreparedMessage // set by shared
}

// shared makes a message for many recipients.
func shared(data []byte, binary bool) *outMsg {
	typ := websocket.TextMessage
	if binary {
		typ = websocket.BinaryMessage
	}
	m := &outMsg{data: data, binary: binary}
	if pm, err := websocket.NewPreparedMessage(typ, data); err == nil { // it fails only for a bad type
		m.pm = pm
	}
	return m
}

func newClient(n *Node, conn *websocket.Conn, r *room, m Member) *Client {
	return &Client{
		node: n, conn: conn, room: r, member: m,
		send:       make(chan *outMsg, n.cfg.QueueSize),
		readerDone: make(chan struct{}),
		frames:     rate.NewLimiter(audioRate, audioBurst),
		commands:   rate.NewLimiter(rate.Limit(n.cfg.CommandRate), n.cfg.CommandBurst),
		chats:      rate.NewLimiter(rate.Limit(n.cfg.ChatRate), n.cfg.ChatBurst),
	}
}

// enqueue queues msg without ever blocking; false means the queue is full.
// Room goroutine only.
func (c *Client) enqueue(msg *outMsg) bool {
	select {
	case c.send <- msg:
		return true
	default:
		return false
	}
}

// closeSend ends the send queue; the writer then sends a close frame with
// code and text and closes the connection.
func (c *Client) closeSend(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.send)
	})
}

// writePump is the connection's only writer. It runs until the send queue
// is closed or a write fails, and then closes the connection, which also
// ends readPump.
func (c *Client) writePump() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case msg, ok := <-c.send:
			if ok && c.discard.Load() {
				continue
			}
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if !ok {
				if c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText)) == nil {
					select { // the close handshake: see closeGrace
					case <-c.readerDone:
					case <-time.After(closeGrace):
					}
				}
				return
			}
			if msg.pm != nil {
				if err := c.conn.WritePreparedMessage(msg.pm); err != nil {
					return
				}
				continue
			}
			typ := websocket.TextMessage
			if msg.binary {
				typ = websocket.BinaryMessage
			}
			if err := c.conn.WriteMessage(typ, msg.data); err != nil {
				return
			}
		case <-ticker.C:
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

// readPump is the connection's only reader: it decodes commands and hands
// them to the room, in order, until the connection fails or closes (a
// frame over the read limit ends it too: gorilla then answers with close
// 1009, message too big).
func (c *Client) readPump() {
	c.conn.SetReadLimit(max(MaxFrame, MaxAudio+18))
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	strikes := 0
	strike := func(e *Error, id string) bool {
		strikes++
		c.room.post(replyReq{c: c, err: e, id: id})
		if strikes > maxStrikes {
			code := CloseProtocol
			if e.Code == ErrRateLimited {
				code = CloseRateLimited
			}
			c.room.post(dropReq{c: c, code: code, text: string(e.Code)})
			return false
		}
		return true
	}
	for {
		typ, frame, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
		if typ == websocket.BinaryMessage {
			// Audio: over the limit, frames are dropped, not answered.
			if c.frames.Allow() {
				c.room.post(audioReq{c: c, frame: frame})
			}
			continue
		}
		if !c.commands.Allow() {
			if !strike(errorf(ErrRateLimited, "too many messages; at most %g per second", c.node.cfg.CommandRate), "") {
				return
			}
			continue
		}
		env, e := decodeCommand(frame)
		if e != nil {
			if !strike(e, env.ID) {
				return
			}
			continue
		}
		if env.Type == CmdChat && !c.chats.Allow() {
			if !strike(errorf(ErrRateLimited, "too many chat messages; at most %g per second", c.node.cfg.ChatRate), env.ID) {
				return
			}
			continue
		}
		c.room.post(cmdReq{c: c, env: env})
	}
}
