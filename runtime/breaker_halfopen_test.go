package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// halfOpenFixture returns a fixture whose breaker is half-open.
func halfOpenFixture(t *testing.T, halfOpen int) *fixture {
	t.Helper()
	f := openFixture(t, runtime.BreakerConfig{Timeout: time.Second, HalfOpen: halfOpen})
	f.clk.Advance(time.Second)
	equal(t, runtime.StateHalfOpen, f.b.State(), "state")
	return f
}

func TestHalfOpenConsecutiveSuccessesClose(t *testing.T) {
	f := halfOpenFixture(t, 3)
	for range 2 {
		noErr(t, f.succeed())
		equal(t, runtime.StateHalfOpen, f.b.State(), "state")
	}
	noErr(t, f.succeed())
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestHalfOpenOneFailureReopens(t *testing.T) {
	f := halfOpenFixture(t, 3)
	noErr(t, f.succeed())
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
	// Reopened for a full timeout from the failure.
	f.clk.Advance(time.Second - time.Nanosecond)
	isErr(t, f.succeed(), runtime.ErrCircuitOpen)
	f.clk.Advance(time.Nanosecond)
	noErr(t, f.succeed())
}

func TestHalfOpenCapsConcurrentTrials(t *testing.T) {
	f := halfOpenFixture(t, 2)
	a, b := f.start(context.Background()), f.start(context.Background())
	<-a.entered
	<-b.entered
	err := f.succeed()
	isErr(t, err, runtime.ErrCircuitOpen)
	noErr(t, a.release(nil))
	// One slot free again, one success counted.
	c := f.start(context.Background())
	<-c.entered
	noErr(t, c.release(nil))
	equal(t, runtime.StateClosed, f.b.State(), "state after two successes")
	noErr(t, b.release(nil)) // stale: admitted a generation ago
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestHalfOpenStaleSuccessIsDropped(t *testing.T) {
	f := halfOpenFixture(t, 2)
	slow := f.start(context.Background())
	<-slow.entered
	isErr(t, f.fail(), errBoom) // reopens
	noErr(t, slow.release(nil))
	equal(t, runtime.StateOpen, f.b.State(), "a stale trial's success moved an open breaker")
	f.clk.Advance(time.Second)
	// The new half-open generation has both trial slots and no successes.
	a, b := f.start(context.Background()), f.start(context.Background())
	<-a.entered
	<-b.entered
	noErr(t, a.release(nil))
	equal(t, runtime.StateHalfOpen, f.b.State(), "state")
	noErr(t, b.release(nil))
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestHalfOpenCallerCancellationFreesTheSlot(t *testing.T) {
	f := halfOpenFixture(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	p := f.start(ctx)
	<-p.entered
	isErr(t, f.succeed(), runtime.ErrCircuitOpen)
	cancel()
	isErr(t, p.release(context.Canceled), context.Canceled)
	equal(t, runtime.StateHalfOpen, f.b.State(), "state after a cancelled trial")
	noErr(t, f.succeed())
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestHalfOpenPanickingTrialCountsAsFailure(t *testing.T) {
	f := halfOpenFixture(t, 1)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		_ = f.m.Do(context.Background(), func(context.Context) error { panic("dependency bug") })
	}()
	equal(t, runtime.StateOpen, f.b.State(), "state after a panicking trial")
}

func TestHalfOpenRejectionHasNoRetryIn(t *testing.T) {
	f := halfOpenFixture(t, 1)
	p := f.start(context.Background())
	<-p.entered
	err := f.succeed()
	var coe *runtime.CircuitOpenError
	if !asCircuitOpen(err, &coe) || coe.RetryIn() != 0 {
		t.Fatalf("got %v, want a CircuitOpenError with RetryIn 0", err)
	}
	noErr(t, p.release(nil))
}
