package runtime

import (
	"context"
	"errors"
)

// FallbackOn says when a method's fallback (//resil:fallback) answers
// instead of the dependency.
type FallbackOn uint8

const (
	// FallbackNever: the method has no fallback.
	FallbackNever FallbackOn = iota
	// FallbackRejected: only when the dependency was not called because
	// a policy rejected the call ([IsRejection]).
	FallbackRejected
	// FallbackFailed: also when the call failed after its retries.
	FallbackFailed
)

// IsRejection reports whether err is a call that a policy refused rather
// than the dependency: an open breaker ([ErrCircuitOpen]), a full bulkhead
// ([ErrBulkheadFull]), an attempt the rate limiter refused
// ([ErrRateLimited]), or a retry the retry budget refused
// ([ErrRetryBudget]). The last two may end a call whose earlier attempts
// reached the dependency and failed: the load-shedding policies gave up on
// it, not the dependency.
func IsRejection(err error) bool {
	return errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrBulkheadFull) ||
		errors.Is(err, ErrRateLimited) || errors.Is(err, ErrRetryBudget)
}

// Fallback reports whether a call of the method that ended with err must
// be answered by the method's fallback, and reports it to the observer
// when so. Generated wrappers ask it after Do or DoRecorded returned err,
// and then call the fallback func with the call's arguments and err; the
// fallback's results are never recorded nor journaled.
//
// It is false for a nil err, for a method without fallback, and whenever
// the caller's ctx has ended (cancelled, or past its deadline): the caller
// gave up, so nothing answers it. With [FallbackRejected] it is true only
// for a rejection ([IsRejection]); with [FallbackFailed], for any error.
func (m *Method) Fallback(ctx context.Context, err error) bool {
	if err == nil || m.cfg.Fallback == FallbackNever || ctx.Err() != nil {
		return false
	}
	if m.cfg.Fallback == FallbackRejected && !IsRejection(err) {
		return false
	}
	if m.observer != nil {
		m.event(ctx, Event{Kind: EventFallback, Policy: "fallback", Err: err})
	}
	return true
}
