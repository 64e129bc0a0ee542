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
	equal(t, 40*time.Second, coe.RetryIn(), "retry in")
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
// stays exact. Each breaker opens with the time to show as its Timeout.
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
		f := openFixture(t, runtime.BreakerConfig{Timeout: tc.in})
		err := f.succeed()
		var coe *runtime.CircuitOpenError
		if !errors.As(err, &coe) {
			t.Fatalf("%v: error %v is not a *CircuitOpenError", tc.in, err)
		}
		want := `circuit breaker "Svc" is open: next trial call in ` + tc.want
		equal(t, want, coe.Error(), tc.in.String())
		equal(t, tc.in, coe.RetryIn(), "RetryIn")
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
	equal(t, 40362755*time.Microsecond, coe.RetryIn(), "retry in, exact")
	if msg := err.Error(); !strings.HasSuffix(msg, "next trial call in 41s") {
		t.Fatalf("error %q: want the time rounded up to the second", msg)
	}
}

// TestOpenRejectionAllocatesNothing: the calls an opening rejects share
// its error, and those a half-open breaker rejects share another.
func TestOpenRejectionAllocatesNothing(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: time.Minute, HalfOpen: 1})
	ctx := context.Background()
	call := func(context.Context) error { return nil }
	f.m = f.rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: f.b}) // without the observer's events
	n := testing.AllocsPerRun(100, func() { isErr(t, f.m.Do(ctx, call), runtime.ErrCircuitOpen) })
	equal(t, 0.0, n, "allocations of a call an open breaker rejects")

	f.clk.Advance(time.Minute)
	p := f.start(ctx) // the only trial
	<-p.entered
	n = testing.AllocsPerRun(100, func() { isErr(t, f.m.Do(ctx, call), runtime.ErrCircuitOpen) })
	equal(t, 0.0, n, "allocations of a call rejected with every trial taken")
	noErr(t, p.release(nil))
}

// TestRetryInCountsDownOnTheClock: a rejection's RetryIn, and its text,
// say the time left when they are asked, down to zero.
func TestRetryInCountsDownOnTheClock(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: time.Minute})
	err := f.succeed()
	var coe *runtime.CircuitOpenError
	if !errors.As(err, &coe) {
		t.Fatalf("error %v is not a *CircuitOpenError", err)
	}
	equal(t, epoch.Add(time.Minute), coe.Until, "Until")
	equal(t, time.Minute, coe.RetryIn(), "RetryIn at once")
	f.clk.Advance(15 * time.Second)
	equal(t, 45*time.Second, coe.RetryIn(), "RetryIn 15s later")
	if msg := coe.Error(); !strings.HasSuffix(msg, "next trial call in 45s") {
		t.Fatalf("error %q 15s later: want the 45s left", msg)
	}
	f.clk.Advance(time.Minute)
	equal(t, time.Duration(0), coe.RetryIn(), "RetryIn past Until")
	equal(t, `circuit breaker "Svc" was open: it lets trial calls through now`, coe.Error(), "text past Until")
}

// TestNewOpeningHasItsOwnUntil: the error of an opening keeps its Until
// when the breaker opens again; the new opening's calls get the new one.
// The observer hears of the error the caller gets.
func TestNewOpeningHasItsOwnUntil(t *testing.T) {
	f := openFixture(t, runtime.BreakerConfig{Timeout: time.Minute, HalfOpen: 1})
	var first, again *runtime.CircuitOpenError
	if !errors.As(f.succeed(), &first) || !errors.As(f.succeed(), &again) || again.Until != first.Until {
		t.Fatalf("two rejections of one opening: %v and %v, want the same Until", first, again)
	}
	f.clk.Advance(time.Minute)
	isErr(t, f.fail(), errBoom) // the trial fails: open again, a minute from now
	var second *runtime.CircuitOpenError
	err := f.succeed()
	if !errors.As(err, &second) {
		t.Fatalf("after the failed trial: %v, want a *CircuitOpenError", err)
	}
	equal(t, epoch.Add(2*time.Minute), second.Until, "Until of the second opening")
	equal(t, epoch.Add(time.Minute), first.Until, "Until of the first opening, kept")
	rejected := f.obs.kind(runtime.EventRejected)
	if last := rejected[len(rejected)-1]; last.Err != err {
		t.Fatalf("the observer heard of %v, the caller got %v", last.Err, err)
	}
}
