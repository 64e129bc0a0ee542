// Package faults injects failures into the calls of resilgen wrappers, so
// that a test, a demo or a game day can watch an agent cope with a failing
// dependency: errors, latency and panics, at a rate, for one method or all.
//
//	client := NewResilientCloud(cloud,
//		runtime.WithRand(rand.NewPCG(1, 2)), // the same faults on every run
//		runtime.WithFaults(
//			faults.Error(0.2),                                  // 20% of attempts fail
//			faults.Latency(0.1, 3*time.Second, faults.For("Cloud", "CreateInstance")),
//		))
//
// Faults are applied per attempt, inside the per-attempt timeout: retries,
// breakers and fallbacks see them as the dependency's own failures, and a
// latency longer than the timeout times the attempt out. Whether an attempt
// is hit is drawn from the runtime's random source (runtime.WithRand), so
// a seeded run injects the same faults. Without runtime.WithFaults nothing
// is injected and the wrappers pay nothing.
package faults

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// ErrInjected is the error an [Error] fault returns unless [WithError] gives
// another. Tests tell injected failures from real ones with errors.Is.
var ErrInjected = errors.New("injected fault")

// kind is what a Fault does to the attempt it hits.
type kind uint8

const (
	kindError   kind = iota // fail without calling
	kindLatency             // wait, then call
	kindPanic               // panic without calling
)

// Fault is one injected failure: what it does, how often, and to which
// methods. It implements runtime.Fault; pass it to runtime.WithFaults. A
// Fault is safe for concurrent use, and may be shared by several runtimes.
type Fault struct {
	kind  kind
	rate  float64
	delay time.Duration
	// iface and method restrict the fault; "" matches any.
	iface, method string
	err           error
	// after says the call goes through before the error: the dependency
	// did the work and its answer was lost.
	after bool
	hits  atomic.Int64
}

// Option adjusts a Fault.
type Option func(*Fault)

// For restricts the fault to the method of the interface, both as the
// wrapper names them (the interface's name without its package, such as
// "Cloud", and the method's, such as "CreateVPC"). An empty method means
// every method of the interface. Without For, a fault applies to every
// wrapped method of the runtime.
func For(iface, method string) Option {
	return func(f *Fault) { f.iface, f.method = iface, method }
}

// WithError makes an [Error] fault return err (wrapped, so that errors.Is
// finds both err and [ErrInjected]) instead of ErrInjected alone: a
// retry or breaker predicate then sees the error it is written for.
func WithError(err error) Option { return func(f *Fault) { f.err = err } }

// AfterCall makes an [Error] fault call the dependency first and then fail
// the attempt anyway, as when a request was carried out and its response
// was lost: the case idempotency exists for.
func AfterCall() Option { return func(f *Fault) { f.after = true } }

// Error returns a fault that fails rate of the attempts (0 to 1) with
// [ErrInjected], without calling the dependency unless [AfterCall] is
// given. It panics when rate is outside [0, 1].
func Error(rate float64, opts ...Option) *Fault {
	return newFault(kindError, rate, 0, opts)
}

// Latency returns a fault that delays rate of the attempts (0 to 1) by d
// before calling the dependency. The wait is on the runtime's clock and
// ends early, with the context's error, when the attempt's context ends:
// a delay longer than the per-attempt timeout makes the attempt time out.
// It panics when rate is outside [0, 1] or d is not positive.
func Latency(rate float64, d time.Duration, opts ...Option) *Fault {
	if d <= 0 {
		panic(fmt.Sprintf("faults.Latency: delay %v is not positive", d))
	}
	return newFault(kindLatency, rate, d, opts)
}

// Panic returns a fault that makes rate of the attempts (0 to 1) panic
// without calling the dependency, as a client library with a bug would.
// The panic goes through the wrapper to the caller. It panics when rate is
// outside [0, 1].
func Panic(rate float64, opts ...Option) *Fault {
	return newFault(kindPanic, rate, 0, opts)
}

func newFault(k kind, rate float64, d time.Duration, opts []Option) *Fault {
	if !(rate >= 0 && rate <= 1) { // also refuses NaN
		panic(fmt.Sprintf("faults: rate %v is outside [0, 1]", rate))
	}
	f := &Fault{kind: k, rate: rate, delay: d}
	for _, o := range opts {
		if o != nil {
			o(f)
		}
	}
	return f
}

// For implements runtime.Fault.
func (f *Fault) For(iface, method string) bool {
	return (f.iface == "" || f.iface == iface) && (f.method == "" || f.method == method)
}

// Rate implements runtime.Fault.
func (f *Fault) Rate() float64 { return f.rate }

// Injected returns how many attempts the fault has hit so far.
func (f *Fault) Injected() int64 { return f.hits.Load() }

// Inject implements runtime.Fault: it does to the attempt it hit what the
// fault is for.
func (f *Fault) Inject(ctx context.Context, clock runtime.Clock) (afterCall bool, err error) {
	f.hits.Add(1)
	switch f.kind {
	case kindLatency:
		t := clock.NewTimer(f.delay)
		select {
		case <-t.C():
			return false, nil
		case <-ctx.Done():
			t.Stop()
			return false, fmt.Errorf("%w: latency of %v: %w", ErrInjected, f.delay, context.Cause(ctx))
		}
	case kindPanic:
		panic(fmt.Sprintf("%v: panic", ErrInjected))
	}
	if f.after {
		return true, f.error("response lost after the call")
	}
	return false, f.error("")
}

// error is the fault's error, with what happened when it is worth saying.
func (f *Fault) error(what string) error {
	switch {
	case f.err != nil && what != "":
		return fmt.Errorf("%w (%s): %w", ErrInjected, what, f.err)
	case f.err != nil:
		return fmt.Errorf("%w: %w", ErrInjected, f.err)
	case what != "":
		return fmt.Errorf("%w: %s", ErrInjected, what)
	}
	return ErrInjected
}

// String describes the fault, such as "error 30% of Cloud.CreateVPC".
func (f *Fault) String() string {
	what := map[kind]string{kindError: "error", kindLatency: "latency " + f.delay.String(), kindPanic: "panic"}[f.kind]
	if f.after {
		what += " after the call"
	}
	target := "every method"
	switch {
	case f.iface != "" && f.method != "":
		target = f.iface + "." + f.method
	case f.iface != "":
		target = "every method of " + f.iface
	case f.method != "":
		target = "every method " + f.method
	}
	return fmt.Sprintf("%s %g%% of %s", what, f.rate*100, target)
}

// Compile-time check that a Fault is a runtime.Fault.
var _ runtime.Fault = (*Fault)(nil)
