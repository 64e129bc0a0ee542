// Package clocktest is a manual [runtime.Clock] for tests: time stands still
// until the test moves it with Advance, which fires the timers that came due,
// or with AdvanceToNext, which moves it to the next timer's due time.
// A test waits with BlockUntilTimers until the code under test has started
// the timers it expects, instead of sleeping; it asserts with AssertNoTimers
// that nothing is left waiting, and with [Await] that a call ends without
// starting a wait no one would end.
//
//	clk := clocktest.New(time.Unix(0, 0))
//	rt := runtime.New(runtime.WithClock(clk))
//	go callThatRetries()
//	clk.BlockUntilTimers(t, 1) // the retry is waiting its backoff
//	clk.Advance(time.Second)
//
// Every wait of this package gives up after a block timeout of real time
// (10s unless [WithBlockTimeout] says otherwise) and fails the test with
// what it waited for, so that a broken wait fails fast instead of hanging
// until go test's -timeout.
package clocktest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// DefaultBlockTimeout is how long, in real time, BlockUntilTimers and
// [Await] wait before they fail the test, unless [WithBlockTimeout] sets
// another.
const DefaultBlockTimeout = 10 * time.Second

// Clock is a manual clock. The zero value is not usable; call New. It is
// safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	pending []*timer
	// changed is closed and replaced whenever a timer is added, so that
	// BlockUntilTimers wakes up to count again.
	changed chan struct{}
	// blockTimeout bounds every wait for the code under test, in real
	// time: the clock's own time stands still while the test waits.
	blockTimeout time.Duration
}

var _ runtime.Clock = (*Clock)(nil)

// Option configures a Clock made by New.
type Option func(*Clock)

// WithBlockTimeout sets how long, in real time, BlockUntilTimers and [Await]
// wait for the code under test before they fail the test. A d <= 0 keeps
// [DefaultBlockTimeout].
func WithBlockTimeout(d time.Duration) Option {
	return func(c *Clock) {
		if d > 0 {
			c.blockTimeout = d
		}
	}
}

// New returns a clock that reads start until it is advanced.
func New(start time.Time, opts ...Option) *Clock {
	c := &Clock{now: start, changed: make(chan struct{}), blockTimeout: DefaultBlockTimeout}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock is advanced to d from
// now. A timer of d <= 0 fires at once.
func (c *Clock) NewTimer(d time.Duration) runtime.Timer {
	t := &timer{clock: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.at = c.now.Add(d)
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.pending = append(c.pending, t)
	close(c.changed)
	c.changed = make(chan struct{})
	return t
}

// Advance moves the clock d forward and fires, in the order of their times,
// every timer that came due. Each fired timer's channel receives its own due
// time.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fireDue()
}

// AdvanceToNext moves the clock to the due time of the earliest pending
// timer and fires it, and every other timer due at that same time. It
// returns how far the clock moved, and false (without moving it) when no
// timer is pending.
//
// It drives code whose waits the test does not want to spell out one by
// one, such as an idempotent call that keeps a lease-renewal timer beside
// its retry's backoff: wait with BlockUntilTimers until every timer the
// step should have started is pending, then let AdvanceToNext fire the
// one that comes first.
//
//	go func() { done <- client.Charge(ctx, req) }() // retries, renews its lease
//	clk.BlockUntilTimers(2)                          // the backoff and the renewal
//	d, _ := clk.AdvanceToNext()                      // fires the backoff
func (c *Clock) AdvanceToNext() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.nextDue()
	if !ok {
		return 0, false
	}
	// Pending timers are due after now: a due one fires when it is made
	// or when the clock reaches it.
	d := at.Sub(c.now)
	c.now = at
	c.fireDue()
	return d, true
}

// NextDue returns the due time of the earliest pending timer, and false
// when no timer is pending.
func (c *Clock) NextDue() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextDue()
}

// nextDue is NextDue with mu held.
func (c *Clock) nextDue() (time.Time, bool) {
	if len(c.pending) == 0 {
		return time.Time{}, false
	}
	at := c.pending[0].at
	for _, t := range c.pending[1:] {
		if t.at.Before(at) {
			at = t.at
		}
	}
	return at, true
}

// fireDue fires, in the order of their times, every pending timer due at
// or before now. Called with mu held.
func (c *Clock) fireDue() {
	slices.SortStableFunc(c.pending, func(a, b *timer) int { return a.at.Compare(b.at) })
	kept := c.pending[:0]
	for _, t := range c.pending {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		// The channel has room for one value and a timer fires once.
		t.ch <- t.at
	}
	clear(c.pending[len(kept):])
	c.pending = kept
}

// Timers returns the number of timers started and not yet fired or stopped.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// BlockUntilTimers waits until at least n timers are pending: the code
// under test has reached the waits the test means to end with Advance.
// When fewer are pending after the block timeout, it fails tb with how many
// it waited for and how many there are. Call it from the test's goroutine,
// as tb.Fatal requires.
func (c *Clock) BlockUntilTimers(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.NewTimer(c.blockTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		have := len(c.pending)
		changed := c.changed
		c.mu.Unlock()
		if have >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("clocktest: waited %v for %d pending timers; %d pending", c.blockTimeout, n, c.Timers())
		}
	}
}

// AssertNoTimers fails tb, naming their due times, when any timer is
// pending: something the code under test started is still waiting (a
// retry's backoff, a renewal that was never stopped).
func (c *Clock) AssertNoTimers(tb testing.TB) {
	tb.Helper()
	if n, due := c.dueTimes(); n > 0 {
		tb.Errorf("clocktest: %d timers left pending, due at %s", n, due)
	}
}

// dueTimes returns how many timers are pending and lists their due times,
// relative to now.
func (c *Clock) dueTimes() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for i, t := range c.pending {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "now+%v", t.at.Sub(c.now))
	}
	return len(c.pending), b.String()
}

// Await returns the value done delivers, typically the error of a call the
// test started in a goroutine on clock c. It fails tb as soon as a timer
// of c is pending while it waits: the call started a wait that no one will
// advance (a retry that must not happen, say), and would otherwise hang.
// It fails tb too when done delivers nothing within the block timeout.
// Call it from the test's goroutine.
//
//	done := make(chan error, 1)
//	go func() { done <- m.Do(ctx, callFailingWithAPermanentError) }()
//	err := clocktest.Await(t, clk, done) // fails fast on a wrongful retry
func Await[T any](tb testing.TB, c *Clock, done <-chan T) T {
	tb.Helper()
	deadline := time.NewTimer(c.blockTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		// Checked after changed is taken: a timer added from now on
		// closes it.
		if n, due := c.dueTimes(); n > 0 {
			tb.Fatalf("clocktest: the code under test started a wait (%d timers, due at %s) while the test awaited its end", n, due)
		}
		select {
		case v := <-done:
			return v
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("clocktest: awaited the code under test for %v; it has not ended and %d timers are pending", c.blockTimeout, c.Timers())
		}
	}
}

// Drive runs call in a goroutine and advances c to each timer the code
// under test starts meanwhile (its backoffs, its bulkhead waits, the
// renewals of its leases), until call returns. It returns the waits it
// advanced through, in order, and call's error. It fails tb when call
// neither returns nor starts a timer within the block timeout. Call it from
// the test's goroutine.
//
// It suits code that waits only on c. While a call also waits on something
// real (a request to a test server), Drive keeps advancing c through the
// timers pending meanwhile, such as an idempotency claim's renewals, so c
// runs ahead of what the call waited for.
//
//	waits, err := clocktest.Drive(t, clk, func() error { return client.Get(ctx, id) })
func Drive(tb testing.TB, c *Clock, call func() error) ([]time.Duration, error) {
	tb.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	deadline := time.NewTimer(c.blockTimeout)
	defer deadline.Stop()
	var waits []time.Duration
	for {
		// A call that has ended wins over its leftover timers.
		select {
		case err := <-done:
			return waits, err
		default:
		}
		c.mu.Lock()
		pending, changed := len(c.pending), c.changed
		c.mu.Unlock()
		if pending > 0 {
			if len(waits) == maxDriven {
				tb.Fatalf("clocktest: advanced through %d waits and the code under test has not returned", maxDriven)
				return waits, nil
			}
			d, _ := c.AdvanceToNext()
			waits = append(waits, d)
			deadline.Reset(c.blockTimeout)
			continue
		}
		select {
		case err := <-done:
			return waits, err
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("clocktest: drove the code under test for %v of real time after its last wait; it neither returned nor started a timer", c.blockTimeout)
			return waits, nil
		}
	}
}

// maxDriven bounds the waits Drive advances through, so that a call
// retrying forever on a timer fails the test instead of spinning.
const maxDriven = 10000

// timer is a timer of a Clock.
type timer struct {
	clock *Clock
	at    time.Time
	ch    chan time.Time
}

func (t *timer) C() <-chan time.Time { return t.ch }

// Stop removes the timer from its clock's pending timers; it reports whether
// the timer was pending.
func (t *timer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.pending, t)
	if i < 0 {
		return false
	}
	c.pending = slices.Delete(c.pending, i, i+1)
	return true
}
