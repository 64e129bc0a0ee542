package main

import (
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// fastClock is a runtime.Clock on which time passes speedup times faster
// than on the wall clock, so that the breaker's 60s open period and the
// retries' 2^n-second waits take milliseconds and the whole story runs in
// well under a second.
//
// It is not runtime/clocktest's manual clock on purpose: that one needs a
// driver that knows which timers to fire, and an idempotent call starts a
// lease-renewal timer of its own beside the retry's wait. Here every timer
// simply fires, early, on its own.
type fastClock struct {
	// epoch is the simulated time at began.
	epoch   time.Time
	began   time.Time // wall clock, with its monotonic reading
	speedup time.Duration
}

var _ runtime.Clock = (*fastClock)(nil)

// newFastClock returns a clock that reads epoch now and runs speedup times
// faster than the wall clock from now on.
func newFastClock(epoch time.Time, speedup int) *fastClock {
	return &fastClock{epoch: epoch, began: time.Now(), speedup: time.Duration(speedup)}
}

// Now returns the simulated time.
func (c *fastClock) Now() time.Time {
	return c.epoch.Add(time.Since(c.began) * c.speedup)
}

// NewTimer returns a timer that fires after d of simulated time.
func (c *fastClock) NewTimer(d time.Duration) runtime.Timer {
	return wallTimer{time.NewTimer(d / c.speedup)}
}

// Sleep waits d of simulated time.
func (c *fastClock) Sleep(d time.Duration) {
	<-c.NewTimer(d).C()
}

// wallTimer is a runtime.Timer over a time.Timer.
type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time { return w.t.C }
func (w wallTimer) Stop() bool          { return w.t.Stop() }
