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
	// Inject runs before an attempt the fault hit. It may wait (on clock,
	// the runtime's, ending early when ctx, the attempt's context under its
	// per-attempt deadline, ends) or panic. A nil error lets the attempt
	// call the dependency as usual; an error fails the attempt, without
	// calling the dependency, or, when afterCall is true, after a call that
	// succeeded (a response lost on its way back).
	Inject(ctx context.Context, clock Clock) (afterCall bool, err error)
}

// WithFaults injects faults into the attempts of every wrapped method they
// apply to. Each attempt draws, for each fault in order, whether the fault
// hits it; the first that hits is injected (Fault.Inject) and the rest are
// not drawn. Draws come from the source of [WithRand], so a run with a
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
// through the first that hits, or calls through when none does. call is
// never handed to a Fault: a func value passed to an interface method
// escapes, and the closure of every generated call would then be
// allocated, faults or not.
func (m *Method) injected(ctx context.Context, call func(context.Context) error) error {
	for _, f := range m.faults {
		if m.draw() >= f.Rate() {
			continue
		}
		afterCall, err := f.Inject(ctx, m.clock)
		if err == nil {
			return call(ctx)
		}
		if !afterCall {
			return err
		}
		if cerr := call(ctx); cerr != nil {
			return cerr
		}
		return err
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
