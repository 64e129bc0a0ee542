package runtime

import (
	"math/rand/v2"
	"sync"
	"time"
)

// backoff returns the wait after failed attempt number n (from 1), given the
// previous wait (for decorrelated jitter; zero before the first wait). The
// jitter is drawn from r, or from math/rand/v2's global source when r is nil.
//
// The exponential backoff Base*2^(n-1) is bounded by Max before jitter, so
// that it cannot overflow and full and equal jitter keep spreading the waits
// once it reaches Max; the jittered wait is capped by Max again afterwards,
// so no kind of jitter ever waits longer than Max.
func (c *RetryConfig) backoff(n int, prev time.Duration, r *lockedRand) time.Duration {
	var d time.Duration
	switch c.Jitter {
	case JitterDecorrelated:
		if prev < c.Base {
			prev = c.Base
		}
		hi := c.Max
		if prev <= c.Max/3 {
			hi = prev * 3
		}
		d = between(r, c.Base, hi)
	default:
		b := c.exponential(n)
		switch c.Jitter {
		case JitterFull:
			d = between(r, 0, b)
		case JitterEqual:
			d = between(r, b/2, b)
		default:
			d = b
		}
	}
	return min(d, c.Max)
}

// exponential returns min(Max, Base*2^(n-1)) without overflowing.
func (c *RetryConfig) exponential(n int) time.Duration {
	b := c.Base
	for i := 1; i < n && b < c.Max; i++ {
		if b > c.Max/2 {
			return c.Max
		}
		b *= 2
	}
	return min(b, c.Max)
}

// between returns a uniformly random duration in [lo, hi], drawn from r, or
// from the global source when r is nil.
func between(r *lockedRand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	n := int64(hi-lo) + 1
	if r == nil {
		return lo + time.Duration(rand.Int64N(n))
	}
	return lo + time.Duration(r.int64N(n))
}

// lockedRand is the random source set by WithRand: a rand.Rand over the
// caller's Source, behind a mutex since a Source is not safe for concurrent
// use. Only a failed attempt draws from it, so the happy path never locks,
// but for the attempts of a method with injected faults (WithFaults).
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (l *lockedRand) int64N(n int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Int64N(n)
}

func (l *lockedRand) float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}
