package runtime_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/resilgen/resilgen/runtime"
)

// plenty is a rate no benchmark loop reaches, so that a token is always
// there: the benchmarks measure taking one, not waiting for one.
const plenty = 1_000_000_000

// BenchmarkRateLimitAllow is the baseline of BenchmarkDoRateLimit: the
// token bucket alone, as a hand-written wrapper would call it.
func BenchmarkRateLimitAllow(b *testing.B) {
	p := newOK()
	lim := rate.NewLimiter(rate.Limit(plenty), plenty)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if lim.Allow() {
			_ = p.Ping(ctx)
		}
	}
}

// rateLimited is a method with a rate limiter and nothing else.
func rateLimited(opts ...runtime.Option) *runtime.Method {
	rt := runtime.New(opts...)
	return rt.NewMethod(runtime.MethodConfig{Interface: "Pinger", Name: "Ping",
		RateLimit: rt.NewRateLimiter("Pinger", runtime.RateLimitConfig{Rate: plenty, Per: time.Second, Burst: plenty})})
}

// BenchmarkDoRateLimit is a call through a rate limiter with a token
// available: at most 1.5x BenchmarkRateLimitAllow, no allocation.
func BenchmarkDoRateLimit(b *testing.B) {
	p := newOK()
	m := rateLimited()
	ctx := context.Background()
	call := func(ctx context.Context) error { return p.Ping(ctx) }
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, call)
	}
}

// BenchmarkDoBudget is BenchmarkDo's happy path under a retry budget: two
// atomic adds more.
func BenchmarkDoBudget(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{}, runtime.WithRetryBudget(runtime.NewRetryBudget(0.1, 10)))
	ctx := context.Background()
	call := func(ctx context.Context) error { return p.Ping(ctx) }
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, call)
	}
}

// TestThrottlingHappyPathAllocatesNothing holds what the benchmarks above
// measure: a token taken, or a call under a budget, allocates nothing.
func TestThrottlingHappyPathAllocatesNothing(t *testing.T) {
	p := newOK()
	ctx := context.Background()
	call := func(ctx context.Context) error { return p.Ping(ctx) }
	for name, m := range map[string]*runtime.Method{
		"rate limit":   rateLimited(),
		"retry budget": benchMethod(runtime.MethodConfig{}, runtime.WithRetryBudget(runtime.NewRetryBudget(0.1, 10))),
	} {
		if n := testing.AllocsPerRun(1000, func() { _ = m.Do(ctx, call) }); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}
