// Package calls holds the interfaces the call-overhead and store benchmarks
// wrap, and the wrappers resilgen generated for them (resil_gen.go, made by
// the main module's cmd/resilgen and committed, so that the benchmarks
// measure generated code as users get it, not a hand-written imitation).
//
// Every interface has the same single method as [Getter]: a context, a key,
// a count and call options, one result and an error, the shape of a real
// client's method (an SDK's Get(ctx, input, optFns...)). Each one differs
// from the others only in its directives, so that a benchmark's name says
// which policies it pays for.
package calls

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import "context"

// Getter is the dependency: the direct call is a call through it. Its
// final variadic parameter is call options, as SDK clients have them: the
// wrappers pass them on and leave them out of idempotency fingerprints. The
// benchmarks pass none, as most calls do.
type Getter interface {
	Get(ctx context.Context, key string, n int, opts ...Option) (int, error)
}

// Options are what a call's options change.
type Options struct{ Region string }

// Option changes one call's Options, like an SDK's optFns.
type Option func(*Options)

// Breaker is Getter behind a circuit breaker, nothing else.
//
//resil:breaker
type Breaker interface {
	Getter
}

// BreakerRetry adds a retry inside the breaker. The retry only costs
// something when an attempt fails; the benchmark measures what it costs when
// none does.
//
//resil:breaker
//resil:readonly
//resil:retry attempts=3
type BreakerRetry interface {
	Getter
}

// BreakerRetryTimeout adds a per-attempt deadline, which needs a context
// with a deadline (and its timer) per attempt.
//
//resil:breaker
//resil:readonly
//resil:retry attempts=3
//resil:timeout 1s
type BreakerRetryTimeout interface {
	Getter
}

// Idempotent records each key's result in the wrapper's store and answers
// later calls with that key from it.
//
//resil:idempotent key=key
type Idempotent interface {
	Getter
}

// Checkpointed journals each call's result as a step (named after the
// method) of the workflow in its context.
//
//resil:checkpoint
type Checkpointed interface {
	Getter
}

// BreakerRate is Getter behind a breaker in rate mode: it opens when half
// the calls of its 2-minute window failed, once 20 ended. It must count
// every success, which the count mode does not.
//
//resil:breaker rate=50 min=20
type BreakerRate interface {
	Getter
}

// BreakerHedge is Breaker with a hedge: a second try after 200ms without
// an answer. The benchmark's dependency answers at once, so it measures
// what a hedge costs a call that never needs it.
//
//resil:breaker
//resil:readonly
//resil:hedge delay=200ms
type BreakerHedge interface {
	Getter
}
