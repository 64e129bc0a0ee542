package purger

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime/clocktest"
)

var start = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

// recorder is a Purge that records the times it was called with.
type recorder struct {
	mu   sync.Mutex
	nows []time.Time
	err  error
}

func (r *recorder) purge(_ context.Context, now time.Time) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nows = append(r.nows, now)
	return 0, r.err
}

func (r *recorder) calls() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.nows...)
}

// TestSchedule: the first purge comes after First, the next ones Interval
// after the end of the one before, each with the clock's now.
func TestSchedule(t *testing.T) {
	clk := clocktest.New(start)
	var r recorder
	p := Start(Config{Clock: clk, Interval: time.Minute, First: 10 * time.Second, Purge: r.purge})
	defer p.Stop()

	clk.BlockUntilTimers(t, 1)
	if due, _ := clk.NextDue(); !due.Equal(start.Add(10 * time.Second)) {
		t.Fatalf("first purge due at %v; want after First", due)
	}
	for i := range 3 {
		clk.AdvanceToNext()
		clk.BlockUntilTimers(t, 1) // the purge ended and the next wait began
		if got := len(r.calls()); got != i+1 {
			t.Fatalf("after tick %d: %d purges", i+1, got)
		}
	}
	want := []time.Time{start.Add(10 * time.Second), start.Add(70 * time.Second), start.Add(130 * time.Second)}
	for i, now := range r.calls() {
		if !now.Equal(want[i]) {
			t.Errorf("purge %d at %v; want %v", i, now, want[i])
		}
	}
}

func TestOffWhenIntervalNotPositive(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		clk := clocktest.New(start)
		p := Start(Config{Clock: clk, Interval: d, Purge: (&recorder{}).purge})
		if p != nil || clk.Timers() != 0 {
			t.Errorf("Interval %v started a purger", d)
		}
		p.Stop() // a nil Purger stops as nothing
	}
}

// TestStop: Stop leaves no timer behind, is safe twice, and no purge runs
// after it.
func TestStop(t *testing.T) {
	clk := clocktest.New(start)
	var r recorder
	p := Start(Config{Clock: clk, Interval: time.Minute, Purge: r.purge})
	clk.BlockUntilTimers(t, 1)
	p.Stop()
	p.Stop()
	if n := clk.Timers(); n != 0 {
		t.Errorf("%d timers pending after Stop", n)
	}
	clk.Advance(time.Hour)
	if n := len(r.calls()); n != 0 {
		t.Errorf("%d purges after Stop", n)
	}
}

func TestErrorsReachOnError(t *testing.T) {
	clk := clocktest.New(start)
	boom := errors.New("boom")
	r := recorder{err: boom}
	errs := make(chan error, 1)
	p := Start(Config{Clock: clk, Interval: time.Minute, Purge: r.purge, OnError: func(err error) { errs <- err }})
	defer p.Stop()
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Minute)
	if err := <-errs; !errors.Is(err, boom) {
		t.Fatalf("OnError got %v; want %v", err, boom)
	}
}

// TestStopCancelsPurgeInFlight: Stop cancels the purge's context, waits for
// it, and does not report the cancellation as a failure.
func TestStopCancelsPurgeInFlight(t *testing.T) {
	clk := clocktest.New(start)
	entered := make(chan struct{})
	reported := make(chan error, 1)
	p := Start(Config{
		Clock: clk, Interval: time.Minute,
		Purge: func(ctx context.Context, _ time.Time) (int, error) {
			close(entered)
			<-ctx.Done()
			return 0, ctx.Err()
		},
		OnError: func(err error) { reported <- err },
	})
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Minute)
	<-entered
	p.Stop()
	select {
	case err := <-reported:
		t.Errorf("Stop's cancellation was reported: %v", err)
	default:
	}
}
