package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

func TestIsRejection(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&runtime.CircuitOpenError{Breaker: "Svc"}, true},
		{fmt.Errorf("get: %w", runtime.ErrBulkheadFull), true},
		{fmt.Errorf("get: %w", runtime.ErrRateLimited), true},
		{&runtime.RetryError{Attempts: 2, Last: errBoom, Cause: runtime.ErrRetryBudget}, true},
		{&runtime.RetryError{Attempts: 3, Last: errBoom}, false},
		{errBoom, false},
		{context.Canceled, false},
		{nil, false},
	} {
		equal(t, c.want, runtime.IsRejection(c.err), fmt.Sprint(c.err))
	}
}

func TestFallbackOnRejectedOnlyForRejections(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{Fallback: runtime.FallbackRejected})
	ctx := context.Background()
	err := f.fail()
	equal(t, false, f.m.Fallback(ctx, err), "fallback on a failure")
	err = f.succeed() // the breaker is open now
	isErr(t, err, runtime.ErrCircuitOpen)
	equal(t, true, f.m.Fallback(ctx, err), "fallback on a rejection")
	equal(t, false, f.m.Fallback(ctx, nil), "fallback on success")
	ev := f.obs.kind(runtime.EventFallback)
	equal(t, 1, len(ev), "fallback events")
	equal(t, "fallback", ev[0].Policy, "policy")
	isErr(t, ev[0].Err, runtime.ErrCircuitOpen)
	equal(t, "Call", ev[0].Method, "method")
}

func TestFallbackOnFailedForEveryError(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{Fallback: runtime.FallbackFailed})
	ctx := context.Background()
	equal(t, true, f.m.Fallback(ctx, f.fail()), "fallback on a failure")
	equal(t, true, f.m.Fallback(ctx, f.succeed()), "fallback on a rejection")
}

func TestFallbackNeverOnTheCallersCancellation(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{Fallback: runtime.FallbackFailed})
	isErr(t, f.fail(), errBoom)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.m.Do(ctx, func(context.Context) error { return nil })
	isErr(t, err, runtime.ErrCircuitOpen)
	equal(t, false, f.m.Fallback(ctx, err), "fallback for a caller that gave up")
	equal(t, 0, len(f.obs.kind(runtime.EventFallback)), "fallback events")
}

func TestNoFallbackWithoutOne(t *testing.T) {
	f := newFixture(t, runtime.BreakerConfig{Threshold: 1}, runtime.MethodConfig{})
	equal(t, false, f.m.Fallback(context.Background(), f.fail()), "fallback")
}

func TestFallbackOnAFullBulkhead(t *testing.T) {
	rt := runtime.New()
	bh := rt.NewBulkhead("Svc", runtime.BulkheadConfig{Max: 1})
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Bulkhead: bh, Fallback: runtime.FallbackRejected})
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- m.Do(context.Background(), func(context.Context) error {
			close(entered)
			<-release
			return nil
		})
	}()
	<-entered
	err := m.Do(context.Background(), func(context.Context) error { return nil })
	isErr(t, err, runtime.ErrBulkheadFull)
	equal(t, true, m.Fallback(context.Background(), err), "fallback on a full bulkhead")
	close(release)
	noErr(t, <-done)
}
