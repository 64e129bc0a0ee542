package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

func TestRateOpensAtRateOnceMinEnded(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 50, Min: 4, Window: 10 * time.Second}, runtime.MethodConfig{})
	noErr(t, f.succeed())
	noErr(t, f.succeed())
	isErr(t, f.fail(), errBoom) // 1 of 3: under min and under rate
	equal(t, runtime.StateClosed, f.b.State(), "after 1 failure in 3 calls")
	isErr(t, f.fail(), errBoom) // 2 of 4: exactly 50%
	equal(t, runtime.StateOpen, f.b.State(), "after 2 failures in 4 calls")
}

func TestRateNeedsMinCalls(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 10, Min: 4, Window: 10 * time.Second}, runtime.MethodConfig{})
	for range 3 {
		isErr(t, f.fail(), errBoom)
	}
	equal(t, runtime.StateClosed, f.b.State(), "100% of 3 calls, min 4")
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "100% of 4 calls")
}

func TestRateSuccessNeverOpens(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 50, Min: 4, Window: 10 * time.Second}, runtime.MethodConfig{})
	for range 3 {
		isErr(t, f.fail(), errBoom)
	}
	noErr(t, f.succeed()) // 3 of 4 failed, but a success decides nothing
	equal(t, runtime.StateClosed, f.b.State(), "after a success")
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "after the next failure")
}

func TestRateWindowSlides(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 60, Min: 2, Window: 10 * time.Second}, runtime.MethodConfig{})
	for range 4 {
		noErr(t, f.succeed())
	}
	f.clk.Advance(5 * time.Second)
	isErr(t, f.fail(), errBoom) // 1 of 5
	isErr(t, f.fail(), errBoom) // 2 of 6
	equal(t, runtime.StateClosed, f.b.State(), "successes still in the window")
	f.clk.Advance(5 * time.Second) // the successes' bucket leaves the window
	isErr(t, f.fail(), errBoom)    // 3 of 3
	equal(t, runtime.StateOpen, f.b.State(), "successes out of the window")
}

func TestRateCountsFromNothingAfterClosing(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 50, Min: 2, Window: time.Minute, Timeout: time.Second, HalfOpen: 1}, runtime.MethodConfig{})
	isErr(t, f.fail(), errBoom)
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "after 2 failures")
	f.clk.Advance(time.Second)
	noErr(t, f.succeed()) // the trial closes it
	equal(t, runtime.StateClosed, f.b.State(), "after the trial")
	isErr(t, f.fail(), errBoom) // 1 of 1 since closing: under min
	equal(t, runtime.StateClosed, f.b.State(), "the old failures were forgotten")
}

func TestRateIgnoresTheCallersCancellation(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 50, Min: 2, Window: time.Minute}, runtime.MethodConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		_ = f.m.Do(ctx, func(context.Context) error { return errBoom })
	}
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateClosed, f.b.State(), "cancelled calls count for nothing")
}

// slowCall is a call that takes d on the fake clock and then returns err.
func (f *fixture) slowCall(ctx context.Context, d time.Duration, err error) error {
	return f.m.Do(ctx, func(context.Context) error {
		f.clk.Advance(d)
		return err
	})
}

func TestSlowCallCountsAsFailureAndReturnsItsResult(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 2, Slow: 2 * time.Second}, runtime.MethodConfig{})
	noErr(t, f.slowCall(context.Background(), 1999*time.Millisecond, nil))
	noErr(t, f.slowCall(context.Background(), 2*time.Second, nil))
	equal(t, runtime.StateClosed, f.b.State(), "one slow call of threshold 2")
	noErr(t, f.slowCall(context.Background(), 3*time.Second, nil))
	equal(t, runtime.StateOpen, f.b.State(), "two slow calls")
}

func TestSlowCallInRateMode(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Rate: 100, Min: 2, Window: time.Minute, Slow: time.Second}, runtime.MethodConfig{})
	noErr(t, f.slowCall(context.Background(), time.Second, nil))
	noErr(t, f.slowCall(context.Background(), time.Second, nil))
	equal(t, runtime.StateOpen, f.b.State(), "two slow calls of two")
}

func TestSlowCallOfACancelledCallerCountsForNothing(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1, Slow: time.Second}, runtime.MethodConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = f.slowCall(ctx, 5*time.Second, nil)
	equal(t, runtime.StateClosed, f.b.State(), "slow, but its caller gave up")
}

func TestSlowHalfOpenTrialReopens(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1, Timeout: time.Second, Slow: time.Second}, runtime.MethodConfig{})
	isErr(t, f.fail(), errBoom)
	f.clk.Advance(time.Second)
	noErr(t, f.slowCall(context.Background(), time.Second, nil))
	equal(t, runtime.StateOpen, f.b.State(), "a slow trial")
}
