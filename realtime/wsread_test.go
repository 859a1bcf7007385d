package realtime

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// clientFrame is a frame as a client sends it: masked (with a key that
// changes every byte), fin or not, with a 7-, 16- or 64-bit length.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i&3])
	}
	return f
}

// TestNextFrame reads what a client may send, and what it may not: each
// refusal names the close code the connection then gets.
func TestNextFrame(t *testing.T) {
	cat := func(fs ...[]byte) []byte { return bytes.Join(fs, nil) }
	text := func(s string) []byte { return clientFrame(true, websocket.TextMessage, []byte(s)) }
	big := bytes.Repeat([]byte("x"), 70000)
	unmasked := []byte{0x81, 0x02, 'h', 'i'}
	cases := []struct {
		name   string
		in     []byte
		limit  int
		op     int
		data   string
		pongs  []string
		err    error // errPeerClosed, io.ErrUnexpectedEOF, io.EOF
		code   int   // a *frameError's
		within int   // bytes left unread after it
	}{
		{name: "text", in: text("hello"), op: websocket.TextMessage, data: "hello"},
		{name: "empty text", in: text(""), op: websocket.TextMessage, data: ""},
		{name: "binary", in: clientFrame(true, websocket.BinaryMessage, []byte{0, 1, 2}), op: websocket.BinaryMessage, data: "\x00\x01\x02"},
		{name: "16-bit length", in: text(strings.Repeat("a", 300)), op: websocket.TextMessage, data: strings.Repeat("a", 300)},
		{name: "64-bit length", in: clientFrame(true, websocket.BinaryMessage, big), limit: 80000, op: websocket.BinaryMessage, data: string(big)},
		{name: "fragments with a ping between", in: cat(clientFrame(false, websocket.TextMessage, []byte("hel")),
			clientFrame(true, websocket.PingMessage, []byte("p1")), clientFrame(true, 0, []byte("lo"))),
			op: websocket.TextMessage, data: "hello", pongs: []string{"p1"}},
		{name: "a ping alone returns", in: cat(clientFrame(true, websocket.PingMessage, []byte("p")), text("next")),
			op: websocket.PingMessage, pongs: []string{"p"}, within: len(text("next"))},
		{name: "a pong alone returns", in: cat(clientFrame(true, websocket.PongMessage, nil), text("next")),
			op: websocket.PongMessage, within: len(text("next"))},
		{name: "close", in: clientFrame(true, websocket.CloseMessage, []byte{0x03, 0xe8}), err: errPeerClosed},
		{name: "cut short", in: text("hello")[:5], err: io.ErrUnexpectedEOF},
		{name: "nothing", in: nil, err: io.EOF},
		{name: "unmasked", in: unmasked, code: websocket.CloseProtocolError},
		{name: "reserved bit", in: func() []byte { f := text("x"); f[0] |= 0x40; return f }(), code: websocket.CloseProtocolError},
		{name: "continuation first", in: clientFrame(true, 0, []byte("x")), code: websocket.CloseProtocolError},
		{name: "new message inside one", in: cat(clientFrame(false, websocket.TextMessage, []byte("a")), text("b")), code: websocket.CloseProtocolError},
		{name: "unknown opcode", in: clientFrame(true, 3, nil), code: websocket.CloseProtocolError},
		{name: "long ping", in: clientFrame(true, websocket.PingMessage, bytes.Repeat([]byte("p"), 126)), code: websocket.CloseProtocolError},
		{name: "fragmented ping", in: clientFrame(false, websocket.PingMessage, nil), code: websocket.CloseProtocolError},
		{name: "over the limit", in: text(strings.Repeat("a", 101)), limit: 100, code: websocket.CloseMessageTooBig},
		{name: "fragments over the limit", in: cat(clientFrame(false, websocket.TextMessage, bytes.Repeat([]byte("a"), 60)),
			clientFrame(true, 0, bytes.Repeat([]byte("a"), 60))), limit: 100, code: websocket.CloseMessageTooBig},
		{name: "a length no server takes", in: []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0}, code: websocket.CloseMessageTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			limit := tc.limit
			if limit == 0 {
				limit = 1000
			}
			br := bufio.NewReaderSize(bytes.NewReader(tc.in), 16) // frames cross the buffer's refills
			var pongs []string
			f, err := nextFrame(br, limit, func(p []byte) { pongs = append(pongs, string(p)) })
			var fe *frameError
			switch {
			case tc.code != 0:
				if !errors.As(err, &fe) || fe.code != tc.code {
					t.Fatalf("got %v, want close %d", err, tc.code)
				}
				return
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %v, want %v", err, tc.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if f.op != tc.op || string(f.data) != tc.data {
				t.Errorf("got op %d %.40q, want op %d %.40q", f.op, f.data, tc.op, tc.data)
			}
			if strings.Join(pongs, ",") != strings.Join(tc.pongs, ",") {
				t.Errorf("pongs %q, want %q", pongs, tc.pongs)
			}
			if rest, _ := io.ReadAll(br); len(rest) != tc.within {
				t.Errorf("%d bytes left unread, want %d", len(rest), tc.within)
			}
		})
	}
}

// FuzzNextFrame: whatever a client sends, nextFrame neither panics nor
// returns a message over the limit; and any message a client frames —
// split into fragments anywhere, with a ping between — reads back whole.
func FuzzNextFrame(f *testing.F) {
	f.Add([]byte("hello"), uint8(2), []byte{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'})
	f.Add([]byte{}, uint8(0), clientFrame(true, websocket.PingMessage, []byte("p")))
	f.Add([]byte(strings.Repeat("x", 300)), uint8(200), []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte, cut uint8, raw []byte) {
		const limit = 1000
		if f, err := nextFrame(bufio.NewReaderSize(bytes.NewReader(raw), 16), limit, func([]byte) {}); err == nil && len(f.data) > limit {
			t.Fatalf("a message of %d bytes passed the limit of %d", len(f.data), limit)
		}
		if len(payload) > limit {
			payload = payload[:limit]
		}
		at := min(int(cut), len(payload))
		in := bytes.Join([][]byte{clientFrame(false, websocket.BinaryMessage, payload[:at]),
			clientFrame(true, websocket.PingMessage, []byte("between")), clientFrame(true, 0, payload[at:])}, nil)
		var pongs int
		got, err := nextFrame(bufio.NewReaderSize(bytes.NewReader(in), 16), limit, func([]byte) { pongs++ })
		if err != nil || got.op != websocket.BinaryMessage || !bytes.Equal(got.data, payload) || pongs != 1 {
			t.Fatalf("a message in two fragments read back as op %d, %d bytes, %d pongs, %v", got.op, len(got.data), pongs, err)
		}
	})
}
