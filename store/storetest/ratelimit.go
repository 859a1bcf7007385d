package storetest

import (
	"testing"

	"github.com/majlis/majlis/internal/ratelimit"
	"github.com/majlis/majlis/internal/ratelimit/ratelimittest"
)

// testRateLimits runs ratelimit's conformance suite on the store.
func testRateLimits(t *testing.T, o Opener) {
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Counter { return open(t, o) })
}
