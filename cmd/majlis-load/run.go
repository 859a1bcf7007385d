package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/realtime"
)

// atomic64 holds a publisher's last counter.
type atomic64 = atomic.Uint64

// loadRun is one execution: its clients, their tallies and the timeline.
type loadRun struct {
	cfg config
	log io.Writer
	src *sources
	// origin is the run's time zero: send times travel as offsets from it
	// (time.Since reads the monotonic clock), so sender and receiver, both
	// in this process, compare like with like.
	origin time.Time
	// measureFrom and measureTo bound (as offsets from origin, in ns) the
	// send times whose latency is recorded; the warm-up is left out.
	measureFrom, measureTo atomic.Int64
	stopping               atomic.Bool

	latency      histogram
	delivered    atomic.Uint64 // first arrivals of tracked messages
	measured     atomic.Uint64 // first arrivals sent in the measured window
	wrongChannel atomic.Uint64
	publishErrs  atomic.Uint64

	mu            sync.Mutex
	connectErrors map[string]int
	closes        map[string]int
	serverErrors  map[string]int

	events  []string
	clients []*client // tracked clients (chat: all; audio: listeners)
	staff   []*client // audio: host, speaker, interpreters
	// final is each publisher's last counter (chat: per publisher; audio:
	// per channel), written by its publisher, read after it stopped.
	final   []atomic64
	readers sync.WaitGroup
}

// client is one websocket connection. Its reader goroutine owns streams;
// the run reads them only after the reader has ended.
type client struct {
	i        int
	room     int // index in loadRun.events
	instance int // index in cfg.urls
	token    string
	channel  string // audio: the channel listened to (or published on)
	conn     *websocket.Conn
	id       string // member ID from the welcome
	welcomed string // the channel the welcome put the client on
	streams  []stream
	// track: the client counts messages (else its reader only drains).
	track bool
}

func newRun(cfg config, log io.Writer) *loadRun {
	if cfg.mode == "audio" {
		cfg.rooms = 1 // one session on air
	}
	return &loadRun{cfg: cfg, log: log, connectErrors: map[string]int{}, closes: map[string]int{}, serverErrors: map[string]int{}}
}

func (r *loadRun) logf(format string, args ...any) {
	fmt.Fprintf(r.log, "majlis-load: "+format+"\n", args...)
}

func (r *loadRun) count(m map[string]int, key string) {
	r.mu.Lock()
	m[key]++
	r.mu.Unlock()
}

// execute runs the whole timeline and builds the report.
func (r *loadRun) execute(ctx context.Context) (*report, error) {
	var err error
	if r.src, err = newSources(r.cfg.spread, r.cfg.perAddr, r.cfg.urls); err != nil {
		return nil, err
	}
	r.origin = time.Now()
	r.measureFrom.Store(math.MaxInt64)
	r.measureTo.Store(math.MaxInt64)
	a := &api{base: r.cfg.urls[0], token: r.cfg.token, src: r.src}
	if err := r.prepareEvents(ctx, a); err != nil {
		return nil, err
	}
	rep := &report{Mode: r.cfg.mode, Instances: r.cfg.urls, Events: r.events, Clients: r.cfg.clients,
		Join: r.cfg.join, Spread: r.src != nil, Warmup: r.cfg.warmup.Seconds(), Duration: r.cfg.duration.Seconds()}
	mon := newMonitor(r.cfg.debugURLs, r.src)
	if r.cfg.noMetrics {
		mon.urls = nil
	}
	procs := procMonitor(r.cfg.pids)
	if rep.before, err = mon.read(ctx); err != nil {
		return nil, err
	}
	procs.read(0)

	t0 := time.Now()
	var publish func(ctx context.Context, start, end time.Duration) *sync.WaitGroup
	switch r.cfg.mode {
	case "chat":
		err = r.setupChat(ctx, a)
		publish = r.publishChat
		rep.Publishers = r.cfg.publishers
	case "audio":
		err = r.setupAudio(ctx, a)
		publish = r.publishAudio
		rep.Publishers = len(r.staff) - 1
	}
	if err != nil {
		r.shutdown()
		return nil, err
	}
	rep.ConnectSeconds = time.Since(t0).Seconds()
	for _, c := range r.clients {
		if c.conn != nil {
			rep.Connected++
		}
	}
	r.logf("%d of %d clients connected in %.1fs", rep.Connected, r.cfg.clients, rep.ConnectSeconds)
	if err := sleep(ctx, r.cfg.settle); err != nil {
		r.shutdown()
		return nil, err
	}
	if rep.idle, err = mon.read(ctx); err != nil {
		r.shutdown()
		return nil, err
	}
	procs.read(1)

	start := time.Since(r.origin) + 100*time.Millisecond
	from, end := start+r.cfg.warmup, start+r.cfg.warmup+r.cfg.duration
	r.measureFrom.Store(int64(from))
	r.measureTo.Store(int64(end))
	r.logf("publishing for %s (warm-up %s)", r.cfg.warmup+r.cfg.duration, r.cfg.warmup)
	pubs := publish(ctx, start, end)
	if err := sleep(ctx, from-time.Since(r.origin)); err != nil {
		pubs.Wait()
		r.shutdown()
		return nil, err
	}
	cpu0 := selfCPU()
	busy0, all0 := machineCPU()
	procs.read(2)
	if rep.start, err = mon.read(ctx); err != nil {
		pubs.Wait()
		r.shutdown()
		return nil, err
	}
	pubs.Wait()
	_ = sleep(ctx, end-time.Since(r.origin)) // the window lasts its duration, publishers or not
	procs.read(3)
	cpu1 := selfCPU()
	busy1, all1 := machineCPU()
	if all1 > all0 {
		rep.MachineBusyPercent = 100 * (busy1 - busy0) / (all1 - all0)
	}
	rep.Cores = runtime.NumCPU()
	if rep.end, err = mon.read(ctx); err != nil {
		r.shutdown()
		return nil, err
	}
	rep.LoadCPUPercent = 100 * (cpu1 - cpu0) / r.cfg.duration.Seconds()
	rep.DrainSeconds = r.awaitDrain(ctx).Seconds()
	r.shutdown()
	r.tally(rep)
	rep.Processes = procs.report(rep.Connected+len(r.staff), r.measured.Load())
	return rep, nil
}

// maxDrain bounds the wait for late messages after publishing stopped.
const maxDrain = 60 * time.Second

// awaitDrain waits until every owed message arrived, or none arrived for
// cfg.drain (or maxDrain passed): what has not arrived by then is lost.
// A server that fell behind delivers late, and late is not lost.
func (r *loadRun) awaitDrain(ctx context.Context) time.Duration {
	start := time.Now()
	owed := r.owed()
	last, quiet := r.delivered.Load(), time.Now()
	for time.Since(start) < maxDrain && ctx.Err() == nil {
		n := r.delivered.Load()
		if n >= owed {
			break
		}
		if n != last {
			last, quiet = n, time.Now()
		} else if time.Since(quiet) >= r.cfg.drain {
			break
		}
		_ = sleep(ctx, 50*time.Millisecond)
	}
	return time.Since(start)
}

// owed counts the deliveries the publishers' messages owe: each to every
// connected receiver of its room (chat) or channel (audio).
func (r *loadRun) owed() uint64 {
	var n uint64
	for _, c := range r.clients {
		if c.conn == nil || !c.track {
			continue
		}
		for p := range c.streams {
			if last, ok := r.lastFor(c, p); ok {
				n += last
			}
		}
	}
	return n
}

// lastFor is the final counter of c's stream p, if c should receive it.
func (r *loadRun) lastFor(c *client, p int) (uint64, bool) {
	if r.cfg.mode == "audio" {
		return r.final[slices.Index(audioChannels, c.channel)].Load(), true
	}
	if r.clients[p].room != c.room {
		return 0, false // another room's publisher
	}
	return r.final[p].Load(), true
}

// prepareEvents picks the events: the given ones, or new ones.
func (r *loadRun) prepareEvents(ctx context.Context, a *api) error {
	if len(r.cfg.events) > 0 {
		r.events = r.cfg.events
		return nil
	}
	for i := range r.cfg.rooms {
		id, err := a.createEvent(ctx, i)
		if err != nil {
			return fmt.Errorf("create event: %w", err)
		}
		r.events = append(r.events, id)
	}
	r.logf("created %d event(s): %s", len(r.events), strings.Join(r.events, ", "))
	return nil
}

// roomURL is client c's websocket URL.
func (r *loadRun) roomURL(c *client) string {
	u := r.cfg.urls[c.instance]
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		u = "wss://" + rest
	} else if rest, ok := strings.CutPrefix(u, "http://"); ok {
		u = "ws://" + rest
	}
	q := url.Values{}
	if c.token != "" {
		q.Set("token", c.token)
	} else {
		q.Set("name", "Load client "+strconv.Itoa(c.i))
	}
	return u + "/ws/rooms/" + url.PathEscape(r.events[c.room]) + "?" + q.Encode()
}

// welcome is what a client needs from its first message.
type welcome struct {
	Type realtime.MsgType `json:"type"`
	Data struct {
		You realtime.Member `json:"you"`
	} `json:"data"`
}

// dial connects c and reads its welcome. Failures are tallied by cause.
func (r *loadRun) dial(ctx context.Context, c *client) error {
	if r.cfg.protocol == "centrifugo" {
		return r.dialCentrifugo(ctx, c)
	}
	conn, res, err := wsDialer(r.src.addr(c.i)).DialContext(ctx, r.roomURL(c), nil)
	if err != nil {
		cause := dialCause(err, res)
		if res != nil {
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			if json.NewDecoder(io.LimitReader(res.Body, 4096)).Decode(&body) == nil && body.Error.Code != "" {
				cause += " " + body.Error.Code
			}
			res.Body.Close()
		}
		r.count(r.connectErrors, cause)
		return err
	}
	var w welcome
	if err := readJSON(conn, &w); err != nil || w.Type != realtime.MsgWelcome {
		conn.Close()
		cause := "no welcome"
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			cause += fmt.Sprintf(" (close %d)", ce.Code)
		}
		r.count(r.connectErrors, cause)
		return fmt.Errorf("client %d: no welcome: %v", c.i, err)
	}
	c.conn, c.id, c.welcomed = conn, w.Data.You.ID, w.Data.You.Channel
	return nil
}

// readJSON reads the next text message into v, waiting at most 30 s.
func readJSON(conn *websocket.Conn, v any) error {
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	for {
		typ, b, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		if typ == websocket.TextMessage {
			return json.Unmarshal(b, v)
		}
	}
}

// connectAll dials the clients with cfg.concurrency at a time; after a
// client's welcome, ready runs (in the same worker) before its reader
// starts. Failed clients keep a nil conn.
func (r *loadRun) connectAll(ctx context.Context, cs []*client, ready func(*client) error) {
	work := make(chan *client)
	var wg sync.WaitGroup
	for range min(r.cfg.concurrency, len(cs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				if r.dial(ctx, c) != nil {
					continue
				}
				if ready != nil {
					if err := ready(c); err != nil {
						r.count(r.connectErrors, "setup: "+err.Error())
						c.conn.Close()
						c.conn = nil
						continue
					}
				}
				r.readers.Add(1)
				go r.read(c)
			}
		}()
	}
	done := 0
	for _, c := range cs {
		if ctx.Err() != nil {
			break
		}
		work <- c
		if done++; done%1000 == 0 {
			r.logf("%d clients dialled", done)
		}
	}
	close(work)
	wg.Wait()
}

// read is client c's only reader: it counts what arrives until the
// connection ends. Writes to c happen elsewhere (its publisher), never
// here, except the pongs gorilla answers through WriteControl.
func (r *loadRun) read(c *client) {
	defer r.readers.Done()
	buf := make([]byte, 0, 512)
	for {
		typ, rd, err := c.conn.NextReader()
		if err != nil {
			r.ended(err)
			return
		}
		if buf, err = readInto(rd, buf[:0]); err != nil {
			r.ended(err)
			return
		}
		now := int64(time.Since(r.origin))
		if typ == websocket.BinaryMessage {
			r.onFrame(c, buf, now)
		} else {
			r.onText(c, buf, now)
		}
		if cap(buf) > 16<<10 { // a welcome: do not keep the room's roster around
			buf = make([]byte, 0, 512)
		}
	}
}

func readInto(rd io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// ended tallies a connection that ended before the run closed it.
func (r *loadRun) ended(err error) {
	if r.stopping.Load() {
		return
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		r.count(r.closes, strconv.Itoa(ce.Code))
		return
	}
	r.count(r.closes, "1006 (no close frame)")
}

// got records the first-or-not arrival of a numbered message sent at sent.
func (r *loadRun) got(s *stream, counter uint64, sent, now int64) {
	if !s.see(counter) {
		return
	}
	r.delivered.Add(1)
	if sent >= r.measureFrom.Load() && sent < r.measureTo.Load() {
		r.measured.Add(1)
		r.latency.record(time.Duration(now - sent))
	}
}

func (r *loadRun) onText(c *client, msg []byte, now int64) {
	if r.cfg.protocol == "centrifugo" {
		r.onCentrifugo(c, msg, now)
		return
	}
	if pub, counter, sent, ok := parseChat(msg); ok {
		if c.track && pub < len(c.streams) {
			r.got(&c.streams[pub], counter, sent, now)
		}
		return
	}
	if code, ok := parseError(msg); ok {
		r.count(r.serverErrors, code)
	}
}

// shutdown closes every connection (normally) and waits for the readers.
func (r *loadRun) shutdown() {
	r.stopping.Store(true)
	for _, cs := range [][]*client{r.clients, r.staff} {
		for _, c := range cs {
			if c.conn != nil {
				_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				c.conn.Close()
			}
		}
	}
	r.readers.Wait()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// selfCPU is this process's CPU time so far, in seconds.
func selfCPU() float64 {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// machineCPU reads the machine's busy and total CPU time from /proc/stat
// (Linux; zeros elsewhere), in clock ticks: the share of the machine the
// server and this process left to others, who may be sharing it.
func machineCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:9] {
		n, _ := strconv.ParseFloat(v, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}
