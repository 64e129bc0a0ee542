package runtime_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

const draws = 2000

// exponential is Base*2^(n-1) bounded by Max: the backoff jitter spreads.
func exponential(c runtime.RetryConfig, n int) time.Duration {
	b := c.Base
	for range n - 1 {
		b *= 2
		if b >= c.Max {
			return c.Max
		}
	}
	return min(b, c.Max)
}

func TestBackoffBounds(t *testing.T) {
	base, maxWait := 100*time.Millisecond, 3*time.Second
	for _, j := range []runtime.Jitter{runtime.JitterFull, runtime.JitterEqual, runtime.JitterNone} {
		t.Run(j.String(), func(t *testing.T) {
			c := runtime.RetryConfig{Base: base, Max: maxWait, Jitter: j}
			for n := 1; n <= 10; n++ {
				b := exponential(c, n)
				lo, hi := time.Duration(0), b
				switch j {
				case runtime.JitterEqual:
					lo = b / 2
				case runtime.JitterNone:
					lo = b
				}
				var seenLow, seenHigh bool
				for range draws {
					d := runtime.Backoff(c, n, 0)
					if d < lo || d > hi || d > maxWait {
						t.Fatalf("attempt %d: wait %v outside [%v, %v] (max %v)", n, d, lo, hi, maxWait)
					}
					seenLow = seenLow || d < lo+(hi-lo)/4
					seenHigh = seenHigh || d > hi-(hi-lo)/4
				}
				if j != runtime.JitterNone && !(seenLow && seenHigh) {
					t.Fatalf("attempt %d: %d draws did not spread over [%v, %v]", n, draws, lo, hi)
				}
			}
		})
	}
}

func TestBackoffDecorrelatedBounds(t *testing.T) {
	base, maxWait := 100*time.Millisecond, 2*time.Second
	c := runtime.RetryConfig{Base: base, Max: maxWait, Jitter: runtime.JitterDecorrelated}
	for _, prev := range []time.Duration{0, base, 250 * time.Millisecond, time.Second, maxWait} {
		t.Run(fmt.Sprint(prev), func(t *testing.T) {
			hi := min(maxWait, max(prev, base)*3)
			for range draws {
				d := runtime.Backoff(c, 3, prev)
				if d < base || d > hi {
					t.Fatalf("previous %v: wait %v outside [%v, %v]", prev, d, base, hi)
				}
			}
		})
	}
	// A chain of waits, each from the one before, never leaves [base, max].
	prev := time.Duration(0)
	for n := 1; n < draws; n++ {
		prev = runtime.Backoff(c, n, prev)
		if prev < base || prev > maxWait {
			t.Fatalf("wait %d: %v outside [%v, %v]", n, prev, base, maxWait)
		}
	}
}

func TestBackoffNeverExceedsMaxOrOverflows(t *testing.T) {
	for _, j := range []runtime.Jitter{runtime.JitterFull, runtime.JitterEqual, runtime.JitterDecorrelated, runtime.JitterNone} {
		c := runtime.RetryConfig{Base: time.Hour, Max: 100 * 24 * time.Hour, Jitter: j}
		prev := time.Duration(0)
		for n := 1; n < 200; n++ {
			d := runtime.Backoff(c, n, prev)
			if d < 0 || d > c.Max {
				t.Fatalf("%v attempt %d: wait %v outside [0, %v]", j, n, d, c.Max)
			}
			prev = d
		}
	}
}

func TestBackoffDefaults(t *testing.T) {
	c := runtime.RetryConfig{Jitter: runtime.JitterNone}
	equal(t, 100*time.Millisecond, runtime.Backoff(c, 1, 0), "first wait")
	equal(t, 200*time.Millisecond, runtime.Backoff(c, 2, 0), "second wait")
	equal(t, 10*time.Second, runtime.Backoff(c, 20, 0), "capped wait")
}

func TestJitterString(t *testing.T) {
	for j, want := range map[runtime.Jitter]string{
		runtime.JitterFull: "full", runtime.JitterEqual: "equal",
		runtime.JitterDecorrelated: "decorrelated", runtime.JitterNone: "none",
	} {
		equal(t, want, j.String(), "jitter name")
	}
}
