package runtime

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait after failed attempt number n (from 1), given the
// previous wait (for decorrelated jitter; zero before the first wait).
//
// The exponential backoff Base*2^(n-1) is bounded by Max before jitter, so
// that it cannot overflow and full and equal jitter keep spreading the waits
// once it reaches Max; the jittered wait is capped by Max again afterwards,
// so no kind of jitter ever waits longer than Max.
func (c *RetryConfig) backoff(n int, prev time.Duration) time.Duration {
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
		d = between(c.Base, hi)
	default:
		b := c.exponential(n)
		switch c.Jitter {
		case JitterFull:
			d = between(0, b)
		case JitterEqual:
			d = between(b/2, b)
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

// between returns a uniformly random duration in [lo, hi].
func between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int64N(int64(hi-lo)+1))
}
