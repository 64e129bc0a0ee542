package main

import (
	"sync"
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

// sleeper is a clock the agent can also sleep on: a fastClock, or a
// stepClock for output that must read the same on every run.
type sleeper interface {
	runtime.Clock
	Sleep(d time.Duration)
}

// stepClock is a runtime.Clock whose time moves only when one of its timers
// fires, and then to exactly that timer's due time; its timers wait
// speedup times less on the wall clock. The time a log line shows is then
// the sum of the waits before it, whatever the machine's speed, so a seeded
// run prints the same lines every time. Timers stopped before they fire
// (a lease renewal the call did not need) leave the time alone.
type stepClock struct {
	speedup time.Duration

	mu  sync.Mutex
	now time.Time
}

var _ runtime.Clock = (*stepClock)(nil)

// newStepClock returns a clock that reads epoch until a timer fires.
func newStepClock(epoch time.Time, speedup int) *stepClock {
	return &stepClock{now: epoch, speedup: time.Duration(speedup)}
}

// Now returns the simulated time.
func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer due d from now, which moves the clock to its due
// time when it fires.
func (c *stepClock) NewTimer(d time.Duration) runtime.Timer {
	due := c.Now().Add(d)
	ch := make(chan time.Time, 1)
	t := time.AfterFunc(d/c.speedup, func() {
		c.mu.Lock()
		if due.After(c.now) {
			c.now = due
		}
		c.mu.Unlock()
		ch <- due
	})
	return funcTimer{t: t, ch: ch}
}

// Sleep waits d of simulated time.
func (c *stepClock) Sleep(d time.Duration) {
	<-c.NewTimer(d).C()
}

// funcTimer is a runtime.Timer over a time.AfterFunc.
type funcTimer struct {
	t  *time.Timer
	ch chan time.Time
}

func (f funcTimer) C() <-chan time.Time { return f.ch }
func (f funcTimer) Stop() bool          { return f.t.Stop() }
