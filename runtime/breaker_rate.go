package runtime

import (
	"sync/atomic"
	"time"
)

// rateBuckets is the number of buckets a rate-mode breaker splits its
// window into: the window slides one bucket (Window/10) at a time.
const rateBuckets = 10

// defaultMin is BreakerConfig.Min's default in rate mode.
const defaultMin = 20

// rateWindow counts the calls that ended inside a breaker's window, for
// the rate mode (BreakerConfig.Rate). It is a counting strategy behind the
// breaker's one set of transitions: the breaker asks it whether to open,
// and setState resets it on closing.
//
// The window is rateBuckets buckets of width each; a call counts in the
// bucket of the time it ended. Each bucket is two words, successes and
// failures, each packing the bucket's number (its epoch) with its count,
// so that a success is counted without a lock: one clock read and a
// compare-and-swap, which also resets a bucket left from a previous turn
// of the ring.
type rateWindow struct {
	width time.Duration
	base  time.Time
	// system says the clock is the system's: the time since base is then
	// read with time.Since, which reads only the monotonic clock, at about
	// half the cost of Now on a VM. It is read on every success.
	system    bool
	successes [rateBuckets]atomic.Uint64
	failures  [rateBuckets]atomic.Uint64
}

func newRateWindow(window time.Duration, clock Clock, base time.Time) *rateWindow {
	w := window / rateBuckets
	if w <= 0 {
		w = 1
	}
	_, system := clock.(systemClock)
	return &rateWindow{width: w, base: base, system: system}
}

// epoch is the number of the bucket that holds time now.
func (r *rateWindow) epoch(now time.Time) uint32 {
	return uint32(now.Sub(r.base) / r.width)
}

// success counts a success ending now, on clock.
func (r *rateWindow) success(clock Clock) {
	if r.system {
		r.addAt(uint32(time.Since(r.base)/r.width), false)
		return
	}
	r.add(clock.Now(), false)
}

// add counts one call ending at now into the successes or the failures.
func (r *rateWindow) add(now time.Time, failed bool) {
	r.addAt(r.epoch(now), failed)
}

// addAt counts one call ending in bucket e.
func (r *rateWindow) addAt(e uint32, failed bool) {
	word := &r.successes[e%rateBuckets]
	if failed {
		word = &r.failures[e%rateBuckets]
	}
	for {
		old := word.Load()
		next := uint64(e)<<32 | 1
		if uint32(old>>32) == e {
			next = old + 1
		}
		if word.CompareAndSwap(old, next) {
			return
		}
	}
}

// counts returns the successes and failures counted in the window that
// ends with the bucket of now.
func (r *rateWindow) counts(now time.Time) (successes, failures int) {
	e := r.epoch(now)
	for i := range rateBuckets {
		successes += inWindow(r.successes[i].Load(), e)
		failures += inWindow(r.failures[i].Load(), e)
	}
	return successes, failures
}

// inWindow is the count a bucket's word holds when its epoch is one of the
// window's rateBuckets epochs up to e; zero when it is older.
func inWindow(word uint64, e uint32) int {
	if e-uint32(word>>32) >= rateBuckets {
		return 0
	}
	return int(uint32(word))
}

// reset empties every bucket. Called by setState, under the breaker's mu,
// when the breaker closes: the new closed state counts from nothing.
func (r *rateWindow) reset() {
	for i := range rateBuckets {
		r.successes[i].Store(0)
		r.failures[i].Store(0)
	}
}

// trips reports whether the window, once a failure at now was counted,
// holds at least min calls of which at least rate percent failed.
func (r *rateWindow) trips(now time.Time, rate, min int) bool {
	s, f := r.counts(now)
	total := s + f
	return total >= min && f*100 >= rate*total
}
