package runtime

import "time"

// State is a circuit breaker's state.
type State uint8

// The states of a breaker, as in the chapter's diagram.
const (
	// StateClosed lets every call through and counts failures.
	StateClosed State = iota
	// StateOpen rejects every call at once with ErrCircuitOpen.
	StateOpen
	// StateHalfOpen lets a few trial calls through to probe the dependency.
	StateHalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string { panic("unimplemented") }

// BreakerConfig sets a breaker's thresholds. A zero field takes the default
// written beside it, the default of the //resil:breaker directive.
type BreakerConfig struct {
	// Threshold is the number of failures inside Window that opens the
	// breaker. Default 5.
	Threshold int
	// Window is the sliding window failures are counted in. Default 2m.
	Window time.Duration
	// Timeout is how long the breaker stays open before it lets trial calls
	// through. Default 60s.
	Timeout time.Duration
	// HalfOpen is both the most trial calls in flight while half-open and the
	// number of consecutive successes that close the breaker. Default 2.
	HalfOpen int
	// IsFailure decides which errors count as failures. Default: every
	// non-nil error except the caller's own context cancellation.
	IsFailure func(error) bool
}

// Breaker is a circuit breaker: CLOSED -> OPEN after Threshold failures inside
// Window; OPEN rejects at once; after Timeout, HALF-OPEN lets at most HalfOpen
// trial calls through; HalfOpen successes close it, one failure reopens it.
//
// While closed, admitting a call is one atomic load, and a success writes
// nothing and reads no clock. Outcomes of calls admitted under an older state
// (a generation ago) are dropped. A Breaker is safe for concurrent use.
type Breaker struct {
	name string
}

// NewBreaker returns a breaker named name (the interface, or
// "Interface.Method" for a method's own breaker), reporting its state changes
// and rejections to the runtime's observer.
func (rt *Runtime) NewBreaker(name string, cfg BreakerConfig) *Breaker {
	panic("unimplemented")
}

// Name returns the name the breaker was made with.
func (b *Breaker) Name() string { return b.name }

// State returns the breaker's state now. An open breaker whose timeout has
// passed reports StateHalfOpen.
func (b *Breaker) State() State { panic("unimplemented") }

// CircuitOpenError is the error of a call a breaker rejected. It matches
// ErrCircuitOpen with errors.Is.
type CircuitOpenError struct {
	// Breaker is the name of the breaker that rejected the call.
	Breaker string
	// RetryIn is the time until the breaker lets a trial call through;
	// zero when it is half-open with all its trials taken.
	RetryIn time.Duration
}

// Error says which breaker rejected the call and when it will try again.
func (e *CircuitOpenError) Error() string { panic("unimplemented") }

// Is reports whether target is ErrCircuitOpen.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }
