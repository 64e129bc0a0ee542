package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

func TestClosedOpensAfterThresholdFailures(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 3}, runtime.MethodConfig{})
	for range 2 {
		isErr(t, f.fail(), errBoom)
		equal(t, runtime.StateClosed, f.b.State(), "state")
	}
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
}

func TestClosedSuccessesDoNotResetFailures(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 3}, runtime.MethodConfig{})
	isErr(t, f.fail(), errBoom)
	noErr(t, f.succeed())
	isErr(t, f.fail(), errBoom)
	noErr(t, f.succeed())
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
}

func TestClosedFailuresOutsideWindowDoNotCount(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 3, Window: time.Minute}, runtime.MethodConfig{})
	isErr(t, f.fail(), errBoom)
	f.clk.Advance(30 * time.Second)
	isErr(t, f.fail(), errBoom)
	f.clk.Advance(31 * time.Second) // the first failure is out of the window
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateClosed, f.b.State(), "state")
	isErr(t, f.fail(), errBoom) // three inside the last minute
	equal(t, runtime.StateOpen, f.b.State(), "state")
}

func TestClosedCallerCancellationIsNotAFailure(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.m.Do(ctx, func(ctx context.Context) error { return ctx.Err() })
	isErr(t, err, context.Canceled)
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestClosedCallerCauseIsNotAFailure(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{})
	stop := errors.New("user pressed stop")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(stop)
	err := f.m.Do(ctx, func(ctx context.Context) error { return context.Cause(ctx) })
	isErr(t, err, stop)
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestClosedCallerCancellationIsNotAFailureWhateverTheError(t *testing.T) {
	// A client that reports the caller's deadline in its own error type
	// (gRPC's status error does not match context.DeadlineExceeded) still
	// says nothing about the dependency.
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{})
	rpcDeadline := errors.New("rpc error: code = DeadlineExceeded desc = context deadline exceeded")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.m.Do(ctx, func(context.Context) error { return rpcDeadline })
	isErr(t, err, rpcDeadline)
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestClosedIsFailureDecides(t *testing.T) {
	notFound := errors.New("not found")
	f := newFixture(t, runtime.BreakerConfig{
		Threshold: 1,
		IsFailure: func(err error) bool { return !errors.Is(err, notFound) },
	}, runtime.MethodConfig{})
	err := f.m.Do(context.Background(), func(context.Context) error { return notFound })
	isErr(t, err, notFound)
	equal(t, runtime.StateClosed, f.b.State(), "state")
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
}

func TestClosedStaleFailureIsDropped(t *testing.T) {
	// A call admitted while closed that fails after the breaker went round
	// open -> half-open -> closed must not count in the new closed state.
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1, Timeout: time.Second, HalfOpen: 1}, runtime.MethodConfig{})
	slow := f.start(context.Background())
	<-slow.entered
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
	f.clk.Advance(time.Second)
	noErr(t, f.succeed())
	equal(t, runtime.StateClosed, f.b.State(), "state")

	isErr(t, slow.release(errBoom), errBoom)
	equal(t, runtime.StateClosed, f.b.State(), "an outcome from an older generation changed the state")
}

func TestDefaultsAreTheDirectives(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{}, runtime.MethodConfig{})
	for range 4 {
		isErr(t, f.fail(), errBoom)
	}
	equal(t, runtime.StateClosed, f.b.State(), "state")
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
	f.clk.Advance(59 * time.Second)
	equal(t, runtime.StateOpen, f.b.State(), "state")
	f.clk.Advance(time.Second)
	equal(t, runtime.StateHalfOpen, f.b.State(), "state")
	noErr(t, f.succeed())
	equal(t, runtime.StateHalfOpen, f.b.State(), "state")
	noErr(t, f.succeed())
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

func TestStateString(t *testing.T) {
	equal(t, "closed", runtime.StateClosed.String(), "state")
	equal(t, "open", runtime.StateOpen.String(), "state")
	equal(t, "half-open", runtime.StateHalfOpen.String(), "state")
	equal(t, "State(7)", runtime.State(7).String(), "state")
}
