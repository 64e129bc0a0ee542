package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// retryFixture is a method with retry only, on a fake clock, with waits of
// exactly Base, 2*Base, ... so tests know what to advance.
func retryFixture(rc runtime.RetryConfig) (*clocktest.Clock, *runtime.Method, *recorder) {
	clk, obs := clocktest.New(epoch), &recorder{}
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(obs))
	if rc.Base == 0 {
		rc.Base = time.Second
	}
	rc.Jitter = runtime.JitterNone
	return clk, rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: &rc}), obs
}

// failing returns a call that fails with errs in turn, then succeeds, and
// counts its calls.
func failing(calls *int, errs ...error) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= len(errs) {
			return errs[*calls-1]
		}
		return nil
	}
}

// doAsync runs m.Do in a goroutine and returns where its error arrives.
func doAsync(ctx context.Context, m *runtime.Method, call func(context.Context) error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- m.Do(ctx, call) }()
	return done
}

// doOnce runs m.Do, whose calls must not be retried, and returns its
// error. A wrongful retry waits its backoff on clk, which no one advances:
// clocktest.Await fails the test as soon as that wait starts, instead of
// hanging.
func doOnce(t *testing.T, clk *clocktest.Clock, ctx context.Context, m *runtime.Method, call func(context.Context) error) error {
	t.Helper()
	err := clocktest.Await(t, clk, doAsync(ctx, m, call))
	clk.AssertNoTimers(t)
	return err
}

func TestRetryUntilSuccess(t *testing.T) {
	clk, m, obs := retryFixture(runtime.RetryConfig{Attempts: 3})
	calls := 0
	done := doAsync(context.Background(), m, failing(&calls, errBoom, errBoom))
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Second)
	clk.BlockUntilTimers(t, 1)
	clk.Advance(2 * time.Second)
	noErr(t, <-done)
	clk.AssertNoTimers(t)
	equal(t, 3, calls, "calls")
	retries := obs.kind(runtime.EventRetry)
	equal(t, 2, len(retries), "retry events")
	equal(t, time.Second, retries[0].Delay, "first delay")
	equal(t, 2*time.Second, retries[1].Delay, "second delay")
	equal(t, 1, retries[0].Attempt, "attempt of the first retry event")
	call := obs.kind(runtime.EventCall)
	equal(t, 3, call[0].Attempt, "attempts of the call event")
}

func TestRetryExhaustedWrapsLastError(t *testing.T) {
	clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 3})
	calls := 0
	last := errors.New("third failure")
	done := doAsync(context.Background(), m, failing(&calls, errBoom, errBoom, last))
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Second)
	clk.BlockUntilTimers(t, 1)
	clk.Advance(2 * time.Second)
	err := <-done
	clk.AssertNoTimers(t)
	isErr(t, err, last)
	var re *runtime.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("error %T is not a *RetryError", err)
	}
	equal(t, 3, re.Attempts, "attempts")
	equal(t, nil, re.Cause, "cause")
	if !strings.Contains(err.Error(), "3 attempts") || !strings.Contains(err.Error(), "third failure") {
		t.Fatalf("error %q does not say how many attempts ran and what the last returned", err)
	}
}

func TestRetryNeverRetries(t *testing.T) {
	for name, err := range map[string]error{
		"circuit open":  &runtime.CircuitOpenError{Breaker: "Inner", Until: epoch.Add(time.Second)},
		"bulkhead full": fmt.Errorf("inner: %w", runtime.ErrBulkheadFull),
	} {
		t.Run(name, func(t *testing.T) {
			clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 5})
			calls := 0
			got := doOnce(t, clk, context.Background(), m, failing(&calls, err, err))
			equal(t, err, got, "error")
			equal(t, 1, calls, "calls")
		})
	}
}

func TestRetryPermanentIsReturnedUnwrapped(t *testing.T) {
	clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 5})
	calls := 0
	err := doOnce(t, clk, context.Background(), m, failing(&calls, runtime.Permanent(errBoom)))
	equal(t, errBoom, err, "error")
	equal(t, 1, calls, "calls")

	// So an outer retry, seeing the plain error, retries it.
	outerClk, outer, _ := retryFixture(runtime.RetryConfig{Attempts: 2})
	calls, outerCalls := 0, 0
	done := doAsync(context.Background(), outer, func(ctx context.Context) error {
		outerCalls++
		return m.Do(ctx, failing(&calls, runtime.Permanent(errBoom)))
	})
	outerClk.BlockUntilTimers(t, 1)
	outerClk.Advance(time.Second)
	noErr(t, <-done)
	equal(t, 2, outerCalls, "outer attempts")
	clk.AssertNoTimers(t) // the inner method never retried
}

func TestPermanentNil(t *testing.T) {
	equal(t, nil, runtime.Permanent(nil), "Permanent(nil)")
	isErr(t, runtime.Permanent(errBoom), errBoom)
}

func TestRetryIfClassifier(t *testing.T) {
	transient := errors.New("503")
	clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 5, If: func(err error) bool { return errors.Is(err, transient) }})
	calls := 0
	err := doOnce(t, clk, context.Background(), m, failing(&calls, errBoom))
	equal(t, errBoom, err, "error")
	equal(t, 1, calls, "calls")
}

func TestRetryNeverRetriesCallerCancellation(t *testing.T) {
	clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 5})
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := doOnce(t, clk, ctx, m, func(ctx context.Context) error {
		calls++
		cancel()
		return ctx.Err()
	})
	equal(t, context.Canceled, err, "error")
	equal(t, 1, calls, "calls")
}

func TestRetryWaitEndsWithTheContext(t *testing.T) {
	clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 5})
	stop := errors.New("operator stopped the run")
	ctx, cancel := context.WithCancelCause(context.Background())
	calls := 0
	done := doAsync(ctx, m, failing(&calls, errBoom, errBoom, errBoom))
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Second)
	clk.BlockUntilTimers(t, 1)
	cancel(stop) // during the second wait, with no clock move
	err := <-done
	isErr(t, err, stop)
	isErr(t, err, errBoom)
	var re *runtime.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("error %T is not a *RetryError", err)
	}
	equal(t, 2, re.Attempts, "attempts")
	equal(t, stop, re.Cause, "cause")
	clk.AssertNoTimers(t)
}

func TestNoRetryConfigMakesOneAttempt(t *testing.T) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call"})
	calls := 0
	err := m.Do(context.Background(), failing(&calls, errBoom))
	equal(t, errBoom, err, "error")
	equal(t, 1, calls, "calls")
	// Permanent is unwrapped even with no retry, so no mark leaks out.
	err = m.Do(context.Background(), func(context.Context) error { return runtime.Permanent(errBoom) })
	equal(t, errBoom, err, "error")
}
