package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
	"github.com/resilgen/resilgen/runtime/faults"
)

// straightFixture is a runtime on a fake clock, without observer, with one
// method guarded by a breaker and a retry: a method whose calls may take
// the straight path.
type straightFixture struct {
	clk *clocktest.Clock
	b   *runtime.Breaker
	m   *runtime.Method
}

func newStraightFixture(t *testing.T, bc runtime.BreakerConfig, rc *runtime.RetryConfig) *straightFixture {
	t.Helper()
	f := &straightFixture{clk: clocktest.New(epoch)}
	// A seeded source, so that two fixtures jitter their backoffs alike.
	rt := runtime.New(runtime.WithClock(f.clk), runtime.WithRand(rand.NewPCG(1, 2)))
	f.b = rt.NewBreaker("Svc", bc)
	f.m = rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: f.b, Retry: rc})
	return f
}

// straightCall is what a generated wrapper does with a method: the
// straight path when Straight allows it, else Do. It reports which.
func straightCall(ctx context.Context, m *runtime.Method, call func(context.Context) error) (straight bool, err error) {
	if p, ok := m.Straight(); ok {
		if err := call(ctx); err != nil {
			return true, m.Failed(ctx, p, err, call)
		}
		m.Succeeded(p)
		return true, nil
	}
	return false, m.Do(ctx, call)
}

func TestStraightOnlyWhileClosed(t *testing.T) {
	f := newStraightFixture(t, runtime.BreakerConfig{Threshold: 2, Timeout: time.Minute, HalfOpen: 1}, &runtime.RetryConfig{Attempts: 1})
	ctx := context.Background()
	fail := func(context.Context) error { return errBoom }

	for i := range 2 {
		straight, err := straightCall(ctx, f.m, fail)
		isErr(t, err, errBoom)
		equal(t, true, straight, fmt.Sprintf("failure %d took the straight path", i+1))
	}
	equal(t, runtime.StateOpen, f.b.State(), "state after the threshold's failures on the straight path")
	if _, ok := f.m.Straight(); ok {
		t.Fatal("Straight is ok on an open breaker")
	}
	_, err := straightCall(ctx, f.m, fail)
	isErr(t, err, runtime.ErrCircuitOpen)

	f.clk.Advance(time.Minute)
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := straightCall(ctx, f.m, func(context.Context) error { close(entered); <-release; return nil })
		done <- err
	}()
	<-entered
	if _, ok := f.m.Straight(); ok {
		t.Fatal("Straight is ok on a half-open breaker with its trial in flight")
	}
	close(release)
	noErr(t, clocktest.Await(t, f.clk, done))
	equal(t, runtime.StateClosed, f.b.State(), "state after the trial")
	if _, ok := f.m.Straight(); !ok {
		t.Fatal("Straight is not ok once the breaker closed again")
	}
}

// TestStraightFailedIsDoAfterTheFirstAttempt runs one script of outcomes
// through Do and through the straight path, on two fixtures alike, and
// wants the same errors, attempts, backoffs and breaker states.
func TestStraightFailedIsDoAfterTheFirstAttempt(t *testing.T) {
	perm := runtime.Permanent(errBoom)
	// Each call is the errors of its attempts, in order; past its end an
	// attempt succeeds.
	script := [][]error{
		{errBoom, errBoom, errBoom}, // exhausted: a RetryError, one failure
		{errBoom, nil},              // retried to a success
		{perm},                      // permanent: not retried, a failure
		{nil},
		{errBoom, errBoom, errBoom}, // the breaker's 3rd failure opens it
		{nil},                       // rejected
	}
	type result struct {
		err      string
		attempts int
		waits    []time.Duration
		state    runtime.State
	}
	run := func(straight bool) []result {
		f := newStraightFixture(t, runtime.BreakerConfig{Threshold: 3}, &runtime.RetryConfig{Attempts: 3, Base: time.Second})
		var out []result
		for _, errs := range script {
			n := 0
			call := func(context.Context) error {
				n++
				if n <= len(errs) {
					return errs[n-1]
				}
				return nil
			}
			waits, err := clocktest.Drive(t, f.clk, func() error {
				if straight {
					_, err := straightCall(context.Background(), f.m, call)
					return err
				}
				return f.m.Do(context.Background(), call)
			})
			out = append(out, result{fmt.Sprint(err), n, waits, f.b.State()})
		}
		return out
	}
	viaDo, viaStraight := run(false), run(true)
	for i := range script {
		if fmt.Sprint(viaDo[i]) != fmt.Sprint(viaStraight[i]) {
			t.Errorf("call %d: via Do %+v, via the straight path %+v", i+1, viaDo[i], viaStraight[i])
		}
	}
	if last := viaStraight[len(script)-1]; last.state != runtime.StateOpen || last.attempts != 0 {
		t.Fatalf("the script's last call: %+v, want it rejected by the open breaker", last)
	}
}

func TestStraightFailedKeepsTheErrorsType(t *testing.T) {
	f := newStraightFixture(t, runtime.BreakerConfig{}, &runtime.RetryConfig{Attempts: 2})
	_, err := clocktest.Drive(t, f.clk, func() error {
		_, err := straightCall(context.Background(), f.m, func(context.Context) error { return errBoom })
		return err
	})
	var re *runtime.RetryError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, errBoom) {
		t.Fatalf("got %v, want a RetryError of 2 attempts wrapping errBoom", err)
	}
}

func TestStraightCallerCancellationIsNotAFailure(t *testing.T) {
	f := newStraightFixture(t, runtime.BreakerConfig{Threshold: 1}, &runtime.RetryConfig{Attempts: 3})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	straight, err := straightCall(ctx, f.m, func(ctx context.Context) error { return ctx.Err() })
	isErr(t, err, context.Canceled)
	equal(t, true, straight, "straight")
	equal(t, runtime.StateClosed, f.b.State(), "state")
}

// TestStraightRateModeCountsSuccesses: in rate mode a success on the
// straight path counts for the rate, as through Do.
func TestStraightRateModeCountsSuccesses(t *testing.T) {
	f := newStraightFixture(t, runtime.BreakerConfig{Rate: 50, Min: 4}, &runtime.RetryConfig{Attempts: 1})
	ctx := context.Background()
	for range 3 {
		straight, err := straightCall(ctx, f.m, func(context.Context) error { return nil })
		noErr(t, err)
		equal(t, true, straight, "straight")
	}
	// 1 of 4 and 2 of 5 failed: below 50%. Had the successes not been
	// counted, 3 failures would still be below Min and leave it closed.
	for i := range 3 {
		equal(t, runtime.StateClosed, f.b.State(), fmt.Sprintf("state before failure %d", i+1))
		_, _ = straightCall(ctx, f.m, func(context.Context) error { return errBoom })
	}
	equal(t, runtime.StateOpen, f.b.State(), "state after 3 failures of 6 calls")
}

func TestStraightWithoutBreakerRetries(t *testing.T) {
	clk := clocktest.New(epoch)
	m := runtime.New(runtime.WithClock(clk)).NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: &runtime.RetryConfig{Attempts: 3}})
	n := 0
	_, err := clocktest.Drive(t, clk, func() error {
		straight, err := straightCall(context.Background(), m, func(context.Context) error {
			if n++; n < 3 {
				return errBoom
			}
			return nil
		})
		equal(t, true, straight, "straight")
		return err
	})
	noErr(t, err)
	equal(t, 3, n, "attempts")
}

// TestNotStraight lists what needs work around every call: such a method
// never takes the straight path.
func TestNotStraight(t *testing.T) {
	clk := clocktest.New(epoch)
	retry := &runtime.RetryConfig{}
	for name, tc := range map[string]struct {
		opts []runtime.Option
		cfg  func(rt *runtime.Runtime) runtime.MethodConfig
	}{
		"observer": {opts: []runtime.Option{runtime.WithObserver(&recorder{})}},
		"bulkhead": {cfg: func(rt *runtime.Runtime) runtime.MethodConfig {
			return runtime.MethodConfig{Bulkhead: rt.NewBulkhead("Svc", runtime.BulkheadConfig{})}
		}},
		"retry budget": {opts: []runtime.Option{runtime.WithRetryBudget(runtime.NewRetryBudget(0.1, 10))}},
		"hedge": {cfg: func(*runtime.Runtime) runtime.MethodConfig {
			return runtime.MethodConfig{Hedge: &runtime.HedgeConfig{Delay: time.Second}}
		}},
		"rate limit": {cfg: func(rt *runtime.Runtime) runtime.MethodConfig {
			return runtime.MethodConfig{RateLimit: rt.NewRateLimiter("Svc", runtime.RateLimitConfig{})}
		}},
		"faults": {opts: []runtime.Option{runtime.WithFaults(faults.Error(0.5))}},
		"slow": {cfg: func(rt *runtime.Runtime) runtime.MethodConfig {
			return runtime.MethodConfig{Breaker: rt.NewBreaker("Svc", runtime.BreakerConfig{Slow: time.Second})}
		}},
		"idempotent": {cfg: func(*runtime.Runtime) runtime.MethodConfig {
			return runtime.MethodConfig{Idempotent: &runtime.IdempotencyConfig{}}
		}},
		"step": {cfg: func(*runtime.Runtime) runtime.MethodConfig { return runtime.MethodConfig{Step: "Call"} }},
	} {
		rt := runtime.New(append([]runtime.Option{runtime.WithClock(clk)}, tc.opts...)...)
		cfg := runtime.MethodConfig{}
		if tc.cfg != nil {
			cfg = tc.cfg(rt)
		}
		cfg.Interface, cfg.Name = "Svc", "Call"
		if cfg.Breaker == nil {
			cfg.Breaker = rt.NewBreaker("Svc", runtime.BreakerConfig{})
		}
		cfg.Retry = retry
		if _, ok := rt.NewMethod(cfg).Straight(); ok {
			t.Errorf("%s: Straight is ok", name)
		}
	}
	rt := runtime.New(runtime.WithClock(clk))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: rt.NewBreaker("Svc", runtime.BreakerConfig{}), Retry: retry})
	if _, ok := m.Straight(); !ok {
		t.Error("a breaker and a retry alone: Straight is not ok")
	}
	m = rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: retry, Timeout: time.Second})
	if _, ok := m.Straight(); !ok {
		t.Error("a retry and a timeout: Straight is not ok")
	}
}

// straightTimedCall is straightCall for a method with a per-attempt
// timeout, as a generated wrapper makes it: the first attempt's context
// from AttemptContext, its error through Attempted before cancel.
func straightTimedCall(ctx context.Context, m *runtime.Method, call func(context.Context) error) (straight bool, err error) {
	if p, ok := m.Straight(); ok {
		actx, cancel := m.AttemptContext(ctx)
		err := m.Attempted(ctx, actx, call(actx))
		cancel()
		if err != nil {
			return true, m.Failed(ctx, p, err, call)
		}
		m.Succeeded(p)
		return true, nil
	}
	return false, m.Do(ctx, call)
}

// TestStraightTimeout checks that the straight path gives the first
// attempt the method's deadline and reports its expiry as Do does: as a
// timed-out attempt, retried, while the caller's own deadline is not.
func TestStraightTimeout(t *testing.T) {
	rt := runtime.New(runtime.WithRand(rand.NewPCG(1, 2)))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: &runtime.RetryConfig{Attempts: 2, Base: time.Nanosecond, Max: time.Nanosecond}, Timeout: time.Hour})

	var deadlines []time.Duration
	attempts := 0
	call := func(ctx context.Context) error {
		attempts++
		d, ok := ctx.Deadline()
		if !ok {
			t.Fatal("the attempt's context has no deadline")
		}
		deadlines = append(deadlines, time.Until(d))
		if attempts == 1 {
			// A failed first attempt: the retry, through Failed, must
			// give the second its own deadline too.
			return errBoom
		}
		return nil
	}
	straight, err := straightTimedCall(context.Background(), m, call)
	equal(t, true, straight, "took the straight path")
	if err != nil {
		t.Fatalf("err = %v, want the retry's success", err)
	}
	equal(t, 2, attempts, "attempts")
	for i, d := range deadlines {
		if d <= 59*time.Minute || d > time.Hour {
			t.Errorf("attempt %d: deadline in %v, want the method's 1h", i+1, d)
		}
	}

	// An attempt ended by its own deadline is wrapped as Do wraps it.
	m = rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: &runtime.RetryConfig{Attempts: 1}, Timeout: time.Millisecond})
	wait := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	_, err = straightTimedCall(context.Background(), m, wait)
	_, viaDo := false, m.Do(context.Background(), wait)
	if err == nil || viaDo == nil || err.Error() != viaDo.Error() {
		t.Fatalf("straight path's error %v, Do's %v: want the same timed-out attempt", err, viaDo)
	}
	isErr(t, err, context.DeadlineExceeded)

	// The caller's own deadline is not the attempt's: not wrapped.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	m = rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: &runtime.RetryConfig{Attempts: 1}, Timeout: time.Hour})
	_, err = straightTimedCall(ctx, m, wait)
	if err != context.DeadlineExceeded {
		t.Fatalf("err = %v, want the caller's bare context.DeadlineExceeded", err)
	}
}

func TestStraightPathAllocatesNothing(t *testing.T) {
	f := newStraightFixture(t, runtime.BreakerConfig{}, &runtime.RetryConfig{})
	p := newOK()
	ctx := context.Background()
	n := testing.AllocsPerRun(100, func() {
		if _, err := straightCall(ctx, f.m, p.Ping); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations a call on the straight path, want 0", n)
	}
}
