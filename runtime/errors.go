package runtime

import "errors"

var (
	// ErrCircuitOpen is returned, wrapped in a [*CircuitOpenError], by a call
	// that a breaker rejected because it is open or its half-open trials are
	// all taken. It is never retried.
	ErrCircuitOpen = errors.New("circuit breaker is open")

	// ErrBulkheadFull is returned by a call that found the bulkhead's slots
	// all taken and could not get one within its wait. It is never retried.
	ErrBulkheadFull = errors.New("bulkhead is full")

	// ErrIdempotencyConflict is returned by an idempotent call whose key was
	// already used with different arguments.
	ErrIdempotencyConflict = errors.New("idempotency key reused with different arguments")

	// ErrNonDeterministic is returned by a workflow step whose name differs
	// from the step journaled at the same position: the workflow's code took
	// another path than on the run that recorded the journal.
	ErrNonDeterministic = errors.New("workflow replay is not deterministic")

	// ErrLeaseLost is returned by a Store when a claim's owner no longer holds
	// it (its lease expired and another owner took the key over).
	ErrLeaseLost = errors.New("idempotency claim lease lost")
)

// Permanent marks err as not worth retrying: retry stops at once and returns
// err itself (unwrapped, so that an outer retry is not stopped by an inner
// one giving up). A permanent error still counts as a breaker failure.
// Permanent(nil) is nil.
func Permanent(err error) error { panic("unimplemented") }
