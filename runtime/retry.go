package runtime

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Jitter is how a retry randomizes its backoff.
type Jitter uint8

// The jitter kinds of //resil:retry jitter=. The waits below are drawn
// uniformly, both bounds included. For full, equal and none, backoff is
// the exponential backoff after failed attempt n (from 1), capped first:
// backoff = min(Max, Base*2^(n-1)). Every wait is capped at Max again
// after jitter.
const (
	// JitterFull waits a random duration in [0, backoff]. The default.
	JitterFull Jitter = iota
	// JitterEqual waits a random duration in [backoff/2, backoff].
	JitterEqual
	// JitterDecorrelated does not use n: it waits a random duration in
	// [Base, min(Max, 3*prev)], where prev is the previous wait of the
	// same call, raised to Base when it is shorter (so also before the
	// first wait, which lies in [Base, 3*Base]). When 3*prev would exceed
	// Max the upper bound is Max.
	JitterDecorrelated
	// JitterNone waits exactly backoff.
	JitterNone
)

// String returns the jitter's name as the directive spells it.
func (j Jitter) String() string {
	switch j {
	case JitterFull:
		return "full"
	case JitterEqual:
		return "equal"
	case JitterDecorrelated:
		return "decorrelated"
	case JitterNone:
		return "none"
	}
	return "Jitter(" + strconv.Itoa(int(j)) + ")"
}

// RetryConfig sets a method's retry. A zero field takes the default written
// beside it, the default of the //resil:retry directive.
type RetryConfig struct {
	// Attempts is the total number of tries, the first included. Default 3.
	Attempts int
	// Base is the backoff before the second try; it doubles each time.
	// Default 100ms. A Base above Max is lowered to Max.
	Base time.Duration
	// Max caps every wait, after jitter. Default 10s.
	Max time.Duration
	// Jitter randomizes the waits. Default JitterFull.
	Jitter Jitter
	// If decides which errors are retried. Default: all but the never-retried
	// ones (the caller's cancellation, ErrCircuitOpen, ErrBulkheadFull,
	// ErrRateLimited, Permanent errors), which If is not asked about.
	If func(error) bool
	// After reads a server's hint of when to try again from a failed
	// attempt's error, for errors that carry it otherwise than through
	// [RetryAfterer] (see [ParseRetryAfter]). ok false: no hint. The next
	// wait is the larger of the hint and the backoff.
	After func(err error) (d time.Duration, ok bool)
}

// withDefaults fills the zero fields of c with the directive's defaults.
func (c RetryConfig) withDefaults() RetryConfig {
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.Base <= 0 {
		c.Base = 100 * time.Millisecond
	}
	if c.Max <= 0 {
		c.Max = 10 * time.Second
	}
	if c.Max < c.Base {
		// A cap below the first wait would make every wait the cap; take
		// the cap at its word instead of silently raising it.
		c.Base = c.Max
	}
	return c
}

// RetryError is the error of a call whose attempts ran out, or whose wait
// was cut short by the caller's context. It wraps the last attempt's error
// and, on cancellation, the context's cause: errors.Is and errors.As see both.
type RetryError struct {
	// Attempts is the number of attempts that ran.
	Attempts int
	// Last is the last attempt's error.
	Last error
	// Cause is why the retries stopped before the attempts ran out:
	// context.Cause of the caller's context when a wait was cut short,
	// ErrRetryBudget when the retry budget refused the next retry, a
	// *HintError when the server's hint passed the caller's deadline. It
	// is nil when the attempts ran out.
	Cause error
}

// Error says how many attempts ran and what the last one returned.
func (e *RetryError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("retry stopped after %d attempts: %v; last attempt: %v", e.Attempts, e.Cause, e.Last)
	}
	return fmt.Sprintf("all %d attempts failed; last attempt: %v", e.Attempts, e.Last)
}

// Unwrap returns the last error and, when set, the cause.
func (e *RetryError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Last, e.Cause}
	}
	return []error{e.Last}
}

// retryable reports whether a failed attempt's err may be tried again. It
// is only asked once the caller's context is known to be alive.
func (c *RetryConfig) retryable(err error) bool {
	if errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrBulkheadFull) || errors.Is(err, ErrRateLimited) {
		// A rejection, this wrapper's rate limiter's or a nested wrapper's:
		// retrying it would hammer a policy that just said no.
		return false
	}
	if c.If != nil {
		return c.If(err)
	}
	return true
}
