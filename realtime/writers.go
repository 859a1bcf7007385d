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
type writeShard struct {
	mu    sync.Mutex
	ready []*Client
	spare []*Client
	// clients are the worker's connections until they finish
	// (Client.slot is the index of each).
	clients []*Client
	wake    chan struct{} // buffer 1
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
// and schedules its next a pingPeriod later.
func (s *writeShard) pingDue(now time.Duration) {
	var due []*Client
	s.mu.Lock()
	for _, c := range s.clients {
		if now >= c.pingAt {
			c.pingAt = now + pingPeriod
			due = append(due, c)
		}
	}
	s.mu.Unlock()
	for _, c := range due {
		c.askPing() // outside mu: askPing takes c.mu, which push holds while it takes mu
	}
}

func newWriteShard(stop chan struct{}) *writeShard {
	s := &writeShard{wake: make(chan struct{}, 1), stop: stop}
	go s.run()
	return s
}

// push adds c to the ready list. Called with c.mu held.
func (s *writeShard) push(c *Client) {
	s.mu.Lock()
	s.ready = append(s.ready, c)
	first := len(s.ready) == 1
	s.mu.Unlock()
	if first {
		select {
		case s.wake <- struct{}{}:
		default: // a wake-up is pending
		}
	}
}

func (s *writeShard) run() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.wake:
		case <-tick.C:
			s.pingDue(clock())
			continue
		case <-s.stop:
			return
		}
		for {
			s.mu.Lock()
			batch := s.ready
			s.ready, s.spare = s.spare[:0], nil
			s.mu.Unlock()
			if len(batch) == 0 {
				s.mu.Lock()
				s.spare = batch
				s.mu.Unlock()
				break
			}
			for _, c := range batch {
				c.writeReady()
			}
			clear(batch)
			s.mu.Lock()
			if s.spare == nil {
				s.spare = batch[:0]
			}
			s.mu.Unlock()
		}
	}
}
