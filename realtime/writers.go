package realtime

import (
	"sync"
	"time"
)

// writeShard is one of a node's write workers: a goroutine that sends
// what clients have queued, without waiting on any socket. A fan-out
// queues a message for each client (cheap, on the room goroutine) and
// hands the clients to the workers, a few per node (GOMAXPROCS), instead
// of waking a goroutine per connection: the room goes on with its next
// message while the workers write, in parallel, each client's queue in
// one write call. A client whose socket does not take everything at once
// (a slow one) gets a writer goroutine of its own until its queue is
// empty (Client.write), so a worker never blocks.
//
// Each client belongs to one worker; it is in that worker's ready list at
// most once (Client.writing), so it has one writer at a time. The worker
// also asks its clients for their pings, once a second for those due
// (pingDue): no timer per connection, and no room that its backend holds
// up keeps its clients from being pinged.
//
// Write delay: a message fanned out to a large room may wait up to delay
// (Config.WriteDelay) before the worker's turn, so that the messages
// after it go in the same write call. A delivery costs one write(2),
// whose cost hardly depends on its size: in a room of thousands with
// messages every few tens of milliseconds, sharing a write saves most of
// the server's CPU, for a delay nobody notices in a chat or an agenda.
// Everything else is urgent and ends the wait at once: audio frames,
// pongs, and every message to a smaller room or to one client.
type writeShard struct {
	mu    sync.Mutex
	ready []*Client
	spare []*Client
	// clients are the worker's connections until they finish
	// (Client.slot is the index of each).
	clients []*Client
	wake    chan struct{} // buffer 1: write now
	soon    chan struct{} // buffer 1: write within delay
	delay   time.Duration
	stop    chan struct{}
}

// clock is a monotonic clock for pings: real time (not Config.Now), and
// immune to changes of the wall clock.
func clock() time.Duration { return time.Since(clockStart) }

var clockStart = time.Now()

// add makes c one of the worker's clients; its first ping is due a
// pingPeriod from now.
func (s *writeShard) add(c *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.slot, c.pingAt = len(s.clients), clock()+pingPeriod
	s.clients = append(s.clients, c)
}

// remove forgets a client that finished.
func (s *writeShard) remove(c *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.clients[len(s.clients)-1]
	s.clients[c.slot], last.slot = last, c.slot
	s.clients[len(s.clients)-1] = nil
	s.clients = s.clients[:len(s.clients)-1]
}

// pingDue asks a ping of every client whose ping is due at now (clock),
// and schedules its next a pingPeriod later; it ends the watched
// connections that sent nothing for pongWait (no read deadline fires for
// a connection that nothing reads: Client.watched).
func (s *writeShard) pingDue(now time.Duration) {
	var due, silent []*Client
	s.mu.Lock()
	for _, c := range s.clients {
		if now >= c.pingAt {
			c.pingAt = now + pingPeriod
			due = append(due, c)
		}
		if c.reading.Load() == readIdle && now-time.Duration(c.lastRead.Load()) > pongWait {
			silent = append(silent, c)
		}
	}
	s.mu.Unlock()
	for _, c := range due {
		c.askPing() // outside mu: askPing takes c.mu, which push holds while it takes mu
	}
	for _, c := range silent {
		c.stopReading()
	}
}

func newWriteShard(stop chan struct{}, delay time.Duration) *writeShard {
	s := &writeShard{wake: make(chan struct{}, 1), soon: make(chan struct{}, 1), delay: delay, stop: stop}
	go s.run()
	return s
}

// push adds c to the ready list: an urgent client's turn comes at once,
// the others' when the write delay that the first of them started ends.
// Called with c.mu held.
func (s *writeShard) push(c *Client, urgent bool) {
	s.mu.Lock()
	s.ready = append(s.ready, c)
	first := len(s.ready) == 1
	s.mu.Unlock()
	switch {
	case urgent || s.delay <= 0:
		s.hurry(c)
	case first:
		select {
		case s.soon <- struct{}{}:
		default: // a wake-up is pending
		}
	}
}

// hurry gives c its turn at once: an urgent message was queued for it.
// c may already be in the ready list (waiting for the delay), or not in
// it at all (a writer goroutine of its own runs): then the mark is stale
// and at worst gives c an early turn later.
func (s *writeShard) hurry(c *Client) {
	c.urgent.Store(true)
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is pending
	}
}

func (s *writeShard) run() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	armed := false
	for {
		select {
		case <-s.wake:
			if s.turn(true) && !armed {
				// Relaxed clients wait behind the urgent ones, and none
				// of their pushes was the list's first (which signals
				// soon): the delay starts now.
				delay.Reset(s.delay)
				armed = true
			}
		case <-s.soon:
			if !armed {
				delay.Reset(s.delay)
				armed = true
			}
		case <-delay.C:
			armed = false
			s.turn(false)
		case <-tick.C:
			s.pingDue(clock())
		case <-s.stop:
			return
		}
	}
}

// turn writes what the ready clients have queued: only the urgent ones
// (the others wait for the delay) or all; it reports whether clients
// were left waiting. A client pushed meanwhile signalled the worker again,
// so it gets the next turn.
func (s *writeShard) turn(urgentOnly bool) (left bool) {
	s.mu.Lock()
	batch := s.ready
	s.ready, s.spare = s.spare[:0], nil
	s.mu.Unlock()
	waiting := batch[:0]
	for _, c := range batch {
		if !c.urgent.Swap(false) && urgentOnly {
			waiting = append(waiting, c)
			continue
		}
		c.writeReady()
	}
	clear(batch[len(waiting):])
	s.mu.Lock()
	if len(waiting) > 0 {
		// Back in front of those pushed meanwhile (who signalled soon or
		// wake, so the worker comes back either way).
		s.ready = append(waiting, s.ready...)
	} else if s.spare == nil {
		s.spare = batch[:0]
	}
	s.mu.Unlock()
	return len(waiting) > 0
}
