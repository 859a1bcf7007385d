package redisconn

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// errorCounts counts, per package that opened a client (Open's pkg), the
// Redis calls that failed: dials, commands and pipelines. Goroutine-safe.
var errorCounts sync.Map // pkg → *atomic.Uint64

// Errors returns how many Redis calls failed since the process started,
// per package whose client made them ("store", "broker"): an unreachable,
// slow or refusing Redis. A missing key (redis.Nil) and a script not yet
// loaded (NOSCRIPT, which go-redis answers by sending the script) are
// answers, not failures.
func Errors() map[string]uint64 {
	m := map[string]uint64{}
	errorCounts.Range(func(k, v any) bool {
		m[k.(string)] = v.(*atomic.Uint64).Load()
		return true
	})
	return m
}

// errorHook counts failed calls in errorCounts under its package.
type errorHook struct{ n *atomic.Uint64 }

func newErrorHook(pkg string) errorHook {
	n, _ := errorCounts.LoadOrStore(pkg, new(atomic.Uint64))
	return errorHook{n: n.(*atomic.Uint64)}
}

func (h errorHook) count(err error) error {
	if err != nil && !errors.Is(err, redis.Nil) && !strings.HasPrefix(err.Error(), "NOSCRIPT") {
		h.n.Add(1)
	}
	return err
}

func (h errorHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		return c, h.count(err)
	}
}

func (h errorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { return h.count(next(ctx, cmd)) }
}

func (h errorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { return h.count(next(ctx, cmds)) }
}
