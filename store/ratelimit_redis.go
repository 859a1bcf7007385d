package store

import (
	"context"
	"time"

	"github.com/majlis/majlis/internal/ratelimit"
)

// TakeRate counts a rate limit (see ratelimit.Counter) for every instance
// at once: one key per limited key, P+"rate:"+digest, holding its
// theoretical arrival time and expiring a second after that passes (a
// full bucket needs no key). One script, so concurrent takes on several instances
// never allow more than the rule. Instances must agree on the time (NTP),
// as they do for every expiry.
func (r *Redis) TakeRate(ctx context.Context, key string, rule ratelimit.Rule, now time.Time) (bool, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return false, err
	}
	defer end()
	n, err := scriptRateTake.Run(ctx, r.client, []string{r.k.prefix + "rate:" + key},
		now.UnixMicro(),
		rule.Every.Microseconds(),
		rule.Burst,
	).Int()
	if err != nil {
		return false, r.fail("take rate", err)
	}
	return n == 1, nil
}
