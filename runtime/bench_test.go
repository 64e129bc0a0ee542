package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// pinger is the dependency the benchmarks wrap: an interface, as a
// generated wrapper calls one.
type pinger interface {
	Ping(ctx context.Context) error
}

type okPinger struct{ n int }

// Ping is kept out of line so that every benchmark pays one real call, as
// a call to a network client's method does.
//
//go:noinline
func (p *okPinger) Ping(context.Context) error { p.n++; return nil }

type failPinger struct{}

func (failPinger) Ping(context.Context) error { return errBoom }

// newOK hides the concrete type from the compiler, so that it cannot
// devirtualize the baseline's interface call.
//
//go:noinline
func newOK() pinger { return &okPinger{} }

// BenchmarkDirect is the baseline: a call through the interface, no policy.
func BenchmarkDirect(b *testing.B) {
	p := newOK()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Ping(ctx)
	}
}

func benchMethod(cfg runtime.MethodConfig, opts ...runtime.Option) *runtime.Method {
	rt := runtime.New(opts...)
	cfg.Interface, cfg.Name = "Pinger", "Ping"
	if cfg.Breaker == nil {
		cfg.Breaker = rt.NewBreaker("Pinger", runtime.BreakerConfig{})
	}
	if cfg.Retry == nil {
		cfg.Retry = &runtime.RetryConfig{}
	}
	return rt.NewMethod(cfg)
}

// BenchmarkDo is the closed-breaker happy path with retry, as generated
// code runs it: it must allocate nothing.
func BenchmarkDo(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
	}
}

// BenchmarkDoBulkhead adds a bulkhead to BenchmarkDo.
func BenchmarkDoBulkhead(b *testing.B) {
	p := newOK()
	rt := runtime.New()
	m := benchMethod(runtime.MethodConfig{Bulkhead: rt.NewBulkhead("Pinger", runtime.BulkheadConfig{})})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
	}
}

// BenchmarkDoTimeout adds a per-attempt timeout, which costs a context
// with a deadline per attempt.
func BenchmarkDoTimeout(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{Timeout: time.Second})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
	}
}

// BenchmarkOpenReject is a call an open breaker turns away.
func BenchmarkOpenReject(b *testing.B) {
	var p pinger = failPinger{}
	rt := runtime.New()
	br := rt.NewBreaker("Pinger", runtime.BreakerConfig{Threshold: 1, Timeout: time.Hour})
	m := benchMethod(runtime.MethodConfig{Breaker: br, Retry: &runtime.RetryConfig{Attempts: 1}})
	ctx := context.Background()
	_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
	if br.State() != runtime.StateOpen {
		b.Fatal("breaker did not open")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
	}
}

// BenchmarkDoParallel is BenchmarkDo from every P at once on one breaker:
// the closed path must not contend.
func BenchmarkDoParallel(b *testing.B) {
	m := benchMethod(runtime.MethodConfig{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		p := newOK()
		ctx := context.Background()
		for pb.Next() {
			_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
		}
	})
}
