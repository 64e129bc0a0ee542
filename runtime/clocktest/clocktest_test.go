package clocktest_test

import (
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
	c.BlockUntilTimers(3)
	if c.Timers() != 3 {
		t.Fatalf("Timers() = %d", c.Timers())
	}
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
