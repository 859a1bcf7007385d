// Package ratelimit is the one rate limit of majlis: every limit (API
// requests, page views, room joins and registrations per client address,
// sign-in attempts per address and per organizer, captions per caption
// token) is a Limiter with a Rule, counted by a Counter.
//
// A rule allows one action per Every on average and Burst at once after a
// pause: a token bucket, kept as the generic cell rate algorithm, whose
// whole state per key is one instant (the theoretical arrival time, TAT).
// That makes the state one small value that a shared store can update in
// one atomic step: Memory counts for one instance (the embedded
// deployment), store.Redis for every instance of a scale-out deployment,
// so that N instances behind a load balancer allow what one would, not N
// times as much.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// Rule allows one action per Every on average and Burst at once.
type Rule struct {
	// Every is the average time between two allowed actions (> 0).
	Every time.Duration
	// Burst is how many actions are allowed at once after a pause (≥ 1).
	Burst int
}

// PerSecond is the rule of n actions a second on average, burst at once.
func PerSecond(n float64, burst int) Rule {
	return Rule{Every: time.Duration(float64(time.Second) / n), Burst: burst}
}

// tolerance is how far ahead of now a key's TAT may be for one more action.
func (r Rule) tolerance() time.Duration { return r.Every * time.Duration(r.Burst-1) }

// Counter keeps the rules' state per key. TakeRate reports whether one more
// action under key at now is within r, and counts it if so; an action over
// the rule counts nothing. Keys are opaque (see Limiter.Allow: a digest).
type Counter interface {
	TakeRate(ctx context.Context, key string, r Rule, now time.Time) (bool, error)
}

// Limiter applies one Rule, under its Name, to keys such as client
// addresses.
type Limiter struct {
	// Name tells this limit's keys from another's with the same key.
	Name string
	Rule Rule
	// Counter keeps the state: Memory for one instance, the store for many.
	Counter Counter
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Allow takes one action for key. An error is the counter's (its store is
// unreachable); the caller chooses whether that allows or refuses. A rule
// whose Every is not positive (PerSecond(math.Inf(1), …)) allows
// everything and counts nothing.
func (l Limiter) Allow(ctx context.Context, key string) (bool, error) {
	if l.Rule.Every <= 0 {
		return true, nil
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	return l.Counter.TakeRate(ctx, Key(l.Name, key), l.Rule, now())
}

// Key is the counter's key for a limit's name and a key: a SHA-256 digest,
// so that a shared store holds neither client addresses nor organizer IDs
// in plain sight and every key has the same small size whatever it was
// built from.
func Key(name, key string) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Take is the generic cell rate algorithm on one key's TAT (zero for a key
// never seen): whether one more action at now is allowed, and the TAT to
// keep if it is. Every Counter computes with it (store.Redis in Lua, the
// same arithmetic in milliseconds).
func Take(tat time.Time, r Rule, now time.Time) (bool, time.Time) {
	if tat.Before(now) {
		tat = now
	}
	if tat.Sub(now) > r.tolerance() {
		return false, time.Time{}
	}
	return true, tat.Add(r.Every)
}

// Memory is the Counter of one instance: a map of TATs, swept of the keys
// whose TAT has passed (their bucket is full again: forgetting them
// changes nothing) when it grows past a bound. The zero value is ready.
type Memory struct {
	mu sync.Mutex
	// mu guards tats.
	tats map[string]time.Time
}

// memoryBound is how many keys Memory keeps before it sweeps.
const memoryBound = 50_000

// TakeRate implements Counter; it never fails.
func (m *Memory) TakeRate(_ context.Context, key string, r Rule, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tats == nil {
		m.tats = map[string]time.Time{}
	}
	if len(m.tats) >= memoryBound {
		m.sweep(now)
	}
	ok, tat := Take(m.tats[key], r, now)
	if ok {
		m.tats[key] = tat
	}
	return ok, nil
}

// sweep forgets the keys whose TAT has passed; if that frees less than a
// quarter of the bound (a flood of distinct keys), it forgets the keys
// closest to full as well, so that memory stays bounded: a forgotten key
// starts full, which is the most a flood can win.
func (m *Memory) sweep(now time.Time) {
	for k, tat := range m.tats {
		if !tat.After(now) {
			delete(m.tats, k)
		}
	}
	for cut := time.Duration(1); len(m.tats) > memoryBound*3/4; cut *= 2 {
		for k, tat := range m.tats {
			if tat.Sub(now) < cut {
				delete(m.tats, k)
			}
		}
	}
}

// Len is how many keys m keeps.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}
