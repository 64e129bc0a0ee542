package clocktest_test

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime/clocktest"
)

var start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestAdvanceFiresDueTimersInOrder(t *testing.T) {
	c := clocktest.New(start)
	late, early := c.NewTimer(2*time.Second), c.NewTimer(time.Second)
	if c.Timers() != 2 {
		t.Fatalf("Timers() = %d, want 2", c.Timers())
	}
	c.Advance(time.Second)
	if got := <-early.C(); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("early fired with %v", got)
	}
	select {
	case <-late.C():
		t.Fatal("late timer fired early")
	default:
	}
	c.Advance(5 * time.Second)
	if got := <-late.C(); !got.Equal(start.Add(2 * time.Second)) {
		t.Fatalf("late fired with %v, want its due time", got)
	}
	if !c.Now().Equal(start.Add(6 * time.Second)) {
		t.Fatalf("Now() = %v", c.Now())
	}
	if c.Timers() != 0 {
		t.Fatalf("Timers() = %d after all fired", c.Timers())
	}
}

func TestStop(t *testing.T) {
	c := clocktest.New(start)
	tm := c.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if tm.Stop() {
		t.Fatal("second Stop returned true")
	}
	c.Advance(time.Hour)
	select {
	case <-tm.C():
		t.Fatal("a stopped timer fired")
	default:
	}
}

func TestNonPositiveTimerFiresAtOnce(t *testing.T) {
	c := clocktest.New(start)
	<-c.NewTimer(0).C()
	if c.Timers() != 0 {
		t.Fatal("a fired timer is pending")
	}
}

func TestBlockUntilTimers(t *testing.T) {
	c := clocktest.New(start)
	go func() {
		for range 3 {
			c.NewTimer(time.Minute)
		}
	}()
	c.BlockUntilTimers(t, 3)
	if c.Timers() != 3 {
		t.Fatalf("Timers() = %d", c.Timers())
	}
}

// fakeTB records the failures of a clocktest helper; its Fatalf ends the
// goroutine, as testing's does.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = append(f.failed, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	goruntime.Goexit()
}

// run calls fn with a fakeTB in a goroutine of its own, so that Fatalf can
// end it, and returns what fn reported.
func run(fn func(tb testing.TB)) []string {
	tb := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(tb)
	}()
	<-done
	return tb.failed
}

func mustReport(t *testing.T, failed []string, want ...string) {
	t.Helper()
	if len(failed) != 1 {
		t.Fatalf("reported %q, want one failure", failed)
	}
	for _, w := range want {
		if !strings.Contains(failed[0], w) {
			t.Fatalf("failure %q does not say %q", failed[0], w)
		}
	}
}

func TestBlockUntilTimersFailsAfterItsTimeout(t *testing.T) {
	c := clocktest.New(start, clocktest.WithBlockTimeout(10*time.Millisecond))
	c.NewTimer(time.Second)
	failed := run(func(tb testing.TB) { c.BlockUntilTimers(tb, 2) })
	mustReport(t, failed, "10ms", "2 pending timers", "1 pending")
}

func TestAssertNoTimers(t *testing.T) {
	c := clocktest.New(start)
	if failed := run(c.AssertNoTimers); len(failed) != 0 {
		t.Fatalf("no timer pending, but it reported %q", failed)
	}
	tm := c.NewTimer(3 * time.Second)
	mustReport(t, run(c.AssertNoTimers), "1 timers", "now+3s")
	tm.Stop()
	if failed := run(c.AssertNoTimers); len(failed) != 0 {
		t.Fatalf("the timer was stopped, but it reported %q", failed)
	}
}

func TestAwaitReturnsWhatTheCallDelivers(t *testing.T) {
	c := clocktest.New(start)
	done := make(chan int, 1)
	go func() { done <- 7 }()
	if got := clocktest.Await(t, c, done); got != 7 {
		t.Fatalf("Await = %d, want 7", got)
	}
}

func TestAwaitFailsAsSoonAsTheCallStartsAWait(t *testing.T) {
	// The block timeout is long: only the timer can end the wait early.
	c := clocktest.New(start, clocktest.WithBlockTimeout(time.Hour))
	done := make(chan int, 1)
	go func() {
		c.NewTimer(time.Second) // a retry's backoff that no one advances
		<-c.NewTimer(time.Hour).C()
		done <- 1
	}()
	began := time.Now()
	mustReport(t, run(func(tb testing.TB) { clocktest.Await(tb, c, done) }), "started a wait", "now+1s")
	if waited := time.Since(began); waited > time.Minute {
		t.Fatalf("Await failed after %v", waited)
	}
	c.Advance(time.Hour) // lets the goroutine end
	<-done
}

func TestAwaitFailsAfterItsTimeout(t *testing.T) {
	c := clocktest.New(start, clocktest.WithBlockTimeout(10*time.Millisecond))
	mustReport(t, run(func(tb testing.TB) { clocktest.Await(tb, c, make(chan int)) }), "10ms", "not ended")
}

func TestDriveAdvancesThroughEveryWait(t *testing.T) {
	c := clocktest.New(start)
	waits, err := clocktest.Drive(t, c, func() error {
		for _, d := range []time.Duration{time.Second, 3 * time.Second, 0} {
			<-c.NewTimer(d).C()
		}
		return errors.New("done")
	})
	if err == nil || err.Error() != "done" {
		t.Fatalf("Drive returned %v, want the call's error", err)
	}
	// The zero wait fires at once and is never pending.
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != 3*time.Second {
		t.Fatalf("waits = %v, want [1s 3s]", waits)
	}
	if !c.Now().Equal(start.Add(4 * time.Second)) {
		t.Fatalf("Now() = %v, want start+4s", c.Now())
	}
}

func TestDriveFailsWhenTheCallNeitherEndsNorWaits(t *testing.T) {
	c := clocktest.New(start, clocktest.WithBlockTimeout(10*time.Millisecond))
	stuck := make(chan struct{})
	defer close(stuck)
	failed := run(func(tb testing.TB) {
		_, _ = clocktest.Drive(tb, c, func() error { <-stuck; return nil })
	})
	mustReport(t, failed, "10ms", "neither returned nor started a timer")
}

func TestNextDueAndAdvanceToNext(t *testing.T) {
	c := clocktest.New(start)
	if _, ok := c.NextDue(); ok {
		t.Fatal("NextDue with no timer reported one")
	}
	if d, ok := c.AdvanceToNext(); ok || d != 0 {
		t.Fatalf("AdvanceToNext with no timer = %v, %v", d, ok)
	}
	last := c.NewTimer(5 * time.Second)
	a, b := c.NewTimer(3*time.Second), c.NewTimer(3*time.Second)
	first := c.NewTimer(time.Second)

	if at, ok := c.NextDue(); !ok || !at.Equal(start.Add(time.Second)) {
		t.Fatalf("NextDue() = %v, %v; want start+1s", at, ok)
	}
	if d, ok := c.AdvanceToNext(); !ok || d != time.Second {
		t.Fatalf("first AdvanceToNext = %v, %v; want 1s", d, ok)
	}
	if got := <-first.C(); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("first fired with %v", got)
	}
	equal(t, 3, c.Timers())

	// Both timers due at 3s fire together.
	if d, ok := c.AdvanceToNext(); !ok || d != 2*time.Second {
		t.Fatalf("second AdvanceToNext = %v, %v; want 2s", d, ok)
	}
	<-a.C()
	<-b.C()
	equal(t, 1, c.Timers())
	if !c.Now().Equal(start.Add(3 * time.Second)) {
		t.Fatalf("Now() = %v, want start+3s", c.Now())
	}

	// A stopped timer is not waited for.
	last.Stop()
	if d, ok := c.AdvanceToNext(); ok || d != 0 {
		t.Fatalf("AdvanceToNext after Stop = %v, %v", d, ok)
	}
	if !c.Now().Equal(start.Add(3 * time.Second)) {
		t.Fatalf("AdvanceToNext with no timer moved the clock to %v", c.Now())
	}
}

func TestAdvanceToNextAfterAdvance(t *testing.T) {
	c := clocktest.New(start)
	tm := c.NewTimer(10 * time.Second)
	c.Advance(4 * time.Second)
	if d, ok := c.AdvanceToNext(); !ok || d != 6*time.Second {
		t.Fatalf("AdvanceToNext = %v, %v; want the 6s left", d, ok)
	}
	if got := <-tm.C(); !got.Equal(start.Add(10 * time.Second)) {
		t.Fatalf("fired with %v", got)
	}
}

func equal(t *testing.T, want, got int) {
	t.Helper()
	if got != want {
		t.Fatalf("Timers() = %d, want %d", got, want)
	}
}
