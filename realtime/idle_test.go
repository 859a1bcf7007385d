package realtime_test

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/broker"
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
	if g1-g0 != n {
		b.Fatalf("%d more goroutines for %d more connections, want one each (a reader)", g1-g0, n)
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/conn")
	b.ReportMetric(float64(int64(after.StackInuse)-int64(before.StackInuse))/n, "stack-B/conn")
}
