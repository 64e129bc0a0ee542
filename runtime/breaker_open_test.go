package runtime_test

import (
	"context"
	"errors"
	"math"
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
	err := doOnce(t, f.clk, context.Background(), outer, func(ctx context.Context) error {
		calls++
		return f.succeed()
	})
	isErr(t, err, runtime.ErrCircuitOpen)
	equal(t, 1, calls, "attempts of a rejected call")
}

// TestCircuitOpenErrorRoundsItsText checks that the message shows the time
// to the next trial at a readable precision, rounded up, while RetryIn
// stays exact.
func TestCircuitOpenErrorRoundsItsText(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{59980375500 * time.Nanosecond, "1m0s"},
		{40 * time.Second, "40s"},
		{12*time.Second + time.Nanosecond, "13s"},
		{9*time.Second + 310*time.Millisecond, "9.4s"},
		{2 * time.Second, "2s"},
		{999*time.Millisecond + 1, "1s"},
		{250*time.Millisecond + 400*time.Microsecond, "251ms"},
		{300 * time.Microsecond, "1ms"},
		{time.Nanosecond, "1ms"},
		{time.Duration(math.MaxInt64), time.Duration(math.MaxInt64).String()},
	} {
		e := &runtime.CircuitOpenError{Breaker: "Svc", RetryIn: tc.in}
		want := `circuit breaker "Svc" is open: next trial call in ` + tc.want
		equal(t, want, e.Error(), tc.in.String())
		equal(t, tc.in, e.RetryIn, "RetryIn")
	}
}

func TestCircuitOpenErrorOfAnOpenBreakerIsRounded(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: time.Minute})
	f.clk.Advance(19637245 * time.Microsecond) // 19.637245s
	err := f.succeed()
	var coe *runtime.CircuitOpenError
	if !errors.As(err, &coe) {
		t.Fatalf("error %T is not a *CircuitOpenError", err)
	}
	equal(t, 40362755*time.Microsecond, coe.RetryIn, "retry in, exact")
	if msg := err.Error(); !strings.HasSuffix(msg, "next trial call in 41s") {
		t.Fatalf("error %q: want the time rounded up to the second", msg)
	}
}
