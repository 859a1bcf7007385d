package realtime

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// BenchmarkFanout measures what a room's fan-out costs the server per
// delivery, apart from the write itself: one 160-byte chat frame to 500
// clients over loopback, queued by the room and written by the node's
// write workers, each peer reading it before the next. Peers read raw
// frames into their own buffers (no allocation), so allocs/op and B/op
// are the server's, per fan-out; allocs/delivery divides them by the
// clients.
//
//	go test -run '^$' -bench Fanout -benchmem ./realtime/
func BenchmarkFanout(b *testing.B) {
	const n = 500
	stop := make(chan struct{})
	defer close(stop)
	node := &Node{cfg: Config{QueueSize: 256, CommandRate: 10, CommandBurst: 30, ChatRate: 1, ChatBurst: 5},
		shards: []*writeShard{newWriteShard(stop, 0), newWriteShard(stop, 0)}}
	r := newRoom(node, "r")
	conns := make(chan *websocket.Conn, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		conn, err := Upgrade(&websocket.Upgrader{}, w, req, nil)
		if err != nil {
			b.Errorf("upgrade: %v", err)
			return
		}
		conns <- conn
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	peers := make([]net.Conn, n)
	for i := range n {
		p, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		fmt.Fprintf(p, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
		br := bufio.NewReader(p)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
		}
		peers[i] = p
		conn := <-conns
		defer conn.Close()
		c := newClient(node, conn, r, Member{ID: fmt.Sprintf("m-%d", i)}) // the workers in turn
		r.clients[c.member.ID] = c
	}
	env := Envelope{Type: MsgChat, Room: "r", Seq: 1, TS: 1, From: "m-0", Data: []byte(`{"text":"` + strings.Repeat("x", 160-82) + `"}`)}
	frame := len(frameFor(mustJSON(env), false))
	var read sync.WaitGroup
	next := make([]chan struct{}, n)
	for i, p := range peers {
		next[i] = make(chan struct{}, 1)
		go func() {
			buf := make([]byte, frame)
			for range next[i] {
				if _, err := io.ReadFull(p, buf); err != nil {
					b.Errorf("peer %d: %v", i, err)
				}
				read.Done()
			}
		}()
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		read.Add(n)
		for _, ch := range next {
			ch <- struct{}{}
		}
		r.fanout(env)
		read.Wait()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	for _, ch := range next {
		close(ch)
	}
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*n), "allocs/delivery")
}
