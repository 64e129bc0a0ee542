package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// composeFixture guards a method with a breaker and a retry of waits of
// exactly 1s, 2s, ...
func composeFixture(t *testing.T, threshold, attempts int) *fixture {
	return newFixture(t, runtime.BreakerConfig{Threshold: threshold, Timeout: time.Minute},
		runtime.MethodConfig{Retry: &runtime.RetryConfig{Attempts: attempts, Base: time.Second, Jitter: runtime.JitterNone}})
}

// advanceWaits ends n retry waits of 1s, 2s, 4s ...
func (f *fixture) advanceWaits(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		f.clk.BlockUntilTimers(t, 1)
		f.clk.Advance(time.Second << i)
	}
}

func TestExhaustedRetriesAreOneBreakerFailure(t *testing.T) {
	f := composeFixture(t, 2, 3)
	calls := 0
	done := doAsync(context.Background(), f.m, failing(&calls, errBoom, errBoom, errBoom))
	f.advanceWaits(t, 2)
	isErr(t, <-done, errBoom)
	equal(t, 3, calls, "calls")
	equal(t, runtime.StateClosed, f.b.State(), "state after one failed call of three attempts")

	done = doAsync(context.Background(), f.m, failing(&calls, errBoom, errBoom, errBoom, errBoom, errBoom, errBoom))
	f.advanceWaits(t, 2)
	isErr(t, <-done, errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state after two failed calls")
}

func TestRetryThatSucceedsIsNoBreakerFailure(t *testing.T) {
	f := composeFixture(t, 1, 3)
	calls := 0
	done := doAsync(context.Background(), f.m, failing(&calls, errBoom, errBoom))
	f.advanceWaits(t, 2)
	noErr(t, <-done)
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestPermanentIsStillABreakerFailure(t *testing.T) {
	f := composeFixture(t, 1, 3)
	calls := 0
	err := doOnce(t, f.clk, context.Background(), f.m, failing(&calls, runtime.Permanent(errBoom)))
	equal(t, errBoom, err, "error")
	equal(t, 1, calls, "calls")
	equal(t, runtime.StateOpen, f.b.State(), "state")
}

func TestCallerCancellationDuringRetryIsNeitherSuccessNorFailure(t *testing.T) {
	// Half-open with one trial: a failure would reopen, a success would close.
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1, Timeout: time.Second, HalfOpen: 1},
		runtime.MethodConfig{Retry: &runtime.RetryConfig{Attempts: 3, Base: time.Second, Jitter: runtime.JitterNone}})
	isErr(t, doOnce(t, f.clk, context.Background(), f.m, func(context.Context) error { return runtime.Permanent(errBoom) }), errBoom)
	f.clk.Advance(time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	done := doAsync(ctx, f.m, failing(&calls, errBoom, errBoom))
	f.clk.BlockUntilTimers(t, 1)
	cancel()
	isErr(t, <-done, context.Canceled)
	equal(t, runtime.StateHalfOpen, f.b.State(), "state after a cancelled trial")
	noErr(t, f.succeed()) // the trial slot was given back
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestRejectedCallMakesNoAttempt(t *testing.T) {
	f := composeFixture(t, 1, 1)
	isErr(t, f.fail(), errBoom)
	calls := 0
	isErr(t, doOnce(t, f.clk, context.Background(), f.m, failing(&calls)), runtime.ErrCircuitOpen)
	equal(t, 0, calls, "calls")
	rej := f.obs.kind(runtime.EventRejected)
	equal(t, 1, len(rej), "rejection events")
	equal(t, "breaker", rej[0].Policy, "policy")
	equal(t, "Svc", rej[0].Breaker, "breaker")
	equal(t, "Call", rej[0].Method, "method")
}
