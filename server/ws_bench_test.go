package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// BenchmarkRoomSlowConsumers measures what stalled clients cost the
// others: a sender chats at 1,000 messages/s (about 1.9 KB each) to a room
// of 20 live readers, with 0 or 5 more clients that connect and never
// read. The stalled ones fill their send queues and are closed (4000,
// reported as slow-closed); the live readers' delivery latency (sent →
// read, one machine's clock) is reported as p50-µs and p99-µs. Flat means
// the figures with stalled clients match those without.
//
//	go test -run '^$' -bench RoomSlowConsumers -benchtime 3000x -count 5 ./server/
func BenchmarkRoomSlowConsumers(b *testing.B) {
	for _, stalled := range []int{0, 5} {
		b.Run(fmt.Sprintf("stalled=%d", stalled), func(b *testing.B) { benchSlowConsumers(b, 20, stalled) })
	}
}

func benchSlowConsumers(b *testing.B, live, stalled int) {
	ts := benchRoomServer(b)
	// Every client comes from its own loopback address: joins are
	// rate-limited per address.
	next := 2
	dial := func(rcvbuf int) *websocket.Conn {
		b.Helper()
		local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(next/250), byte(next%250+1))}
		next++
		d := &websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{LocalAddr: local}).Dial(network, addr)
			if tc, ok := c.(*net.TCPConn); ok && rcvbuf > 0 {
				_ = tc.SetReadBuffer(rcvbuf)
			}
			return c, err
		}}
		u := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/rooms/" + roomEvent + "?name=Reader" + strconv.Itoa(next)
		conn, _, err := d.Dial(u, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		if _, _, err := conn.ReadMessage(); err != nil { // welcome
			b.Fatal(err)
		}
		return conn
	}
	type reader struct {
		lat []time.Duration
		got int
	}
	readers := make([]*reader, live)
	var wg sync.WaitGroup
	for i := range readers {
		r := &reader{lat: make([]time.Duration, 0, b.N)}
		readers[i] = r
		conn := dial(0)
		wg.Go(func() {
			for r.got < b.N {
				_, data, err := conn.ReadMessage()
				if err != nil {
					b.Errorf("live reader: %v", err)
					return
				}
				var env struct {
					Type string
					Data struct{ Text string }
				}
				if json.Unmarshal(data, &env) != nil || env.Type != "chat" {
					continue
				}
				sent, err := strconv.ParseInt(env.Data.Text[:strings.IndexByte(env.Data.Text, ' ')], 10, 64)
				if err != nil {
					b.Errorf("chat %q", env.Data.Text[:20])
					return
				}
				r.lat = append(r.lat, time.Since(time.Unix(0, sent)))
				r.got++
			}
		})
	}
	stalledConns := make([]*websocket.Conn, stalled)
	for i := range stalledConns {
		stalledConns[i] = dial(128 << 10) // a modest receive buffer: no autotuning to megabytes
	}
	sender := dial(0)
	go func() { // the sender reads (and drops) what it is sent, as a live client does
		for {
			if _, _, err := sender.ReadMessage(); err != nil {
				return
			}
		}
	}()
	pad := strings.Repeat("x", realtime.MaxChat-40)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for range b.N {
		<-tick.C
		msg := map[string]any{"type": "chat", "data": map[string]string{"text": strconv.FormatInt(time.Now().UnixNano(), 10) + " " + pad}}
		if err := sender.WriteJSON(msg); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, r := range readers {
		all = append(all, r.lat...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no deliveries")
	}
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	closed := 0
	for _, c := range stalledConns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				if websocket.IsCloseError(err, realtime.CloseSlowConsumer) {
					closed++
				}
				break
			}
		}
	}
	b.ReportMetric(float64(closed), "slow-closed")
}

// benchRoomServer serves the room fixture's webinar with rate limits out
// of the way.
func benchRoomServer(b *testing.B) *httptest.Server {
	b.Helper()
	st, err := store.OpenBolt(filepath.Join(b.TempDir(), "majlis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := agenda.New(agenda.Config{}, st)
	rooms := realtime.New(realtime.Config{ChatRate: 1e6, ChatBurst: 1e6, CommandRate: 1e6, CommandBurst: 1e6},
		broker.NewMemory(broker.MemoryConfig{}), st)
	srv := server.New(server.Config{BaseURL: "https://majlis.example.org", Rooms: rooms}, st, svc)
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	e := agenda.Event{ID: roomEvent, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Webinar on civic space"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Africa/Nairobi", Region: agenda.RegionAfrica,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"ar", "en", "fr", "es"}}
	if _, _, err := svc.CreateEvent(context.Background(), e, nil); err != nil {
		b.Fatal(err)
	}
	return ts
}
