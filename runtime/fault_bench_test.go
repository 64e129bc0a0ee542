package runtime_test

import (
	"context"
	"testing"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/faults"
)

// BenchmarkDoFaultsElsewhere is BenchmarkDo on a runtime with faults that
// apply to other methods: this method must keep the plain path and cost
// what BenchmarkDo costs.
func BenchmarkDoFaultsElsewhere(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{}, runtime.WithFaults(faults.Error(1, faults.For("Other", ""))))
	ctx := context.Background()
	call := func(ctx context.Context) error { return p.Ping(ctx) }
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, call)
	}
}

// BenchmarkDoFaultsMissed is the price of an armed fault that does not
// hit: one draw from the random source per attempt.
func BenchmarkDoFaultsMissed(b *testing.B) {
	p := newOK()
	m := benchMethod(runtime.MethodConfig{}, runtime.WithFaults(faults.Error(0)))
	ctx := context.Background()
	call := func(ctx context.Context) error { return p.Ping(ctx) }
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Do(ctx, call)
	}
}
