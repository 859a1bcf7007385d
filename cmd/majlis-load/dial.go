package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// raiseFileLimit lifts the soft limit on open files to the hard one (each
// client is a socket) and fails when that is still under need.
func raiseFileLimit(need int) (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("open files limit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, fmt.Errorf("raise open files limit to %d: %w", l.Max, err)
		}
	}
	if l.Cur < uint64(need) {
		return l.Cur, fmt.Errorf("open files limit %d is under the %d this run needs: raise the hard limit (ulimit -Hn, or LimitNOFILE)", l.Cur, need)
	}
	return l.Cur, nil
}

// sources hands out loopback source addresses, perAddr clients each, from
// 127.10.0.1 on (127.0.0.1, the usual address, is left alone). A nil
// *sources dials from the system's choice.
type sources struct{ perAddr int }

// newSources spreads when asked and every URL is a loopback one: a source
// address in 127.0.0.0/8 can only reach loopback.
func newSources(spread bool, perAddr int, urls []string) (*sources, error) {
	if !spread {
		return nil, nil
	}
	for _, u := range urls {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			return nil, fmt.Errorf("--url %q: want http://host:port", u)
		}
		ip := net.ParseIP(pu.Hostname())
		if pu.Hostname() == "localhost" {
			ip = net.IPv4(127, 0, 0, 1)
		}
		if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
			return nil, nil
		}
	}
	return &sources{perAddr: perAddr}, nil
}

// addr is the source address of client i.
func (s *sources) addr(i int) net.Addr {
	if s == nil {
		return nil
	}
	return s.nth(i / s.perAddr)
}

// nth is the a-th source address: 127.10.0.1, 127.10.0.2, …, 127.10.0.250,
// 127.10.1.1, …
func (s *sources) nth(a int) net.Addr {
	if s == nil {
		return nil
	}
	return &net.TCPAddr{IP: net.IPv4(127, byte(10+a/(250*250)), byte(a/250%250), byte(1+a%250))}
}

func netDialer(local net.Addr) *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, LocalAddr: local, KeepAlive: -1}
}

// wsDialer dials one client from local. Buffers are small: room messages
// are a few hundred bytes, and five thousand clients share one process.
func wsDialer(local net.Addr) *websocket.Dialer {
	return &websocket.Dialer{
		NetDial:          netDialer(local).Dial,
		HandshakeTimeout: 30 * time.Second,
		ReadBufferSize:   2048,
		WriteBufferSize:  512,
	}
}

// httpClient calls the API or /debug/metrics from local.
func httpClient(local net.Addr) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         netDialer(local).DialContext,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// dialCause names why a connection failed, for the report's tally.
func dialCause(err error, res *http.Response) string {
	if res != nil {
		return fmt.Sprintf("http %d", res.StatusCode)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return "dial: " + errnoName(errno)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	if errors.Is(err, websocket.ErrBadHandshake) {
		return "bad handshake"
	}
	s := err.Error()
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.ECONNREFUSED:
		return "ECONNREFUSED"
	case syscall.ECONNRESET:
		return "ECONNRESET"
	case syscall.EADDRNOTAVAIL:
		return "EADDRNOTAVAIL"
	case syscall.EADDRINUSE:
		return "EADDRINUSE"
	case syscall.EMFILE:
		return "EMFILE"
	case syscall.ENFILE:
		return "ENFILE"
	case syscall.ETIMEDOUT:
		return "ETIMEDOUT"
	}
	return e.Error()
}
