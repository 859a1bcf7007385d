package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// stream follows one publisher's numbered messages (counters 1, 2, 3, …)
// as one receiver sees them: how many arrived, which are still missing,
// and how many came twice or late. Owned by the receiver's goroutine.
type stream struct {
	// next is the counter expected next; everything below it arrived or
	// is in missing.
	next uint64
	// missing holds skipped counters that may still arrive late; a gap
	// is rare, so this is nearly always empty.
	missing map[uint64]struct{}
	// received counts every message (duplicates included).
	received   uint64
	duplicated uint64
	reordered  uint64
}

// see records counter c and reports whether it was a first arrival.
func (s *stream) see(c uint64) bool {
	s.received++
	if s.next == 0 {
		s.next = 1
	}
	switch {
	case c == s.next:
		s.next++
		return true
	case c > s.next:
		if s.missing == nil {
			s.missing = map[uint64]struct{}{}
		}
		for m := s.next; m < c; m++ {
			s.missing[m] = struct{}{}
		}
		s.next = c + 1
		return true
	default: // c < next: late, or seen before
		if _, ok := s.missing[c]; ok {
			delete(s.missing, c)
			s.reordered++
			return true
		}
		s.duplicated++
		return false
	}
}

// lost counts the messages up to last (the publisher's final counter) that
// never arrived.
func (s *stream) lost(last uint64) uint64 {
	n := uint64(len(s.missing))
	if s.next == 0 {
		return n + last
	}
	if last >= s.next {
		n += last - s.next + 1
	}
	return n
}

// histogram counts durations in log-linear buckets: exact microseconds
// below 1,024 µs, then 512 buckets per power of two (under 0.2 % error).
// It is safe for concurrent use (atomic counters, no lock), so thousands of
// receivers share one without contention on a mutex.
type histogram struct {
	buckets [histBuckets]atomic.Uint64
	count   atomic.Uint64
	max     atomic.Int64 // microseconds
}

const (
	histLinear  = 1024
	histSub     = 512
	histBuckets = histLinear + 40*histSub
)

func bucketOf(us uint64) int {
	if us < histLinear {
		return int(us)
	}
	e := bits.Len64(us) - 10 // us >> e lies in [512, 1024)
	i := histLinear + (e-1)*histSub + int(us>>e) - histSub
	return min(i, histBuckets-1)
}

// lowerBound is the smallest value of bucket i, in microseconds.
func lowerBound(i int) uint64 {
	if i < histLinear {
		return uint64(i)
	}
	i -= histLinear
	e := i/histSub + 1
	return uint64(histSub+i%histSub) << e
}

// record adds one duration; negative ones (clock trouble) count as zero.
func (h *histogram) record(d time.Duration) {
	us := max(d.Microseconds(), 0)
	h.buckets[bucketOf(uint64(us))].Add(1)
	h.count.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			return
		}
	}
}

// quantile returns the q-quantile (0 < q ≤ 1): the lower bound of the
// bucket holding the ⌈q·n⌉-th smallest value; 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.999999)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			return time.Duration(lowerBound(i)) * time.Microsecond
		}
	}
	return h.maxDuration()
}

func (h *histogram) maxDuration() time.Duration {
	return time.Duration(h.max.Load()) * time.Microsecond
}
