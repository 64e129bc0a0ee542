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
