//go:build !linux

package realtime

// poller is Linux's epoll watch over idle connections (poll_linux.go);
// elsewhere each connection keeps a reader goroutine.
type poller struct{}

func thePoller() *poller { return nil }

func (p *poller) watch(*Client) bool { return false }
func (p *poller) rearm(*Client) bool { return false }
func (p *poller) forget(*Client)     {}
