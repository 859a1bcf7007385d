package realtime

import "time"

// SilenceForTest makes every connection of n that the poller watches look
// as if its client had sent nothing for longer than pongWait, and runs the
// write workers' once-a-second round (writeShard.pingDue).
func (n *Node) SilenceForTest() {
	for _, s := range n.shards {
		s.mu.Lock()
		for _, c := range s.clients {
			c.lastRead.Store(int64(clock() - pongWait - time.Second))
		}
		s.mu.Unlock()
		s.pingDue(clock())
	}
}
