// Package redisconn opens the Redis clients of the store and the broker,
// one way: the same URL parsing (which keeps passwords out of errors),
// timeouts, retry policy and durability check.
//
// A *redis.Client is goroutine-safe; Open is too.
package redisconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Config tunes a client.
type Config struct {
	// DialTimeout bounds opening a connection. Default 2 s.
	DialTimeout time.Duration
	// Timeout bounds reading a reply and writing a request; a call fails
	// with an error after it rather than hang on a Redis that does not
	// answer. Default 3 s.
	Timeout time.Duration
	// SkipDurabilityCheck accepts a Redis that could lose acknowledged
	// writes (see CheckDurable). Default false.
	SkipDurabilityCheck bool
}

// Open connects to the Redis at rawURL (redis://[user:password@]host:port/db,
// or rediss:// for TLS), checks that it answers and, unless
// cfg.SkipDurabilityCheck, that it keeps what it acknowledges. Errors
// start with pkg ("store", "broker"), the caller's package.
//
// The client never retries a command (MaxRetries -1): a write whose
// connection broke may have run, and running it twice would apply it
// twice. A refused dial is tried once more, not five times, so that a call
// made while Redis is down fails in about 100 ms.
func Open(ctx context.Context, pkg, rawURL string, cfg Config) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep it out.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("%s: redis URL (want redis://[user:password@]host:port/db): %w", pkg, err)
	}
	cfg.DialTimeout = cmp.Or(cfg.DialTimeout, 2*time.Second)
	cfg.Timeout = cmp.Or(cfg.Timeout, 3*time.Second)
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = cfg.DialTimeout, cfg.Timeout, cfg.Timeout
	opts.PoolTimeout = cfg.Timeout
	opts.DialerRetries = 2
	opts.ContextTimeoutEnabled = true // a caller's deadline bounds the network wait too
	opts.MaxRetries = -1
	// No probes that Redis 7.0 answers with an error on every new
	// connection (CLIENT SETINFO, CLIENT MAINT_NOTIFICATIONS): failures
	// are counted (Errors), and these would be noise.
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	client := redis.NewClient(opts)
	client.AddHook(newErrorHook(pkg))
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("%s: redis: cannot reach %s: %w", pkg, opts.Addr, err)
	}
	if !cfg.SkipDurabilityCheck {
		if err := CheckDurable(ctx, client); err != nil {
			client.Close()
			return nil, fmt.Errorf("%s: redis %s %w", pkg, opts.Addr, err)
		}
	}
	return client, nil
}

// CheckDurable refuses a Redis that would lose acknowledged writes on a
// restart (no AOF) or a crash (appendfsync other than always), or drop
// keys when full (an allkeys-* eviction policy; volatile-* policies only
// evict keys with a TTL, which hold nothing that must survive). Its error
// reads after "redis <address> ".
func CheckDurable(ctx context.Context, client *redis.Client) error {
	info, err := client.Info(ctx, "persistence", "memory").Result()
	if err != nil {
		return fmt.Errorf("(read INFO to check durability): %w (set SkipDurabilityCheck if this user may not)", err)
	}
	fields := map[string]string{}
	for line := range strings.Lines(info) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	if fields["aof_enabled"] != "1" {
		return errors.New("has appendonly off: acknowledged writes would not survive a restart; configure appendonly yes and appendfsync always (see the README)")
	}
	if p := fields["maxmemory_policy"]; strings.HasPrefix(p, "allkeys-") {
		return fmt.Errorf("has maxmemory-policy %s, which may evict stored data; configure maxmemory-policy noeviction (see the README)", p)
	}
	// INFO does not tell the fsync policy; CONFIG GET does.
	conf, err := client.ConfigGet(ctx, "appendfsync").Result()
	if err != nil {
		return fmt.Errorf("(read CONFIG appendfsync to check durability): %w (set SkipDurabilityCheck if this user may not)", err)
	}
	if p := conf["appendfsync"]; p != "always" {
		return fmt.Errorf("has appendfsync %s: writes it acknowledged could be lost on a crash; configure appendfsync always (see the README)", cmp.Or(p, "unset"))
	}
	return nil
}
