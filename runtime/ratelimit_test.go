package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// limitFixture is a method with its own rate limiter (and rc's retry, when
// set) on a fake clock.
func limitFixture(lc runtime.RateLimitConfig, rc *runtime.RetryConfig, opts ...runtime.Option) (*clocktest.Clock, *runtime.Method, *recorder) {
	clk, obs := clocktest.New(epoch), &recorder{}
	rt := runtime.New(append([]runtime.Option{runtime.WithClock(clk), runtime.WithObserver(obs)}, opts...)...)
	return clk, rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query", Retry: rc, RateLimit: rt.NewRateLimiter("Logs", lc)}), obs
}

func ok(context.Context) error { return nil }

func TestRateLimitBurstThenSteadyRate(t *testing.T) {
	clk, m, _ := limitFixture(runtime.RateLimitConfig{Rate: 2, Per: time.Second, Burst: 3}, nil)
	ctx := context.Background()
	admitted := func() int {
		n := 0
		for range 10 {
			if err := doOnce(t, clk, ctx, m, ok); err == nil {
				n++
			} else {
				isErr(t, err, runtime.ErrRateLimited)
			}
		}
		return n
	}
	equal(t, 3, admitted(), "calls admitted by a full bucket of burst 3")
	clk.Advance(499 * time.Millisecond)
	equal(t, 0, admitted(), "calls admitted 499ms later at 2 per second")
	clk.Advance(time.Millisecond)
	equal(t, 1, admitted(), "calls admitted 500ms later")
	clk.Advance(time.Second)
	equal(t, 2, admitted(), "calls admitted one second later")
	clk.Advance(time.Hour)
	equal(t, 3, admitted(), "calls admitted after an hour: the bucket holds at most burst")
}

func TestRateLimitWaitsForAToken(t *testing.T) {
	clk, m, obs := limitFixture(runtime.RateLimitConfig{Rate: 1, Per: time.Second, Burst: 1, Wait: 2 * time.Second}, nil)
	ctx := context.Background()
	noErr(t, doOnce(t, clk, ctx, m, ok))
	waits, err := clocktest.Drive(t, clk, func() error { return m.Do(ctx, ok) })
	noErr(t, err)
	if len(waits) != 1 || waits[0] != time.Second {
		t.Fatalf("waits %v, want one wait of 1s for the next token", waits)
	}
	evs := obs.kind(runtime.EventRateLimited)
	if len(evs) != 1 || evs[0].Delay != time.Second || evs[0].Err != nil {
		t.Fatalf("rate_limited events %+v, want one that waited 1s without error", evs)
	}
}

func TestRateLimitRefusesAWaitLongerThanWait(t *testing.T) {
	clk, m, obs := limitFixture(runtime.RateLimitConfig{Rate: 1, Per: time.Second, Burst: 1, Wait: 500 * time.Millisecond}, nil)
	ctx := context.Background()
	noErr(t, doOnce(t, clk, ctx, m, ok))
	err := doOnce(t, clk, ctx, m, ok) // would wait 1s: refused at once
	isErr(t, err, runtime.ErrRateLimited)
	if !strings.Contains(err.Error(), `rate limiter "Logs" (1 per 1s): no token within 500ms`) {
		t.Fatalf("error %q does not say which limiter refused and why", err)
	}
	if evs := obs.kind(runtime.EventRateLimited); len(evs) != 1 || !strings.Contains(evs[0].Err.Error(), "rate limited") {
		t.Fatalf("rate_limited events %+v, want one with the refusal", evs)
	}
	// The refused wait did not keep a token: one second on, one is there.
	clk.Advance(time.Second)
	noErr(t, doOnce(t, clk, ctx, m, ok))
}

func TestRateLimitRefusesAWaitPastTheDeadline(t *testing.T) {
	clk, m, _ := limitFixture(runtime.RateLimitConfig{Rate: 1, Per: time.Minute, Burst: 1, Wait: time.Hour}, nil)
	noErr(t, doOnce(t, clk, context.Background(), m, ok))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := doOnce(t, clk, ctx, m, ok)
	isErr(t, err, runtime.ErrRateLimited)
	if !strings.Contains(err.Error(), "before the caller's deadline") {
		t.Fatalf("error %q does not name the deadline", err)
	}
}

func TestRateLimitWaitEndsWithTheCallerAndGivesTheTokenBack(t *testing.T) {
	clk, m, _ := limitFixture(runtime.RateLimitConfig{Rate: 1, Per: time.Second, Burst: 1, Wait: time.Minute}, nil)
	noErr(t, doOnce(t, clk, context.Background(), m, ok))
	ctx, cancel := context.WithCancel(context.Background())
	done := doAsync(ctx, m, ok)
	clk.BlockUntilTimers(t, 1)
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second): // a guard against a hang, not a wait
		t.Fatal("the wait for a token did not end with the caller's context")
	}
	isErr(t, err, context.Canceled)
	if strings.Contains(err.Error(), runtime.ErrRateLimited.Error()) {
		t.Fatalf("a wait the caller ended reports %q, want the caller's cancellation only", err)
	}
	// The cancelled reservation was given back: the token due in one second
	// is the next caller's.
	clk.Advance(time.Second)
	noErr(t, doOnce(t, clk, context.Background(), m, ok))
}

func TestRetriesTakeTokensAndARefusalIsNotRetried(t *testing.T) {
	// Observed and not: an attempt takes its token on either path.
	for name, observer := range map[string]runtime.Option{"observed": nil, "unobserved": runtime.WithObserver(nil)} {
		t.Run(name, func(t *testing.T) {
			clk, m, _ := limitFixture(runtime.RateLimitConfig{Rate: 1, Per: time.Hour, Burst: 2},
				&runtime.RetryConfig{Attempts: 5, Base: time.Millisecond, Jitter: runtime.JitterNone}, observer)
			calls := 0
			waits, err := clocktest.Drive(t, clk, func() error {
				return m.Do(context.Background(), func(context.Context) error { calls++; return errBoom })
			})
			isErr(t, err, runtime.ErrRateLimited)
			equal(t, 2, calls, "attempts that reached the dependency (burst 2)")
			equal(t, 2, len(waits), "backoff waits (the refused third attempt is not retried)")
		})
	}
}

func TestRateLimitRefusalsDoNotOpenTheBreaker(t *testing.T) {
	clk := clocktest.New(epoch)
	rt := runtime.New(runtime.WithClock(clk))
	b := rt.NewBreaker("Logs", runtime.BreakerConfig{Threshold: 1})
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query", Breaker: b,
		RateLimit: rt.NewRateLimiter("Logs", runtime.RateLimitConfig{Rate: 1, Per: time.Hour, Burst: 1})})
	ctx := context.Background()
	noErr(t, m.Do(ctx, ok))
	for range 5 {
		isErr(t, m.Do(ctx, ok), runtime.ErrRateLimited)
	}
	equal(t, runtime.StateClosed, b.State(), "breaker state after five refusals with threshold 1")
}

func TestRecordedHitsTakeNoToken(t *testing.T) {
	clk := clocktest.New(epoch)
	rt := runtime.New(runtime.WithClock(clk))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query", Idempotent: &runtime.IdempotencyConfig{},
		RateLimit: rt.NewRateLimiter("Logs", runtime.RateLimitConfig{Rate: 1, Per: time.Hour, Burst: 1})})
	ctx := context.Background()
	query := func() (string, error) {
		var r string
		err := m.DoRecorded(ctx, runtime.Recording{Key: "q-1", Args: []any{"q"}, Results: []any{&r}},
			func(context.Context) error { r = "rows"; return nil })
		return r, err
	}
	for i := range 3 {
		r, err := query()
		noErr(t, err)
		equal(t, "rows", r, "result of call "+string(rune('1'+i)))
	}
}

func TestRateLimiterDefaults(t *testing.T) {
	rt := runtime.New()
	got := rt.NewRateLimiter("Logs", runtime.RateLimitConfig{Rate: 5}).Config()
	want := runtime.RateLimitConfig{Rate: 5, Per: time.Second, Burst: 5}
	equal(t, want, got, "config with defaults")
}
