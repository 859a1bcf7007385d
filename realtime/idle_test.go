package realtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
)

// BenchmarkIdleConnection measures what an idle room connection holds on
// the server: heap and goroutine stack per connection, after a garbage
// collection, with 250 connections in one room (connected well within the server's
// 60 s read deadline, which would close them: they answer no ping) (b.N is ignored beyond
// one round: the figure is a size, not a speed). The clients are bare
// TCP connections that did the websocket handshake and read their
// welcome, so that the process holds nothing of theirs but a socket.
//
//	go test -run '^$' -bench IdleConnection -benchtime 1x ./realtime/
func BenchmarkIdleConnection(b *testing.B) {
	const n = 250
	url := serve(b, broker.NewMemory(broker.MemoryConfig{}))
	addr := strings.TrimPrefix(url, "ws://")
	var conns []net.Conn
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	dial := func(i int) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /?name=idle%d HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", i, addr)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		for { // the handshake's answer, then the welcome's first bytes
			line, err := br.ReadString('\n')
			if err != nil {
				b.Fatalf("handshake %d: %v", i, err)
			}
			if line == "\r\n" {
				break
			}
		}
		if _, err := br.ReadByte(); err != nil {
			b.Fatalf("welcome %d: %v", i, err)
		}
	}
	dial(0) // the room exists before the baseline
	settle := func() runtime.MemStats {
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms
	}
	before, g0 := settle(), runtime.NumGoroutine()
	for i := 1; i <= n; i++ {
		dial(i)
	}
	after, g1 := settle(), runtime.NumGoroutine()
	if g1 != g0 {
		b.Fatalf("%d more goroutines for %d more idle connections, want none (the poller watches them)", g1-g0, n)
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/conn")
	b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stack-B/conn")
}

// TestIdleConnectionsHoldNoGoroutine: a connection that has nothing to
// read has no goroutine on the server, before and after the pings and
// pongs that every client exchanges (gorilla's reader, once it had handled
// a pong, waited inside ReadMessage for the next message: every pinged
// connection of a silent audience kept a goroutine, and its stack, for as
// long as it stayed silent); and it still works.
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	url, _ := serveNode(t, broker.NewMemory(broker.MemoryConfig{}))
	host, _, _ := dial(t, url, "name=host&role=host")
	settled := func(want int) int {
		var g int
		for range 100 { // transient goroutines (handshakes, bursts) end
			if g = runtime.NumGoroutine(); g <= want {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		return g
	}
	time.Sleep(200 * time.Millisecond)
	g0 := runtime.NumGoroutine()
	const n = 20
	var cs []*client
	for i := range n {
		c, _, _ := dial(t, url, fmt.Sprintf("name=idle%d", i))
		cs = append(cs, c)
	}
	if g := settled(g0); g != g0 {
		t.Fatalf("%d goroutines for %d idle connections, want none", g-g0, n)
	}
	for _, c := range cs {
		pongs := make(chan string, 1)
		c.conn.SetPongHandler(func(p string) error { pongs <- p; return nil })
		if err := c.conn.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := c.conn.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		c.send("no.such.command", "q1", nil) // its error comes after the pong
		if e := c.until(realtime.MsgError); e.ID != "q1" {
			t.Fatalf("error for another command: %s %s", e.ID, e.Data)
		}
		select {
		case p := <-pongs:
			if p != "are you there" {
				t.Fatalf("pong %q", p)
			}
		default:
			t.Fatal("no pong before the error")
		}
	}
	if g := settled(g0); g != g0 {
		t.Fatalf("%d goroutines for %d idle connections after a ping and a pong each, want none", g-g0, n)
	}
	host.send(realtime.CmdChat, "c1", map[string]string{"text": "still here"})
	if m := cs[n-1].until(realtime.MsgChat); !strings.Contains(string(m.Data), "still here") {
		t.Fatalf("chat: %s", m.Data)
	}
}

// TestSilentConnectionIsClosed: a connection whose client sent nothing,
// not even a pong, for longer than the 60 s the server waits is closed
// (no read deadline ends it while nothing reads it), and its member leaves.
func TestSilentConnectionIsClosed(t *testing.T) {
	url, node := serveNode(t, broker.NewMemory(broker.MemoryConfig{}))
	c, _, _ := dial(t, url, "name=silent")
	node.SilenceForTest()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("want the server's close, got %v", err)
		}
		break
	}
	_, first, _ := dial(t, url, "name=other")
	var room struct {
		Members int `json:"members"`
	}
	if err := json.Unmarshal(first.Data, &room); err != nil || room.Members != 1 {
		t.Fatalf("the room after the silent member was closed: %s (want 1 member)", first.Data)
	}
}

// TestConnectionsEndEveryWay: many connections at once, each ending its
// own way — the client's close frame, a dropped TCP connection, a
// malformed frame (closed 1002), a message over the limit (1009), still
// open when the node shuts down, or deaf to the shutdown's close frame
// (the server closes it after the grace, with nothing reading it) —
// having sent a command, a ping and a pong. The node's Shutdown returns (every connection's end
// was seen, whether a reader ran or the poller watched it) and no
// goroutine is left of them.
func TestConnectionsEndEveryWay(t *testing.T) {
	url, node := serveNode(t, broker.NewMemory(broker.MemoryConfig{}))
	host, _, _ := dial(t, url, "name=host&role=host")
	time.Sleep(200 * time.Millisecond)
	g0 := runtime.NumGoroutine()
	const n, ways = 60, 6
	codes := make(chan int, n)
	deaf := make(chan struct{})
	// welcomed and ended count the connections that joined and those that
	// ended on their own: the shutdown comes after both (a fixed wait let
	// it overtake a busy machine's reads: CI once saw 22 closed by it).
	welcomed, ended := make(chan struct{}, n), make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			conn, _, err := websocket.DefaultDialer.Dial(url+fmt.Sprintf("/?name=c%d", i), nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			deadline := time.Now().Add(10 * time.Second)
			_ = conn.SetReadDeadline(deadline)
			if _, _, err := conn.ReadMessage(); err != nil { // the welcome
				t.Error(err)
				return
			}
			welcomed <- struct{}{}
			_ = conn.WriteControl(websocket.PingMessage, []byte("p"), deadline)
			_ = conn.WriteControl(websocket.PongMessage, nil, deadline)
			_ = conn.WriteJSON(map[string]any{"type": "no.such.command", "id": "x"})
			closeCode := func() int {
				for {
					if _, _, err := conn.ReadMessage(); err != nil {
						var ce *websocket.CloseError
						if errors.As(err, &ce) {
							return ce.Code
						}
						return -1
					}
				}
			}
			switch i % ways {
			case 0: // a close frame
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
				codes <- closeCode()
				ended <- struct{}{}
			case 1: // gone without a word
				conn.NetConn().Close()
			case 2: // an unmasked frame (a server's frame, from a client)
				_, _ = conn.NetConn().Write([]byte{0x81, 0x02, 'h', 'i'})
				codes <- closeCode()
				ended <- struct{}{}
			case 3: // over the limit
				_ = conn.WriteMessage(websocket.TextMessage, make([]byte, realtime.MaxFrame+1))
				codes <- closeCode()
				ended <- struct{}{}
			case 4: // still here at the shutdown: read until it comes
				codes <- closeCode()
			case 5: // deaf: reads nothing more, answers no close
				<-deaf
			}
		})
	}
	// The shutdown comes once every connection joined and those that end
	// on their own did.
	timeout := time.After(20 * time.Second)
	for _, w := range []struct {
		what string
		ch   chan struct{}
		k    int
	}{{"joined", welcomed, n}, {"ended on their own", ended, 3 * n / ways}} {
		for range w.k {
			select {
			case <-w.ch:
			case <-timeout:
				t.Fatalf("not every connection %s after 20 s", w.what)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := node.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v (a connection's end was not seen)", err)
	}
	close(deaf)
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	want := map[int]int{websocket.CloseNormalClosure: n / ways, websocket.CloseProtocolError: n / ways,
		websocket.CloseMessageTooBig: n / ways, websocket.CloseGoingAway: n / ways}
	for code, k := range want {
		if got[code] != k {
			t.Errorf("%d connections closed with %d, want %d (all: %v)", got[code], code, k, got)
		}
	}
	_ = host
	for range 100 {
		if runtime.NumGoroutine() <= g0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > g0 {
		t.Errorf("%d goroutines left after the shutdown, more than the %d before the connections", g, g0)
	}
}
