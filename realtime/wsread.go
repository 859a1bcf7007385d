package realtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"

	"github.com/gorilla/websocket"
)

// A room connection's frames are read here rather than by gorilla's
// ReadMessage, which, having handled a control frame (the pong every
// client sends every pingPeriod), goes on reading until a data message
// comes: its goroutine would then wait deep inside gorilla, with a stack
// of several KiB, for as long as the client stays silent — every idle
// connection of a large room, once pinged. nextFrame returns after a
// control frame too, so that a reader that finds nothing more to read
// ends (Client.burst) and an idle connection holds no goroutine.
//
// What a client may send (RFC 6455, without extensions: majlis negotiates
// none): masked frames; text and binary messages, fragmented or not, of
// at most limit bytes in all; pings (answered with a pong, queued like
// any message), pongs, and a close.

// frameError is a frame the server refuses: the connection closes with
// code (1002 protocol error, 1009 message too big).
type frameError struct {
	code int
	text string
}

func (e *frameError) Error() string { return "websocket: " + e.text }

// errPeerClosed is the client's close frame.
var errPeerClosed = errors.New("websocket: the client closed the connection")

// frame is what nextFrame read: a whole data message (op text or binary),
// or a control frame already handled (op ping or pong; data is nil).
type frame struct {
	op   int
	data []byte
}

// nextFrame reads the next frame from br: a data message (all its
// fragments, with any control frames between them handled), or one
// control frame. A ping is answered through pong. The error is an I/O
// error, errPeerClosed, or a *frameError.
func nextFrame(br *bufio.Reader, limit int, pong func(payload []byte)) (frame, error) {
	var (
		msg     []byte
		msgOp   int // the message being assembled; 0: none
		hdr     [8]byte
		maskKey [4]byte
	)
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return frame{}, err
		}
		fin, rsv, op := hdr[0]&0x80 != 0, hdr[0]&0x70, int(hdr[0]&0x0f)
		masked, n := hdr[1]&0x80 != 0, uint64(hdr[1]&0x7f)
		switch {
		case rsv != 0:
			return frame{}, &frameError{websocket.CloseProtocolError, "reserved bits set (no extension was negotiated)"}
		case !masked:
			return frame{}, &frameError{websocket.CloseProtocolError, "client frames must be masked"}
		}
		switch n {
		case 126:
			if _, err := io.ReadFull(br, hdr[:2]); err != nil {
				return frame{}, err
			}
			n = uint64(binary.BigEndian.Uint16(hdr[:2]))
		case 127:
			if _, err := io.ReadFull(br, hdr[:8]); err != nil {
				return frame{}, err
			}
			n = binary.BigEndian.Uint64(hdr[:8])
		}
		control := op >= 8
		switch {
		case control && (!fin || n > 125):
			return frame{}, &frameError{websocket.CloseProtocolError, "a control frame must be whole and at most 125 bytes"}
		case op == 0 && msgOp == 0:
			return frame{}, &frameError{websocket.CloseProtocolError, "continuation frame without a message"}
		case (op == websocket.TextMessage || op == websocket.BinaryMessage) && msgOp != 0:
			return frame{}, &frameError{websocket.CloseProtocolError, "a new message began before the last one ended"}
		case op != 0 && op != websocket.TextMessage && op != websocket.BinaryMessage &&
			op != websocket.CloseMessage && op != websocket.PingMessage && op != websocket.PongMessage:
			return frame{}, &frameError{websocket.CloseProtocolError, "unknown opcode"}
		case !control && n > uint64(limit-len(msg)):
			return frame{}, &frameError{websocket.CloseMessageTooBig, "message too big"}
		}
		if _, err := io.ReadFull(br, maskKey[:]); err != nil {
			return frame{}, err
		}
		start := len(msg)
		if control {
			start = 0
		}
		payload := make([]byte, start+int(n))
		copy(payload, msg)
		if _, err := io.ReadFull(br, payload[start:]); err != nil {
			return frame{}, err
		}
		for i := range payload[start:] {
			payload[start+i] ^= maskKey[i&3]
		}
		switch op {
		case websocket.CloseMessage:
			return frame{}, errPeerClosed
		case websocket.PingMessage:
			pong(payload)
			if msgOp == 0 {
				return frame{op: op}, nil
			}
		case websocket.PongMessage:
			if msgOp == 0 {
				return frame{op: op}, nil
			}
		default:
			if op != 0 {
				msgOp = op
			}
			msg = payload
			if fin {
				return frame{op: msgOp, data: msg}, nil
			}
		}
	}
}
