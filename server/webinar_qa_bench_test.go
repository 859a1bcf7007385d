package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// The webinar benchmarks of issue 16 (docs/BENCHMARKS.md): a question
// voted up by 1,000 of 2,000 attendees, and a poll answered by 2,000, in a
// room on the embedded store and the in-process broker, with the default
// send queue. scripts/bench-webinar runs them and prints a table:
//
//	go test -run '^$' -bench 'WebinarQuestionVotes|WebinarPollAnswers' -benchtime 3x ./server/

// qaClient is one benchmark connection and the messages its reader
// goroutine saw.
type qaClient struct {
	conn *websocket.Conn
	mu   sync.Mutex
	// votes is the most votes seen per question, seen when each count
	// was first seen; counts is how many question.votes arrived.
	votes  map[string]int
	seen   map[string]time.Time
	counts int
	// results is the most answers seen in poll.results, at when.
	results   int
	resultsAt time.Time
	questions map[string]bool
	// pollID and pollState are the last poll message's.
	pollID, pollState string
	// err ended the reader; refusals are the errors the room answered.
	err      error
	refusals []string
}

// qaClients connects n attendees, each from its own loopback address
// (joins are rate-limited per address), with a reader each.
func qaClients(b testing.TB, ts *httptest.Server, n, from int) []*qaClient {
	b.Helper()
	out := make([]*qaClient, n)
	for i := range out {
		k := from + i
		local := &net.TCPAddr{IP: net.IPv4(127, 1, byte(k/250), byte(k%250+1))}
		d := &websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
			return (&net.Dialer{LocalAddr: local}).Dial(network, addr)
		}}
		conn, _, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws/rooms/"+roomEvent+fmt.Sprintf("?name=A%d", k), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		c := &qaClient{conn: conn, votes: map[string]int{}, seen: map[string]time.Time{}, questions: map[string]bool{}}
		out[i] = c
		go c.read()
	}
	return out
}

func (c *qaClient) read() {
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		if bytes.HasPrefix(data, []byte(`{"type":"presence.`)) {
			continue // the join storm: not what is measured
		}
		now := time.Now()
		var env struct {
			Type realtime.MsgType `json:"type"`
			Data json.RawMessage  `json:"data"`
		}
		if json.Unmarshal(data, &env) != nil {
			continue
		}
		c.mu.Lock()
		switch env.Type {
		case realtime.MsgQuestion:
			var q struct {
				ID    string `json:"id"`
				Votes int    `json:"votes"`
			}
			if json.Unmarshal(env.Data, &q) == nil {
				c.questions[q.ID] = true
				if q.Votes > c.votes[q.ID] {
					c.votes[q.ID], c.seen[q.ID] = q.Votes, now
				}
			}
		case realtime.MsgWelcome: // a join the question overtook: the welcome has it
			var w struct {
				QA struct {
					Questions []struct {
						ID    string `json:"id"`
						Votes int    `json:"votes"`
					} `json:"questions"`
				} `json:"qa"`
			}
			if json.Unmarshal(env.Data, &w) == nil {
				for _, q := range w.QA.Questions {
					c.questions[q.ID] = true
					if q.Votes > c.votes[q.ID] {
						c.votes[q.ID], c.seen[q.ID] = q.Votes, now
					}
				}
			}
		case realtime.MsgQuestionVotes:
			var d struct {
				Votes map[string]int `json:"votes"`
			}
			if json.Unmarshal(env.Data, &d) == nil {
				c.counts++
				for id, n := range d.Votes {
					if n > c.votes[id] {
						c.votes[id], c.seen[id] = n, now
					}
				}
			}
		case realtime.MsgPoll:
			var p struct{ ID, State string }
			if json.Unmarshal(env.Data, &p) == nil {
				c.pollID, c.pollState = p.ID, p.State
			}
		case realtime.MsgError:
			c.refusals = append(c.refusals, string(env.Data))
		case realtime.MsgPollResults:
			var r struct{ Answers int }
			if json.Unmarshal(env.Data, &r) == nil && r.Answers > c.results {
				c.results, c.resultsAt = r.Answers, now
			}
		}
		c.mu.Unlock()
	}
}

func (c *qaClient) send(typ realtime.MsgType, data any) {
	if err := c.conn.WriteJSON(map[string]any{"type": typ, "data": data}); err != nil {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
	}
}

// waitAll waits until ok holds for every client, at most a minute.
func waitAll(b testing.TB, cs []*qaClient, what string, ok func(c *qaClient) bool) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, c := range cs {
		for {
			c.mu.Lock()
			done, err, refused := ok(c), c.err, c.refusals
			c.mu.Unlock()
			if done {
				break
			}
			if time.Now().After(deadline) || err != nil || len(refused) > 0 {
				b.Fatalf("%s: not everyone after a minute (a reader: %v, refusals %q)", what, err, refused)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkWebinarQuestionVotes: of the attendees connected, voters vote
// one question up at once (the case: 1,000 of 2,000); each op is
// one question and its votes. Reported: p50-ms and p99-ms, over every
// client and op, of the time from the first vote sent until the client
// has seen the final count (the order every page sorts by); all-ms, the
// time until the last client has; msgs/op, the question.votes each client
// received per op. The default send queue (256).
func BenchmarkWebinarQuestionVotes(b *testing.B) {
	for _, n := range [][2]int{{100, 100}, {2000, 1000}} {
		b.Run(fmt.Sprintf("attendees=%d/voters=%d", n[0], n[1]), func(b *testing.B) { benchQuestionVotes(b, n[0], n[1]) })
	}
}

func benchQuestionVotes(b *testing.B, attendees, n int) {
	ts, _ := qaBenchServer(b, 0)
	cs := qaClients(b, ts, attendees, 0)
	voters := cs[:n]
	var lat []time.Duration
	var all []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		asker := cs[i%n]
		asker.mu.Lock()
		before := len(asker.questions)
		asker.mu.Unlock()
		asker.send(realtime.CmdQuestionAsk, map[string]string{"text": fmt.Sprint("Question ", i)})
		var id string
		waitAll(b, cs[i%n:i%n+1], "the question", func(c *qaClient) bool {
			if len(c.questions) > before {
				for q := range c.questions {
					if c.votes[q] == 0 && id == "" {
						id = q
					}
				}
				return id != ""
			}
			return false
		})
		waitAll(b, cs, "the question everywhere", func(c *qaClient) bool { return c.questions[id] })
		start := time.Now()
		var wg sync.WaitGroup
		for _, c := range voters {
			wg.Go(func() { c.send(realtime.CmdQuestionVote, map[string]string{"id": id}) })
		}
		wg.Wait()
		waitAll(b, cs, "the votes", func(c *qaClient) bool { return c.votes[id] == n })
		last := time.Duration(0)
		for _, c := range cs {
			d := c.seen[id].Sub(start)
			lat = append(lat, d)
			last = max(last, d)
		}
		all = append(all, last)
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(all, 1).Microseconds())/1000, "all-ms")
	msgs := 0
	for _, c := range cs {
		msgs += c.counts
	}
	b.ReportMetric(float64(msgs)/float64(len(cs)*b.N), "msgs/op")
}

// BenchmarkWebinarPollAnswers: 2,000 attendees answer one poll at once;
// each op is one poll. Reported: answers-ms, the time from the first
// answer sent until the host's live results count all 2,000, and
// close-ms, the close (the final tally from the store) until every
// attendee has it.
func BenchmarkWebinarPollAnswers(b *testing.B) {
	const n = 2000
	ts, token := qaBenchServer(b, 0)
	cs := qaClients(b, ts, n, 1000)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws/rooms/"+roomEvent+"?token="+token, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	host := &qaClient{conn: conn, votes: map[string]int{}, seen: map[string]time.Time{}, questions: map[string]bool{}}
	go host.read()
	var took, closing []time.Duration
	var made []string
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		host.send(realtime.CmdPollCreate, map[string]any{"poll": map[string]any{"question": fmt.Sprint("Poll ", i), "options": []string{"yes", "no", "abstain"}}})
		var id string
		waitAll(b, []*qaClient{host}, "the draft", func(c *qaClient) bool { id = c.pollID; return id != "" && !slices.Contains(made, id) })
		made = append(made, id)
		host.mu.Lock()
		host.results = 0
		host.mu.Unlock()
		host.send(realtime.CmdPollOpen, map[string]string{"id": id})
		waitAll(b, cs, "the open poll", func(c *qaClient) bool { return c.pollID == id && c.pollState == "open" })
		start := time.Now()
		var wg sync.WaitGroup
		for k, c := range cs {
			wg.Go(func() { c.send(realtime.CmdPollAnswer, map[string]any{"id": id, "choices": []int{k % 3}}) })
		}
		wg.Wait()
		waitAll(b, []*qaClient{host}, "the results", func(c *qaClient) bool { return c.results == n })
		took = append(took, host.resultsAt.Sub(start))
		t0 := time.Now()
		host.send(realtime.CmdPollClose, map[string]string{"id": id})
		waitAll(b, cs, "the close", func(c *qaClient) bool { return c.pollState == "closed" })
		closing = append(closing, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(took, 0.5).Microseconds())/1000, "answers-ms")
	b.ReportMetric(float64(percentile(closing, 0.5).Microseconds())/1000, "close-ms")
}

// qaBenchServer serves the benchmark webinar (benchRoomServer's, with an
// organizer who hosts it) with a send queue of queue messages per
// connection (0: the default), and returns the organizer's token.
func qaBenchServer(b testing.TB, queue int) (*httptest.Server, string) {
	b.Helper()
	st, err := store.OpenBolt(filepath.Join(b.TempDir(), "majlis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	token, hash := access.NewToken()
	o := access.Organizer{ID: "org_bench", Name: "Host", Region: agenda.RegionGlobal, TokenHash: hash, Created: time.Now().UTC()}
	if err := st.CreateOrganizer(context.Background(), o); err != nil {
		b.Fatal(err)
	}
	svc := agenda.New(agenda.Config{}, st)
	rooms := realtime.New(realtime.Config{CommandRate: 1e6, CommandBurst: 1e6, QueueSize: queue}, broker.NewMemory(broker.MemoryConfig{}), st)
	srv := server.New(server.Config{BaseURL: "https://majlis.example.org", Rooms: rooms}, st, svc)
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	e := agenda.Event{ID: roomEvent, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Webinar"}, Start: start, End: start.Add(time.Hour),
		TimeZone: "UTC", Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished,
		Languages: []string{"en"}, Owner: o.ID}
	if _, _, err := svc.CreateEvent(context.Background(), e, nil); err != nil {
		b.Fatal(err)
	}
	return ts, token
}
