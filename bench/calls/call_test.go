package calls_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/failsafe-go/failsafe-go/timeout"
	"github.com/sony/gobreaker/v2"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/resilgen/resilgen/bench/calls"
	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/otelobserver"
	"github.com/resilgen/resilgen/runtime/observe/slogobserver"
)

// okGetter is the dependency every call benchmark ends in. It keeps no
// state, so that RunParallel goroutines share it without contending on
// anything but what the policy in front of it shares.
type okGetter struct{}

// Get is kept out of line so that every benchmark pays one real call, as a
// call to a network client's method does. It does not apply opts: the
// benchmarks pass none, and applying them would make an Options escape in
// every case alike, hiding what the wrappers cost.
//
//go:noinline
func (okGetter) Get(_ context.Context, key string, n int, _ ...calls.Option) (int, error) {
	return len(key) * n, nil
}

var errDown = errors.New("dependency down")

// downGetter always fails: it trips the breakers of the open-breaker
// benchmarks.
type downGetter struct{}

//go:noinline
func (downGetter) Get(context.Context, string, int, ...calls.Option) (int, error) { return 0, errDown }

// asGetter hides the concrete type of g from the compiler, so that it
// cannot devirtualize or inline the call: every benchmark, baseline
// included, calls through the interface as a user of the wrapper does.
//
//go:noinline
func asGetter(g calls.Getter) calls.Getter { return g }

// gobreakerGetter is the wrapper a gobreaker user writes by hand: Get
// through CircuitBreaker.Execute. The caller's ctx reaches the dependency
// through the closure; gobreaker itself takes none.
type gobreakerGetter struct {
	next calls.Getter
	cb   *gobreaker.CircuitBreaker[int]
}

func (g *gobreakerGetter) Get(ctx context.Context, key string, n int, opts ...calls.Option) (int, error) {
	return g.cb.Execute(func() (int, error) { return g.next.Get(ctx, key, n, opts...) })
}

func newGobreaker(next calls.Getter) *gobreakerGetter {
	// The settings of resilgen's default breaker as far as gobreaker has
	// them: open after 5 failures, stay open 60s, 2 trial calls.
	return &gobreakerGetter{next: next, cb: gobreaker.NewCircuitBreaker[int](gobreaker.Settings{
		Name:        "Getter",
		MaxRequests: 2,
		Timeout:     60 * time.Second,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
	})}
}

// failsafeGetter is the wrapper a failsafe-go user writes by hand: Get
// through an Executor built once. The caller's ctx reaches the dependency
// through the closure rather than Executor.WithContext, which copies the
// executor on every call: this is failsafe-go's cheapest form.
type failsafeGetter struct {
	next calls.Getter
	exec failsafe.Executor[int]
}

func (g *failsafeGetter) Get(ctx context.Context, key string, n int, opts ...calls.Option) (int, error) {
	return g.exec.Get(func() (int, error) { return g.next.Get(ctx, key, n, opts...) })
}

// failsafeBreaker is a failsafe-go breaker with resilgen's defaults.
func failsafeBreaker() circuitbreaker.CircuitBreaker[int] {
	return circuitbreaker.NewBuilder[int]().
		WithFailureThreshold(5).
		WithDelay(60 * time.Second).
		WithSuccessThreshold(2).
		Build()
}

// failsafeRetry is a failsafe-go retry with resilgen's defaults.
func failsafeRetry() retrypolicy.RetryPolicy[int] {
	return retrypolicy.NewBuilder[int]().
		WithMaxAttempts(3).
		WithBackoff(100*time.Millisecond, 10*time.Second).
		Build()
}

// directTimeout is a per-attempt deadline written by hand around the
// direct call: the least //resil:timeout 1s can cost, a context with a
// deadline (and its timer) per call, cancelled as soon as the call returns.
type directTimeout struct{ next calls.Getter }

func (g *directTimeout) Get(ctx context.Context, key string, n int, opts ...calls.Option) (int, error) {
	ctx2, cancel := context.WithTimeout(ctx, time.Second)
	r, err := g.next.Get(ctx2, key, n, opts...)
	cancel()
	return r, err
}

// callCase is one way of making the call: a name and a constructor
// wrapping the dependency.
type callCase struct {
	name string
	wrap func(calls.Getter) calls.Getter
}

// happyCases are the ways of calling the dependency on the happy path,
// the baseline first. resilgen's policies are composed outermost first as
// failsafe-go's executors compose them: breaker, then retry, then timeout.
var happyCases = []callCase{
	{"direct", func(g calls.Getter) calls.Getter { return g }},
	// The baseline of the per-attempt timeout: direct with its deadline.
	{"direct-timeout", func(g calls.Getter) calls.Getter { return &directTimeout{next: g} }},
	{"resilgen-breaker", func(g calls.Getter) calls.Getter { return calls.NewResilientBreaker(g) }},
	{"resilgen-breaker-retry", func(g calls.Getter) calls.Getter { return calls.NewResilientBreakerRetry(g) }},
	{"resilgen-breaker-retry-timeout", func(g calls.Getter) calls.Getter { return calls.NewResilientBreakerRetryTimeout(g) }},
	{"gobreaker", func(g calls.Getter) calls.Getter { return newGobreaker(g) }},
	{"failsafe-breaker", func(g calls.Getter) calls.Getter {
		return &failsafeGetter{next: g, exec: failsafe.With[int](failsafeBreaker())}
	}},
	{"failsafe-breaker-retry", func(g calls.Getter) calls.Getter {
		return &failsafeGetter{next: g, exec: failsafe.With[int](failsafeBreaker(), failsafeRetry())}
	}},
	{"failsafe-breaker-retry-timeout", func(g calls.Getter) calls.Getter {
		return &failsafeGetter{next: g, exec: failsafe.With[int](failsafeBreaker(), failsafeRetry(), timeout.New[int](time.Second))}
	}},
	// Degradation (degrade_test.go): the rate mode, which counts every
	// success, against failsafe-go's time-based rate breaker; and a
	// hedged call whose first try answers before the hedge's delay.
	{"resilgen-breaker-rate", func(g calls.Getter) calls.Getter { return calls.NewResilientBreakerRate(g) }},
	{"failsafe-breaker-rate", func(g calls.Getter) calls.Getter {
		return &failsafeGetter{next: g, exec: failsafe.With[int](failsafeRateBreaker())}
	}},
	{"resilgen-breaker-hedge", func(g calls.Getter) calls.Getter { return calls.NewResilientBreakerHedge(g) }},
}

// observerCases are resilgen-breaker-retry with an observer adapter, as a
// program that exports its resilience telemetry runs it: what the adapter
// costs is their time minus resilgen-breaker-retry's.
//
//   - otel: otelobserver on an SDK MeterProvider whose reader (a
//     ManualReader, never collected here) makes every instrument enabled,
//     so each call records its attempt and call measurements; there is no
//     span in the context, so no span event.
//   - slog: slogobserver on a logger whose level is Info, the common
//     production setting: the healthy path's events are Debug, so the
//     adapter asks the handler and logs nothing.
var observerCases = []callCase{
	{"resilgen-breaker-retry-otel", func(g calls.Getter) calls.Getter {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		obs, err := otelobserver.New(otelobserver.WithMeterProvider(mp))
		if err != nil {
			panic(err)
		}
		return calls.NewResilientBreakerRetry(g, runtime.WithObserver(obs))
	}},
	{"resilgen-breaker-retry-slog", func(g calls.Getter) calls.Getter {
		logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		return calls.NewResilientBreakerRetry(g, runtime.WithObserver(slogobserver.New(logger)))
	}},
}

// openCases are breakers that have tripped: each call is rejected at once.
// Each constructor trips its breaker before returning it.
var openCases = []callCase{
	{"resilgen-breaker-open", func(g calls.Getter) calls.Getter { return trip(calls.NewResilientBreaker(g)) }},
	{"gobreaker-open", func(g calls.Getter) calls.Getter { return trip(newGobreaker(g)) }},
	{"failsafe-breaker-open", func(g calls.Getter) calls.Getter {
		return trip(&failsafeGetter{next: g, exec: failsafe.With[int](failsafeBreaker())})
	}},
}

// trip calls g, which must wrap a downGetter, until its breaker rejects a
// call, and panics when it never does: an open-breaker benchmark that
// measured failing calls instead would be silently wrong.
func trip(g calls.Getter) calls.Getter {
	ctx := context.Background()
	for range 100 {
		_, err := g.Get(ctx, "k", 1)
		if err != nil && !errors.Is(err, errDown) {
			return g // rejected: open
		}
	}
	panic("breaker did not open after 100 failures")
}

// BenchmarkCall measures one call through each wrapper, sequentially (seq)
// and from every P at once on one shared wrapper (par). The overhead of a
// wrapper is its time minus direct's, from the same run.
func BenchmarkCall(b *testing.B) {
	for _, mode := range []string{"seq", "par"} {
		b.Run(mode, func(b *testing.B) {
			for _, c := range append(happyCases[:len(happyCases):len(happyCases)], observerCases...) {
				b.Run(c.name, func(b *testing.B) { benchCall(b, mode, asGetter(c.wrap(okGetter{})), nil) })
			}
			for _, c := range openCases {
				b.Run(c.name, func(b *testing.B) {
					benchCall(b, mode, asGetter(c.wrap(downGetter{})), func(err error) bool {
						return errors.Is(err, runtime.ErrCircuitOpen) || errors.Is(err, gobreaker.ErrOpenState) ||
							errors.Is(err, circuitbreaker.ErrOpen)
					})
				})
			}
		})
	}
}

// benchCall calls g in a loop. want, when set, must accept the error of
// every call (open breakers); otherwise every call must succeed. The check
// keeps each benchmark honest about which path it measured, and costs the
// same for every case.
func benchCall(b *testing.B, mode string, g calls.Getter, want func(error) bool) {
	check := func(err error) {
		if want == nil && err != nil || want != nil && !want(err) {
			b.Fatalf("unexpected result: %v", err)
		}
	}
	b.ReportAllocs()
	if mode == "seq" {
		ctx := context.Background()
		for b.Loop() {
			_, err := g.Get(ctx, "key", 1)
			check(err)
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			_, err := g.Get(ctx, "key", 1)
			if want == nil && err != nil || want != nil && !want(err) {
				// Fatal may not be called from RunParallel goroutines.
				b.Errorf("unexpected result: %v", err)
				return
			}
		}
	})
}
