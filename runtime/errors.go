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
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// permanentError is the mark Permanent puts on an error.
type permanentError struct{ err error }

// Error returns the marked error's text: the mark is not part of the message.
func (e *permanentError) Error() string { return e.err.Error() }

// Unwrap returns the marked error, so errors.Is and errors.As see through it.
func (e *permanentError) Unwrap() error { return e.err }

// permanent reports whether err carries the Permanent mark anywhere in its
// chain, and returns err with the mark removed when the mark is outermost.
// It lives in its own function so that the variable errors.As needs, which
// escapes, is only allocated on the failure path.
func permanent(err error) (error, bool) {
	var p *permanentError
	if !errors.As(err, &p) {
		return err, false
	}
	if p == err {
		return p.err, true
	}
	// The mark is inside the caller's own wrapping: keep the caller's context.
	return err, true
}
