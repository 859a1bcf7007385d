package realtime

import (
	"errors"
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
	// pingPeriod is how often the server pings; under pongWait (the write
	// workers ask for pings once a second: writeShard.pingDue).
	pingPeriod = pongWait * 3 / 4
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
//
// Writing: the room queues a message (its frame built once per fan-out)
// and hands the client to its write worker (writers.go), which gives the
// socket everything queued in one write call, without waiting
// (batchConn.tryWrite). What the socket does not take at once (a slow
// client) goes to a writer goroutine of the client's own, which runs until
// the queue is empty, with a deadline, and ends: an idle connection has no
// writer (its worker asks for its pings). One writer at a time:
// Client.writing, under mu.
//
// Reading: see watched (the poller) and readPump.
type Client struct {
	node   *Node
	conn   *websocket.Conn
	batch  *batchConn  // nil for a connection not made by Upgrade
	shard  *writeShard // the write worker for batch; nil: a goroutine writes
	room   *room
	member Member

	mu sync.Mutex
	// queue is the bounded queue of messages (at most QueueSize); spare is
	// the writer's previous batch, reused. The room goroutine appends,
	// the writer takes.
	queue, spare []*outMsg
	// partial is the rest of a frame the room began to write: the writer
	// sends it before anything else.
	partial   []byte
	writing   bool // a writer goroutine runs
	pingDue   bool
	closed    bool // closeSend was called: the close frame follows the queue
	done      bool // the connection is closed: nothing is written any more
	closeCode int
	closeText string
	// slot is c's place in its write worker's clients, and pingAt when the
	// worker next asks for a ping (on clock); both guarded by shard.mu.
	slot   int
	pingAt time.Duration
	// discard, set before closeSend, tells the writer to skip what is
	// still queued and send the close frame at once: a client that
	// overflowed will resume with since, and a stalled socket must not
	// hold its close code behind a queue it cannot take.
	discard atomic.Bool
	// readerDone is closed once nothing reads the connection any more
	// (serve closes it); the writer waits for it after a close frame.
	// writerDone is closed once the connection is closed for writing.
	// Both are made when the connection ends (doneChan, under mu): an idle
	// connection holds neither.
	readerDone, writerDone chan struct{}
	finishOnce             sync.Once

	// urgent marks a client whose turn at its write worker is not to wait
	// for the write delay (writeShard.hurry).
	urgent atomic.Bool

	// audioRefused is when the client was last told a frame was refused
	// (room goroutine only).
	audioRefused time.Time

	// Reading (see watched): reading is readNone while a goroutine of the
	// connection's own reads it (readPump), then readIdle while the
	// poller watches it, readBusy while a burst reads, readEnded;
	// lastRead is the clock when a frame last came (a watched connection
	// silent for pongWait is ended by its write worker: it has no read
	// deadline while nothing reads it); poll is the poller, pollSlot and
	// pollGen the connection's place in it; rs is the reader's.
	reading           atomic.Int32
	lastRead          atomic.Int64
	poll              *poller
	pollSlot, pollGen int32
	rs                readState
}

// The states of Client.reading.
const (
	readNone int32 = iota
	readIdle
	readBusy
	readEnded
)

// outMsg is one queued message: a JSON text frame or an audio frame. A
// message fanned out to many clients is one outMsg, shared and never
// modified: the queues hold pointers, and its websocket frame is built
// once (shared), so that every writer hands the same bytes to its socket.
type outMsg struct {
	data   []byte
	binary bool
	// relaxed lets the message wait for the write delay (writeShard):
	// a text message fanned out to a large room.
	relaxed bool
	// frame is the websocket frame of data (set by shared, or built when
	// first needed); a control frame (a pong) has only this.
	frame []byte
}

// frameOf is msg's frame.
func (msg *outMsg) frameOf() []byte {
	if msg.frame == nil {
		msg.frame = frameFor(msg.data, msg.binary)
	}
	return msg.frame
}

// shared makes a message for many recipients.
func shared(data []byte, binary bool) *outMsg {
	return &outMsg{data: data, binary: binary, frame: frameFor(data, binary)}
}

func newClient(n *Node, conn *websocket.Conn, r *room, m Member) *Client {
	c := &Client{
		node: n, conn: conn, batch: batching(conn), room: r, member: m,
	}
	if len(n.shards) > 0 {
		c.shard = n.shards[int(n.nextShard.Add(1))%len(n.shards)]
		c.shard.add(c)
	}
	return c
}

// doneChan returns *ch, made first if need be: c.readerDone or
// c.writerDone.
func (c *Client) doneChan(ch *chan struct{}) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *ch == nil {
		*ch = make(chan struct{})
	}
	return *ch
}

// askPing asks the writer for a ping. Its write worker calls it every
// pingPeriod (writeShard.pingDue): a timer per connection would cost each
// one more memory than the rest of its idle state.
func (c *Client) askPing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.done {
		return
	}
	c.pingDue = true
	c.kick(false)
}

// kick starts the writer unless one runs; urgent ends its write worker's
// write delay. Called with mu held.
func (c *Client) kick(urgent bool) {
	switch {
	case c.done:
	case !c.writing:
		c.writing = true
		if c.batch != nil && c.shard != nil {
			c.shard.push(c, urgent)
		} else {
			go c.write()
		}
	case urgent && c.shard != nil:
		c.shard.hurry(c)
	}
}

// enqueue queues msg without ever blocking; false means the queue is full.
// Messages for a client that is closing are dropped. Room goroutine only
// (it orders a room's messages).
func (c *Client) enqueue(msg *outMsg) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := &c.node.counters
	if c.closed || c.done {
		if msg.data != nil {
			k.discarded.Add(1)
		}
		return true
	}
	if len(c.queue) >= c.node.cfg.QueueSize {
		k.queueFull.Add(1)
		return false
	}
	if c.queue == nil && c.spare != nil {
		c.queue, c.spare = c.spare, nil
	}
	c.queue = append(c.queue, msg)
	switch {
	case msg.data == nil: // a pong
	case msg.binary:
		k.audio.Add(1)
	default:
		k.text.Add(1)
	}
	c.kick(!msg.relaxed)
	return true
}

// discardQueued empties the queue of a client closed for being slow
// (discard). Called with mu held.
func (c *Client) discardQueued() {
	if !c.discard.Load() || len(c.queue) == 0 {
		return
	}
	c.node.counters.discarded.Add(uint64(len(c.queue)))
	clear(c.queue)
	c.queue = c.queue[:0]
}

// closeSend ends the queue: the writer sends what is queued (unless
// discard is set), then a close frame with code and text, and closes the
// connection.
func (c *Client) closeSend(code int, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed, c.closeCode, c.closeText = true, code, text
	c.node.counters.closed(code)
	c.kick(true)
}

// finish closes the connection (which also ends the reader) and tells
// serve.
func (c *Client) finish() {
	c.finishOnce.Do(func() {
		c.mu.Lock()
		c.done, c.queue, c.spare, c.partial = true, nil, nil, nil
		c.mu.Unlock()
		if c.shard != nil {
			c.shard.remove(c)
		}
		c.conn.Close()
		c.stopReading() // a watched connection has no reader to see the close
		close(c.doneChan(&c.writerDone))
	})
}

// keptQueue is the largest queue capacity a writer keeps for reuse once
// the queue is empty; larger ones (a backlog) go back to the heap.
const keptQueue = 8

// write is the connection's writer: it sends what is queued, in batches,
// until the queue is empty (then it ends; enqueue starts another), or the
// connection closes or fails.
func (c *Client) write() {
	for {
		c.mu.Lock()
		c.discardQueued()
		batch, partial := c.queue, c.partial
		c.queue, c.partial = nil, nil
		if len(batch) == 0 && c.spare == nil && cap(batch) <= keptQueue {
			c.spare = batch
		}
		ping := c.pingDue
		c.pingDue = false
		closing := c.closed && len(batch) == 0 && partial == nil
		if len(batch) == 0 && !ping && !closing && partial == nil {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if closing {
			c.sendClose()
			c.finish()
			return
		}
		if err := c.send(partial, batch, ping); err != nil {
			c.finish()
			return
		}
		clear(batch)
		c.mu.Lock()
		if c.spare == nil && cap(batch) <= keptQueue {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
	}
}

// writeReady is c's turn at its write worker: it hands everything queued
// (and a ping when due) to the socket in one write call, without waiting.
// What the socket does not take, and a close (which waits for the peer),
// go to a writer goroutine of c's own; messages queued meanwhile bring c
// back to the worker.
func (c *Client) writeReady() {
	c.mu.Lock()
	c.discardQueued()
	batch, partial := c.queue, c.partial
	ping := c.pingDue
	closing := c.closed && len(batch) == 0 && partial == nil
	if closing || (len(batch) == 0 && partial == nil && !ping) {
		if !closing {
			c.writing = false
		}
		c.mu.Unlock()
		if closing {
			go c.write() // sends the close frame and waits for the peer's
		}
		return
	}
	c.queue, c.partial, c.pingDue = nil, nil, false
	c.mu.Unlock()

	buf, bp := joinFrames(partial, batch, ping)
	defer putFrames(buf, bp)
	c.node.counters.writes.Add(1) // before: the peer may read it before tryWrite returns
	n, err := c.batch.tryWrite(buf)
	clear(batch)
	c.mu.Lock()
	if c.spare == nil && cap(batch) <= keptQueue {
		c.spare = batch[:0]
	}
	switch {
	case err != nil:
		c.mu.Unlock()
		c.finish()
	case n < len(buf):
		c.partial = append([]byte(nil), buf[n:]...) // first, before anything queued meanwhile
		c.mu.Unlock()
		go c.write() // still writing: the goroutine takes over
	case len(c.queue) > 0 || c.pingDue || c.closed:
		c.shard.push(c, false) // still writing: another turn (urgent messages queued meanwhile hurried the worker)
		c.mu.Unlock()
	default:
		c.writing = false
		c.mu.Unlock()
	}
}

// send writes the rest of a frame the room began, a batch of messages,
// and a ping when due: one write call on a batchConn.
func (c *Client) send(partial []byte, batch []*outMsg, ping bool) error {
	if c.batch == nil {
		_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		for _, msg := range batch {
			if err := writeMsg(c.conn, msg); err != nil {
				return err
			}
		}
		if ping {
			return c.conn.WriteMessage(websocket.PingMessage, nil)
		}
		return nil
	}
	buf, bp := joinFrames(partial, batch, ping)
	defer putFrames(buf, bp)
	if err := c.batch.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	c.node.counters.writes.Add(1)
	_, err := c.batch.Conn.Write(buf)
	return err
}

// joinFrames is what one write call sends: the rest of a frame the room
// began, the batch's frames and a ping. A lone frame goes as it is; more
// are copied into a buffer from batchBufs (bp), which putFrames gives back.
func joinFrames(partial []byte, batch []*outMsg, ping bool) (buf []byte, bp *[]byte) {
	switch {
	case len(batch) == 0 && !ping:
		return partial, nil
	case len(batch) == 1 && partial == nil && !ping:
		return batch[0].frameOf(), nil
	}
	bp = batchBufs.Get().(*[]byte)
	buf = append((*bp)[:0], partial...)
	for _, msg := range batch {
		buf = append(buf, msg.frameOf()...)
	}
	if ping {
		buf = append(buf, pingFrame...)
	}
	return buf, bp
}

// putFrames gives back the buffer joinFrames took, unless it grew too big.
func putFrames(buf []byte, bp *[]byte) {
	if bp != nil && cap(buf) <= maxBatchBuf {
		*bp = buf[:0]
		batchBufs.Put(bp)
	}
}

// pingFrame is an empty ping.
var pingFrame = controlFrame(websocket.PingMessage, nil)

// batchBufs holds the buffers of batches, shared by every connection: an
// idle connection holds none.
var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxBatchBuf is the largest buffer returned to batchBufs.
const maxBatchBuf = 64 << 10

// writeMsg writes msg through gorilla (a connection not made by Upgrade,
// which queues no pongs: gorilla answers pings itself).
func writeMsg(conn *websocket.Conn, msg *outMsg) error {
	typ := websocket.TextMessage
	if msg.binary {
		typ = websocket.BinaryMessage
	}
	return conn.WriteMessage(typ, msg.data)
}

// sendClose sends the close frame and waits for the peer's (see
// closeGrace).
func (c *Client) sendClose() {
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	if c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText)) == nil {
		t := time.NewTimer(closeGrace)
		defer t.Stop()
		select {
		case <-c.doneChan(&c.readerDone):
		case <-t.C:
		}
	}
}

// watched hands the connection to the poller, which starts a reader
// (burst) whenever the client has sent something: an idle connection then
// has no goroutine. false when it cannot be watched (not a TCP connection
// made by Upgrade, or no epoll): the caller reads it (readPump). Node.serve
// calls it once the client joined.
func (c *Client) watched() bool {
	p := thePoller()
	if p == nil || c.batch == nil || c.batch.raw == nil || c.batch.br == nil {
		return false
	}
	early := c.batch.br.Buffered() > 0 // bytes that came with the handshake: nobody else reads yet
	c.poll = p
	c.lastRead.Store(int64(clock()))
	c.reading.Store(readIdle)
	if !p.watch(c) {
		// Closed already (finish then ends the reading, unless this
		// comes first), or epoll refused it: a goroutine reads.
		return !c.reading.CompareAndSwap(readIdle, readNone)
	}
	if early {
		c.readable()
	}
	return true
}

// readable is the poller's word that the client sent something (or the
// connection ended): a burst reads it, unless one does already.
func (c *Client) readable() {
	if c.reading.CompareAndSwap(readIdle, readBusy) {
		go c.burst()
	}
}

// burst reads frames while there are some to read without waiting, then
// hands the connection back to the poller and ends; a read that fails ends
// the connection.
func (c *Client) burst() {
	for c.readFrame(&c.rs) {
		if c.batch.pending() {
			continue
		}
		c.reading.Store(readIdle)
		if c.poll.rearm(c) {
			return
		}
		// Closed meanwhile: whoever moves the state on ends the reading.
		if c.reading.CompareAndSwap(readIdle, readEnded) {
			c.readEnd()
		}
		return
	}
	c.reading.Store(readEnded)
	c.readEnd()
}

// stopReading ends the reading of a watched connection that nothing reads
// (it was closed, or its client fell silent).
func (c *Client) stopReading() {
	if c.reading.CompareAndSwap(readIdle, readEnded) {
		go c.readEnd()
	}
}

// readEnd follows the end of a connection's reading: the room lets the
// client go, and once the writer is done, the connection is over.
func (c *Client) readEnd() {
	close(c.doneChan(&c.readerDone))
	c.room.post(leaveReq{c: c})
	<-c.doneChan(&c.writerDone)
	if c.reading.Load() == readEnded {
		c.poll.forget(c)
	}
	c.node.conns.Done()
}

// readPump reads a connection that the poller does not watch, until it
// fails or closes, on the goroutine of Node.serve.
//
// On a batchConn, it waits for something to read on a shallow stack
// (waitReadable) and reads what came on a goroutine that it starts for
// that and waits for (readBurst), which ends once nothing more is there:
// one goroutine reads at a time, and the reader of an idle connection
// keeps its first 2 KiB of stack.
func (c *Client) readPump() {
	var rs readState
	if c.batch == nil || c.batch.raw == nil || c.batch.br == nil {
		for c.readFrame(&rs) {
		}
		return
	}
	var (
		burst sync.WaitGroup
		more  bool
	)
	for {
		c.batch.waitReadable()
		burst.Go(func() { more = c.readBurst(&rs) })
		burst.Wait()
		if !more {
			return
		}
	}
}

// readBurst reads frames while there are some to read without waiting;
// false ends the connection.
func (c *Client) readBurst(rs *readState) bool {
	for {
		if !c.readFrame(rs) {
			return false
		}
		if !c.batch.pending() {
			return true
		}
	}
}

// readSetup sets the read limit, deadline and control-frame handlers;
// Node.Accept calls it, before the reader starts. A connection made by
// Upgrade is read by nextFrame (readFrame), which answers pings itself.
func (c *Client) readSetup() {
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	if c.batch != nil && c.batch.br != nil {
		return
	}
	c.conn.SetReadLimit(readLimit)
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	if c.batch != nil {
		// Only the room and the writer write (see Client): a pong is
		// queued like a message, and a peer's close is answered by the
		// close frame the room sends when the client leaves.
		c.conn.SetPingHandler(func(data string) error {
			c.queuePong([]byte(data))
			return nil
		})
		c.conn.SetCloseHandler(func(int, string) error { return nil })
	}
}

// readLimit is the largest message a client may send: a command or an
// audio frame.
const readLimit = max(MaxFrame, MaxAudio+18)

// queuePong answers a ping: the pong is queued like a message, so that
// one goroutine at a time writes to the socket.
func (c *Client) queuePong(payload []byte) {
	c.enqueue(&outMsg{frame: controlFrame(websocket.PongMessage, payload)})
}

// readState is the reader's: its strikes and its rate limiters, made
// when the client first sends something (most clients of a large room
// only listen).
type readState struct {
	strikes                 int
	commands, chats, frames *rate.Limiter
}

// readFrame reads one frame and hands it to the room; false ends the
// connection.
func (c *Client) readFrame(rs *readState) bool {
	var (
		typ   int
		frame []byte
	)
	if c.batch != nil && c.batch.br != nil {
		f, err := nextFrame(c.batch.br, readLimit, c.queuePong)
		if err != nil {
			var fe *frameError
			if errors.As(err, &fe) {
				c.room.post(dropReq{c: c, code: fe.code, text: fe.text})
			}
			return false
		}
		c.lastRead.Store(int64(clock()))
		_ = c.batch.Conn.SetReadDeadline(time.Now().Add(pongWait))
		if f.op != websocket.TextMessage && f.op != websocket.BinaryMessage {
			return true // a ping or pong, answered
		}
		typ, frame = f.op, f.data
	} else {
		var err error
		if typ, frame, err = c.conn.ReadMessage(); err != nil {
			return false
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	}
	if typ == websocket.BinaryMessage {
		// Audio: over the limit, frames are dropped, not answered.
		if rs.frames == nil {
			rs.frames = rate.NewLimiter(audioRate, audioBurst)
		}
		if rs.frames.Allow() {
			c.room.post(audioReq{c: c, frame: frame})
		} else {
			c.node.counters.audioRate.Add(1)
		}
		return true
	}
	if rs.commands == nil {
		cfg := &c.node.cfg
		rs.commands = rate.NewLimiter(rate.Limit(cfg.CommandRate), cfg.CommandBurst)
		rs.chats = rate.NewLimiter(rate.Limit(cfg.ChatRate), cfg.ChatBurst)
	}
	if !rs.commands.Allow() {
		return c.strike(rs, errorf(ErrRateLimited, "too many messages; at most %g per second", c.node.cfg.CommandRate), "")
	}
	env, e := decodeCommand(frame)
	if e != nil {
		return c.strike(rs, e, env.ID)
	}
	if env.Type == CmdChat && !rs.chats.Allow() {
		return c.strike(rs, errorf(ErrRateLimited, "too many chat messages; at most %g per second", c.node.cfg.ChatRate), env.ID)
	}
	c.room.post(cmdReq{c: c, env: env})
	return true
}

// strike answers a refused frame with e; past maxStrikes it drops the
// client and returns false.
func (c *Client) strike(rs *readState, e *Error, id string) bool {
	rs.strikes++
	c.room.post(replyReq{c: c, err: e, id: id})
	if rs.strikes > maxStrikes {
		code := CloseProtocol
		if e.Code == ErrRateLimited {
			code = CloseRateLimited
		}
		c.room.post(dropReq{c: c, code: code, text: string(e.Code)})
		return false
	}
	return true
}
