// Command majlis-floor is the write floor of a fan-out: the least a server
// can do to deliver a room's messages, for scripts/bench-peers to put
// beside majlis and its peers under the same load generator.
//
// It speaks just enough of the room protocol for cmd/majlis-load: a
// websocket at /ws/rooms/{id} that sends a welcome, then reads chat
// commands; each one becomes a chat message of --size bytes, framed once,
// and one goroutine writes the frame to every connection, one write call
// per connection, in turn. No queues, no goroutine per connection for
// writing, no JSON encoding per message beyond one, no log, no state: what
// it spends per delivery is the system call and the kernel's loopback.
//
// Usage:
//
//	majlis-floor --listen 127.0.0.1:8090 [--size 160]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8090", "address to listen on")
	size := flag.Int("size", 160, "bytes of every message delivered (the JSON text, padded)")
	flag.Parse()
	f := &floor{size: *size, msgs: make(chan []byte, 1024)}
	go f.fanout()
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/rooms/", f.join)
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	fmt.Fprintf(os.Stderr, "majlis-floor: listening on %s, pid %d\n", *listen, os.Getpid())
	log.Fatal(http.ListenAndServe(*listen, mux))
}

type floor struct {
	size  int
	mu    sync.Mutex
	conns []net.Conn
	n     int
	msgs  chan []byte // framed messages, in order
}

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024, CheckOrigin: func(*http.Request) bool { return true }}

func (f *floor) join(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.n++
	id := "f-" + strconv.Itoa(f.n)
	f.mu.Unlock()
	welcome := `{"type":"welcome","data":{"you":{"id":"` + id + `","channel":"floor"}}}`
	if conn.WriteMessage(websocket.TextMessage, []byte(welcome)) != nil {
		conn.Close()
		return
	}
	f.mu.Lock()
	f.conns = append(f.conns, conn.NetConn())
	f.mu.Unlock()
	go f.read(conn)
}

// read turns each chat command into a framed message for everyone.
func (f *floor) read(conn *websocket.Conn) {
	defer f.remove(conn.NetConn())
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var cmd struct {
			Type string `json:"type"`
			Data struct {
				Text string `json:"text"`
			} `json:"data"`
		}
		if json.Unmarshal(b, &cmd) != nil || cmd.Type != "chat" {
			continue
		}
		f.msgs <- frame(f.message(cmd.Data.Text))
	}
}

// message is a chat message of f.size bytes (or more, for a long text).
func (f *floor) message(text string) []byte {
	head := `{"type":"chat","data":{"text":` + strconv.Quote(text) + `},"pad":"`
	pad := max(f.size-len(head)-2, 0)
	return []byte(head + string(bytes.Repeat([]byte{'x'}, pad)) + `"}`)
}

// frame is an unmasked websocket text frame of p (server to client).
func frame(p []byte) []byte {
	var h []byte
	switch n := len(p); {
	case n < 126:
		h = []byte{0x81, byte(n)}
	case n < 1<<16:
		h = []byte{0x81, 126, byte(n >> 8), byte(n)}
	default:
		h = []byte{0x81, 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(h, p...)
}

// fanout writes each message to every connection: one write call each.
func (f *floor) fanout() {
	var conns []net.Conn
	for m := range f.msgs {
		f.mu.Lock()
		conns = append(conns[:0], f.conns...)
		f.mu.Unlock()
		for _, c := range conns {
			_, _ = c.Write(m)
		}
	}
}

func (f *floor) remove(c net.Conn) {
	c.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.conns {
		if x == c {
			f.conns = append(f.conns[:i], f.conns[i+1:]...)
			return
		}
	}
}
