package runtime_test

import (
	"context"
	"strconv"
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

// BenchmarkDoObserved is BenchmarkDo with an observer that does nothing:
// what the runtime itself spends on events (clock reads, building them).
func BenchmarkDoObserved(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{}, runtime.WithObserver(runtime.ObserverFunc(func(context.Context, runtime.Event) {})))
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

// idemRecording is the recording of Charge(ctx, "acct-42", 100) (int, error)
// as generated code builds it, with out as the result.
func idemRecording(key string, out *int) runtime.Recording {
	return runtime.Recording{Key: key, Args: []any{"acct-42", 100}, Results: []any{out}}
}

// BenchmarkIdempotentHit is a call whose key is already recorded, on the
// memory store: what the runtime costs over a map lookup.
func BenchmarkIdempotentHit(b *testing.B) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Payments", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
	ctx := context.Background()
	var out int
	rec := idemRecording("order-1", &out)
	call := func(context.Context) error { out = 7; return nil }
	if err := m.DoRecorded(ctx, rec, call); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out = 0
		if err := m.DoRecorded(ctx, rec, call); err != nil || out != 7 {
			b.Fatal(err, out)
		}
	}
}

// BenchmarkIdempotentHitStruct is BenchmarkIdempotentHit for the log
// analysis scenario's shape: a struct argument and a slice of structs with
// times as the result, which the memory store keeps decoded after the
// first hit and copies.
func BenchmarkIdempotentHitStruct(b *testing.B) {
	type event struct {
		Time            time.Time
		Stream, Message string
	}
	type query struct {
		Group, Pattern string
		Start, End     time.Time
	}
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	events := []event{{t0, "api-1", "OOMKilled: container api exceeded 512Mi"}, {t0.Add(time.Second), "api-2", "connection refused"}}
	q := query{"/prod/api", "ERROR", t0, t0.Add(time.Hour)}
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Filter", Idempotent: &runtime.IdempotencyConfig{}})
	ctx := context.Background()
	get := func() []event {
		var out []event
		err := m.DoRecorded(ctx, runtime.Recording{Key: "q-1", Args: []any{&q}, Results: []any{&out}},
			func(context.Context) error { out = events; return nil })
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	get()
	b.ReportAllocs()
	for b.Loop() {
		if out := get(); len(out) != 2 {
			b.Fatal(out)
		}
	}
}

// BenchmarkIdempotentMiss is a call with a new key each time, on the memory
// store: claim, call, record.
func BenchmarkIdempotentMiss(b *testing.B) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Payments", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
	ctx := context.Background()
	var out int
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "order-" + strconv.Itoa(i)
	}
	call := func(context.Context) error { out = 7; return nil }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Past the prepared keys, a new key costs the benchmark an
		// allocation of its own, the same before and after a change.
		key := ""
		if i < len(keys) {
			key = keys[i]
		} else {
			key = "order-" + strconv.Itoa(i)
		}
		i++
		if err := m.DoRecorded(ctx, idemRecording(key, &out), call); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenRejectParallel is BenchmarkOpenReject from every P at once
// on one open breaker.
func BenchmarkOpenRejectParallel(b *testing.B) {
	var p pinger = failPinger{}
	rt := runtime.New()
	br := rt.NewBreaker("Pinger", runtime.BreakerConfig{Threshold: 1, Timeout: time.Hour})
	m := benchMethod(runtime.MethodConfig{Breaker: br, Retry: &runtime.RetryConfig{Attempts: 1}})
	_ = m.Do(context.Background(), func(ctx context.Context) error { return p.Ping(ctx) })
	if br.State() != runtime.StateOpen {
		b.Fatal("breaker did not open")
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
		}
	})
}

// straightPing is Ping as a generated wrapper calls it on the straight
// path, Do when the path is closed to it.
func straightPing(ctx context.Context, m *runtime.Method, p pinger) error {
	if pass, ok := m.Straight(); ok {
		err := p.Ping(ctx)
		if err == nil {
			m.Succeeded(pass)
			return nil
		}
		return m.Failed(ctx, pass, err, p.Ping)
	}
	return m.Do(ctx, p.Ping)
}

// BenchmarkStraight is BenchmarkDo's call on the straight path of
// generated code: one atomic load over BenchmarkDirect.
func BenchmarkStraight(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = straightPing(ctx, m, p)
	}
}

// BenchmarkStraightParallel is BenchmarkStraight from every P at once on
// one breaker.
func BenchmarkStraightParallel(b *testing.B) {
	m := benchMethod(runtime.MethodConfig{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		p := newOK()
		ctx := context.Background()
		for pb.Next() {
			_ = straightPing(ctx, m, p)
		}
	})
}

// BenchmarkDirectParallel is BenchmarkDirect from every P at once: the
// baseline of the parallel benchmarks.
func BenchmarkDirectParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		p := newOK()
		ctx := context.Background()
		for pb.Next() {
			_ = p.Ping(ctx)
		}
	})
}
