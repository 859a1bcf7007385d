package store

import (
	"context"
	"time"

	"github.com/majlis/majlis/internal/ratelimit"
)

// TakeRate counts a rate limit (see ratelimit.Counter) in memory: an
// embedded deployment is one instance, and a limit's state is worth
// nothing after a restart (a restarted instance starts every bucket full).
func (b *Bolt) TakeRate(ctx context.Context, key string, r ratelimit.Rule, now time.Time) (bool, error) {
	return b.limits.TakeRate(ctx, key, r, now)
}
