package server

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/majlis/majlis/internal/ratelimit"
)

// The limits per client address (see clientAddress), counted by
// Server.limits: in the store when it is shared by several instances
// (store.Redis), so that a limit holds for the deployment as a whole.
var (
	// apiRule: API requests, 20 a second on average, 100 at once.
	apiRule = ratelimit.PerSecond(20, 100)
	// pageRule: page views, 10 a second, 60 at once.
	pageRule = ratelimit.PerSecond(10, 60)
	// registrationRule: registrations, one a second, 30 at once (an
	// office behind one address registers together).
	registrationRule = ratelimit.PerSecond(1, 30)
	// Sign-in attempts (each step of a passkey ceremony, each use of a
	// sign-in link) per client address (an office behind one address
	// signs several people in) and per organizer.
	signInAddressRule   = ratelimit.Rule{Every: 3 * time.Second, Burst: 30}
	signInOrganizerRule = ratelimit.Rule{Every: 6 * time.Second, Burst: 10}
)

// limiter is the Limiter of one named rule over the server's counter. It
// counts in real time (time.Now), not in Config.Now's: a limit measures
// how fast requests arrive, whatever time the events are set in.
func (s *Server) limiter(name string, r ratelimit.Rule) ratelimit.Limiter {
	return ratelimit.Limiter{Name: name, Rule: r, Counter: s.limits}
}

// limit is the middleware of one rate limit per client address: a request
// over it gets over (an API error or an error page). If the counter
// cannot be reached the request goes on and the failure is logged: what
// the request needs from the same store will fail on its own, and a limit
// must not make an outage of its own.
func (s *Server) limit(name string, r ratelimit.Rule, over error) echo.MiddlewareFunc {
	l := s.limiter(name, r)
	var warned, unlogged atomic.Int64 // when it was last logged (Unix ns); failures since
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ok, err := l.Allow(c.Request().Context(), c.RealIP())
			if err != nil {
				// Once a minute at most: an outage of the store must not
				// write a log line per request.
				n, now := unlogged.Add(1), time.Now().UnixNano()
				if last := warned.Load(); now-last >= int64(time.Minute) && warned.CompareAndSwap(last, now) {
					unlogged.Add(-n)
					s.log.Warn("rate limit unavailable", "limit", name, "failures", n, "err", err)
				}
			} else if !ok {
				c.Response().Header().Set("Retry-After", retryAfter(r))
				return over
			}
			return next(c)
		}
	}
}

// retryAfter is a Retry-After value for a request over r: the whole
// seconds until one more action is allowed, at least one.
func retryAfter(r ratelimit.Rule) string {
	return strconv.Itoa(max(1, int((r.Every+time.Second-1)/time.Second)))
}

// tooMany is the API's answer to a request over its limit.
func tooMany(message string) error {
	return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: message}
}

// tooManyPage is a page's answer to a request over its limit.
var tooManyPage = &pageError{Status: http.StatusTooManyRequests, Title: "error.too_many.title", Body: "error.too_many.body"}
