package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// openFixture returns a fixture whose breaker has just opened.
func openFixture(t *testing.T, bc runtime.BreakerConfig) *fixture {
	t.Helper()
	bc.Threshold = 1
	f := newFixture(t, bc, runtime.MethodConfig{})
	isErr(t, f.fail(), errBoom)
	equal(t, runtime.StateOpen, f.b.State(), "state")
	return f
}

func TestOpenRejectsAtOnceWithoutCalling(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: time.Minute})
	f.clk.Advance(20 * time.Second)
	called := false
	err := f.m.Do(context.Background(), func(context.Context) error { called = true; return nil })
	isErr(t, err, runtime.ErrCircuitOpen)
	equal(t, false, called, "called through an open breaker")

	var coe *runtime.CircuitOpenError
	if !errors.As(err, &coe) {
		t.Fatalf("error %T is not a *CircuitOpenError", err)
	}
	equal(t, "Svc", coe.Breaker, "breaker name")
	equal(t, 40*time.Second, coe.RetryIn, "retry in")
	if msg := err.Error(); !strings.Contains(msg, `"Svc"`) || !strings.Contains(msg, "40s") {
		t.Fatalf("error %q does not name the breaker and the time to the next trial", msg)
	}
}

func TestOpenStaysOpenUntilTimeout(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: 10 * time.Second})
	f.clk.Advance(10*time.Second - time.Nanosecond)
	isErr(t, f.succeed(), runtime.ErrCircuitOpen)
	equal(t, runtime.StateOpen, f.b.State(), "state")
	f.clk.Advance(time.Nanosecond)
	equal(t, runtime.StateHalfOpen, f.b.State(), "state after timeout")
}

func TestOpenAfterTimeoutAdmitsATrial(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: 10 * time.Second})
	f.clk.Advance(10 * time.Second)
	// No State call in between: the call itself moves the breaker on.
	noErr(t, f.succeed())
	equal(t, runtime.StateHalfOpen, f.b.State(), "state after one of two trials")
}

func TestOpenRejectionIsNotRetried(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{})
	// The retry sits inside the breaker; wrap the method in an outer one
	// with retry whose call returns the rejection, as nested wrappers do.
	outer := f.rt.NewMethod(runtime.MethodConfig{Interface: "Outer", Name: "Call", Retry: &runtime.RetryConfig{Attempts: 5}})
	isErr(t, f.fail(), errBoom) // breaker open
	calls := 0
	err := outer.Do(context.Background(), func(ctx context.Context) error {
		calls++
		return f.succeed()
	})
	isErr(t, err, runtime.ErrCircuitOpen)
	equal(t, 1, calls, "attempts of a rejected call")
}
