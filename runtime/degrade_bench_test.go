package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// BenchmarkDoRate is BenchmarkDo with the breaker in rate mode, which
// counts every success (a clock read and an atomic add).
func BenchmarkDoRate(b *testing.B) {
	p := newOK()
	rt := runtime.New()
	m := benchMethod(runtime.MethodConfig{Breaker: rt.NewBreaker("Pinger", runtime.BreakerConfig{Rate: 50, Min: 20})})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
	}
}

// BenchmarkDoRateParallel is BenchmarkDoRate from every P at once: the
// successes of all of them land on the same bucket's word.
func BenchmarkDoRateParallel(b *testing.B) {
	rt := runtime.New()
	m := benchMethod(runtime.MethodConfig{Breaker: rt.NewBreaker("Pinger", runtime.BreakerConfig{Rate: 50, Min: 20})})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			_ = m.Do(ctx, func(context.Context) error { return nil })
		}
	})
}

// BenchmarkDoHedged is BenchmarkDo with a hedge whose delay never passes:
// what a hedge costs a call that does not need it (its try's goroutine,
// timer and context), against BenchmarkDo.
func BenchmarkDoHedged(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{Hedge: &runtime.HedgeConfig{Delay: time.Second}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		call := func(ctx context.Context) error { return p.Ping(ctx) }
		_ = m.Do(runtime.HedgeCall(ctx, call), call)
	}
}

// TestRateModeHappyPathAllocatesNothing holds BenchmarkDoRate's promise:
// counting a success allocates nothing.
func TestRateModeHappyPathAllocatesNothing(t *testing.T) {
	p := newOK()
	rt := runtime.New()
	m := benchMethod(runtime.MethodConfig{Breaker: rt.NewBreaker("Pinger", runtime.BreakerConfig{Rate: 50, Min: 20, Slow: time.Second})})
	ctx := context.Background()
	call := func(ctx context.Context) error { return p.Ping(ctx) }
	if n := testing.AllocsPerRun(1000, func() { _ = m.Do(ctx, call) }); n != 0 {
		t.Fatalf("%v allocations per call through a closed rate-mode breaker, want 0", n)
	}
}
