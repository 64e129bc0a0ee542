package runtime

import (
	"errors"
	"sync/atomic"
)

// ErrRetryBudget is the [RetryError.Cause] of a call whose retry the retry
// budget refused: the call ends with its last attempt's error.
var ErrRetryBudget = errors.New("retry budget exhausted")

// RetryBudget caps retries in flight at a ratio of the calls in flight, so
// that under an outage retries do not multiply the load on a dependency.
// Give one to several wrappers with [WithRetryBudget] to share it; the calls
// it counts are those of the methods that retry or hedge, and it admits
// their hedges as it admits retries. It is safe for concurrent use.
type RetryBudget struct {
	ratio float64
	min   uint64
	// state holds the calls in flight in its high 32 bits and the retries
	// in flight in its low 32, so that a retry is admitted against one
	// consistent count with a single compare-and-swap.
	state atomic.Uint64
}

// NewRetryBudget returns a budget that refuses a retry when at least min
// calls are in flight under it and the retries in flight would exceed ratio
// of them (0.1: one retry for ten calls). Below min calls every retry is
// admitted, so that a quiet service still retries. A negative ratio or min
// is taken as 0.
func NewRetryBudget(ratio float64, min int) *RetryBudget {
	return &RetryBudget{ratio: max(ratio, 0), min: uint64(max(min, 0))}
}

// WithRetryBudget makes every retrying or hedging method of the wrapper
// draw its retries and hedges from b. Wrappers given the same b share it.
func WithRetryBudget(b *RetryBudget) Option { return func(c *config) { c.budget = b } }

const callUnit = 1 << 32

// InFlight returns the calls and the retries in flight under the budget now.
func (b *RetryBudget) InFlight() (calls, retries int) {
	s := b.state.Load()
	return int(s >> 32), int(s & (callUnit - 1))
}

// enter counts a call in flight; exit ends it.
func (b *RetryBudget) enter() { b.state.Add(callUnit) }
func (b *RetryBudget) exit()  { b.state.Add(^uint64(callUnit - 1)) }

// admit counts a retry in flight and reports true, or reports false when
// the budget refuses it. An admitted retry ends with retried.
func (b *RetryBudget) admit() bool {
	for {
		s := b.state.Load()
		calls, retries := s>>32, s&(callUnit-1)
		if calls >= b.min && float64(retries+1) > b.ratio*float64(calls) {
			return false
		}
		if b.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// retried ends a retry admitted by admit.
func (b *RetryBudget) retried() { b.state.Add(^uint64(0)) }
