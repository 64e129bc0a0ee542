package runtime_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/faults"
)

// TestHappyPathAllocatesNothing holds the contract BenchmarkDo measures: a
// successful call through a closed breaker with retry allocates nothing,
// also with the options that must not cost the happy path anything (an
// Observers of no observer, a seeded jitter source, faults for other
// methods).
func TestHappyPathAllocatesNothing(t *testing.T) {
	for name, opts := range map[string][]runtime.Option{
		"defaults":     nil,
		"no observers": {runtime.WithObserver(runtime.Observers(nil, nil))},
		"seeded rand":  {runtime.WithRand(rand.NewPCG(1, 2))},
		"no faults":    {runtime.WithFaults()},
		// A fault for another method leaves this one on the plain path.
		"faults elsewhere": {runtime.WithFaults(faults.Error(1, faults.For("Other", "")))},
	} {
		t.Run(name, func(t *testing.T) {
			p := newOK()
			m := benchMethod(runtime.MethodConfig{}, opts...)
			ctx := context.Background()
			// The closure is made per call, as generated code makes it:
			// a runtime that lets it escape allocates it every call.
			if n := testing.AllocsPerRun(1000, func() {
				_ = m.Do(ctx, func(ctx context.Context) error { return p.Ping(ctx) })
			}); n != 0 {
				t.Fatalf("%v allocations per call through a closed breaker, want 0", n)
			}
		})
	}
}
