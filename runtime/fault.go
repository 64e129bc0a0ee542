package runtime

import (
	"context"
	"math/rand/v2"
)

// Fault is a failure injected into the attempts of wrapped methods, so that
// a test or a drill can watch an agent cope with a failing dependency.
// Package runtime/faults has the faults to use (errors, latency, panics, at
// a rate); [WithFaults] installs them. A Fault must be safe for concurrent
// use.
type Fault interface {
	// For reports whether the fault applies to method of interface iface.
	// It is asked once per method, when the wrapper is built.
	For(iface, method string) bool
	// Rate is the probability, from 0 to 1, that an attempt gets the fault.
	Rate() float64
	// Apply runs an attempt the fault hit, in place of call: it may fail
	// without calling, wait before calling, call and then fail, or panic.
	// ctx is the attempt's context, under its per-attempt deadline; clock
	// is the runtime's, for waits.
	Apply(ctx context.Context, clock Clock, call func(context.Context) error) error
}

// WithFaults injects faults into the attempts of every wrapped method they
// apply to. Each attempt draws, for each fault in order, whether the fault
// hits it; the first that hits runs the attempt (Fault.Apply) and the rest
// are not drawn. Draws come from the source of [WithRand], so a run with a
// seeded source and calls in the same order injects the same faults.
//
// Faults are applied per attempt, inside the per-attempt timeout and below
// retry, breaker and fallback, which see them as the dependency's own
// failures. Without faults, or with none for a method, its calls pay
// nothing for them. A later WithFaults replaces an earlier one.
func WithFaults(faults ...Fault) Option {
	var fs []Fault
	for _, f := range faults {
		if f != nil {
			fs = append(fs, f)
		}
	}
	return func(c *config) { c.faults = fs }
}

// faultsFor returns the faults of faults that apply to iface.method, nil
// when none does, so that such a method keeps the plain path.
func faultsFor(faults []Fault, iface, method string) []Fault {
	var out []Fault
	for _, f := range faults {
		if f.For(iface, method) {
			out = append(out, f)
		}
	}
	return out
}

// invoke runs call for one attempt, through the method's faults when it has
// any. Every attempt goes through it, inside the per-attempt timeout.
func (m *Method) invoke(ctx context.Context, call func(context.Context) error) error {
	if m.faults != nil {
		return m.injected(ctx, call)
	}
	return call(ctx)
}

// injected draws the method's faults for one attempt and runs the attempt
// through the first that hits, or calls through when none does.
func (m *Method) injected(ctx context.Context, call func(context.Context) error) error {
	for _, f := range m.faults {
		if m.draw() < f.Rate() {
			return f.Apply(ctx, m.clock, call)
		}
	}
	return call(ctx)
}

// draw returns a number in [0, 1) from the runtime's source.
func (m *Method) draw() float64 {
	if m.rand == nil {
		return rand.Float64()
	}
	return m.rand.float64()
}
