package realtime

import "sync"

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
// most once (Client.writing), so it has one writer at a time.
type writeShard struct {
	mu    sync.Mutex
	ready []*Client
	spare []*Client
	wake  chan struct{} // buffer 1
	stop  chan struct{}
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
	for {
		select {
		case <-s.wake:
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
