//go:build linux

package realtime

import (
	"log/slog"
	"sync"
	"syscall"
)

// poller watches every idle room connection of the process for something
// to read, with one epoll instance and one goroutine for all of them: a
// connection with nothing to read has no goroutine at all (a goroutine
// waiting in Go's own poller would hold a stack of 2–8 KiB, more than
// the rest of an idle connection's state). When a connection becomes
// readable, the poller starts a goroutine that reads what came and ends
// (Client.burst), which hands the connection back.
//
// A connection is registered once (EPOLLONESHOT): each readiness disarms
// it until the reader that it started re-arms it, so that one goroutine
// at most reads a connection. Registrations are made and changed inside
// RawConn.Control, which keeps the descriptor from being closed (and its
// number reused) meanwhile; closing a connection removes it from the
// epoll set, and Client.finish then ends its reading itself.
type poller struct {
	epfd int
	mu   sync.Mutex
	// slots are the watched clients; an event carries its slot's index
	// and generation, so that an event that raced with the slot's reuse
	// finds a generation that no longer matches.
	slots []pollSlot
	free  []int32
}

type pollSlot struct {
	c   *Client
	gen int32
}

// pollEvents are what wakes a watched connection: bytes, the peer's end,
// an error.
const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

// thePoller is the process's poller, started at the first connection; nil
// when epoll is not available (connections then keep a reader goroutine).
func thePoller() *poller {
	pollerOnce.Do(func() {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			slog.Warn("realtime: no epoll; each connection keeps a reader goroutine", "err", err)
			return
		}
		pollerOne = &poller{epfd: epfd}
		go pollerOne.run()
	})
	return pollerOne
}

var (
	pollerOnce sync.Once
	pollerOne  *poller
)

// run hands each readiness to its client, for ever (the poller serves
// every node of the process, and a watched connection costs it nothing).
func (p *poller) run() {
	var events [256]syscall.EpollEvent
	for {
		n, err := syscall.EpollWait(p.epfd, events[:], -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			slog.Error("realtime: epoll_wait failed; idle connections are no longer read", "err", err)
			return
		}
		for _, ev := range events[:n] {
			p.mu.Lock()
			var c *Client
			if i := int(ev.Fd); i >= 0 && i < len(p.slots) && p.slots[i].gen == ev.Pad {
				c = p.slots[i].c
			}
			p.mu.Unlock()
			if c != nil {
				c.readable()
			}
		}
	}
}

// watch registers c (whose batchConn has a descriptor) in a free slot;
// false if the connection is closed or epoll refused it.
func (p *poller) watch(c *Client) bool {
	p.mu.Lock()
	var i int32
	if k := len(p.free); k > 0 {
		i, p.free = p.free[k-1], p.free[:k-1]
	} else {
		i = int32(len(p.slots))
		p.slots = append(p.slots, pollSlot{})
	}
	p.slots[i].c = c
	p.slots[i].gen++
	// Under the lock: forget, on the goroutine that ends a connection
	// closed meanwhile, reads them (the race detector saw it read them
	// while they were written here).
	c.pollSlot, c.pollGen = i, p.slots[i].gen
	p.mu.Unlock()
	if p.ctl(c, syscall.EPOLL_CTL_ADD) {
		return true
	}
	p.forget(c)
	return false
}

// rearm watches c again after a reader found nothing more to read; false
// if the connection is closed.
func (p *poller) rearm(c *Client) bool { return p.ctl(c, syscall.EPOLL_CTL_MOD) }

// ctl adds or re-arms c's registration, on a descriptor that cannot be
// closed meanwhile.
func (p *poller) ctl(c *Client, op int) bool {
	var err error
	ev := syscall.EpollEvent{Events: pollEvents, Fd: c.pollSlot, Pad: c.pollGen}
	cerr := c.batch.raw.Control(func(fd uintptr) {
		err = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	return cerr == nil && err == nil
}

// forget frees c's slot once its connection is closed (it is then no
// longer in the epoll set) or will never be watched again.
func (p *poller) forget(c *Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := &p.slots[c.pollSlot]; s.c == c {
		s.c = nil
		p.free = append(p.free, c.pollSlot)
	}
}
