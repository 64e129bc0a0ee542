package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// The per-attempt deadline is a real context deadline (the dependency's own
// client reads it), so these tests use a short real timeout and calls that
// wait on ctx.Done: nothing sleeps longer than the deadline itself.

func TestTimeoutEndsEachAttempt(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{Timeout: 5 * time.Millisecond})
	err := f.m.Do(context.Background(), func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the attempt's context has no deadline")
		}
		<-ctx.Done()
		return ctx.Err()
	})
	isErr(t, err, context.DeadlineExceeded)
	if !strings.Contains(err.Error(), "Svc.Call: attempt 1 timed out after 5ms") {
		t.Fatalf("error %q does not say which attempt of which method timed out", err)
	}
	// The caller's context is alive: the attempt's timeout is the
	// dependency's failure.
	equal(t, runtime.StateOpen, f.b.State(), "state after a timed out attempt")
}

func TestTimeoutIsPerAttemptAndRetried(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{
		Timeout: 5 * time.Millisecond,
		Retry:   &runtime.RetryConfig{Attempts: 2, Base: time.Second, Jitter: runtime.JitterNone},
	})
	calls := 0
	done := doAsync(context.Background(), f.m, func(ctx context.Context) error {
		calls++
		if calls == 1 {
			<-ctx.Done()
			return ctx.Err()
		}
		return ctx.Err() // a fresh deadline: not expired
	})
	f.clk.BlockUntilTimers(t, 1)
	f.clk.Advance(time.Second)
	noErr(t, <-done)
	equal(t, 2, calls, "calls")
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestCallerDeadlineIsNotABreakerFailure(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{Timeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	err := f.m.Do(ctx, func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	isErr(t, err, context.DeadlineExceeded)
	if strings.Contains(err.Error(), "timed out after") {
		t.Fatalf("the caller's own deadline was reported as the attempt's: %v", err)
	}
	equal(t, runtime.StateClosed, f.b.State(), "state")
}
