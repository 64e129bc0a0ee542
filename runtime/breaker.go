package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

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
func (s State) String() string {
	switch s {
	case StateClosed:
		return "closed"
	case StateOpen:
		return "open"
	case StateHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

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
	// Rate, when set (1 to 100), puts the breaker in rate mode instead of
	// counting Threshold failures: a failure opens it when, counting that
	// failure, at least Rate percent of the calls that ended inside Window
	// failed and at least Min calls ended there. A success never opens it.
	// The window slides in tenths of Window. Rate mode counts every
	// success too: one clock read and a compare-and-swap, without a lock.
	Rate int
	// Min is the fewest calls that must have ended inside Window before
	// Rate can open the breaker. Default 20; read only in rate mode.
	Min int
	// Slow, when positive, counts a call that took Slow or longer as a
	// failure for the breaker, whatever its error; the caller still gets
	// its result. A slow call that succeeded after its caller's context
	// ended stays a success, and one that failed then counts for nothing
	// (see IsFailure). The call's time is read on the runtime's Clock.
	Slow time.Duration
	// IsFailure decides which errors count as failures. Default: every
	// non-nil error. It is not asked about a call that failed after its
	// caller's context had ended (cancelled, or past its deadline): such a
	// call is never a failure, nor a success, whatever its error.
	IsFailure func(error) bool
}

// withDefaults fills the zero fields of c with the directive's defaults.
func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.Threshold <= 0 {
		c.Threshold = 5
	}
	if c.Window <= 0 {
		c.Window = 2 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.HalfOpen <= 0 {
		c.HalfOpen = 2
	}
	if c.Rate > 0 && c.Min <= 0 {
		c.Min = defaultMin
	}
	return c
}

// Breaker is a circuit breaker: CLOSED -> OPEN after Threshold failures inside
// Window; OPEN rejects at once; after Timeout, HALF-OPEN lets at most HalfOpen
// trial calls through; HalfOpen successes close it, one failure reopens it.
//
// A call that fails after its caller's context ended (cancelled, or past
// the caller's deadline) is neither a failure nor a success, whatever its
// error: it says nothing about the dependency. So a dependency that hangs
// opens the breaker only when the method has a per-attempt timeout
// (//resil:timeout, MethodConfig.Timeout), whose expiry ends the attempt
// while the caller still waits and counts as a failure; without one, each
// hanging call ends with its caller's deadline and counts for nothing.
//
// While closed, admitting a call is one atomic load, and a success in count
// mode without Slow writes nothing and reads no clock. Outcomes of calls admitted under an older state
// (a generation ago) are dropped. A Breaker is safe for concurrent use.
type Breaker struct {
	name string

	// word packs the state (low 2 bits) and the generation (the rest), so
	// that the closed path admits a call with a single atomic load. It is
	// only written under mu, by setState.
	word atomic.Uint64
	// openUntil is when an open breaker lets trial calls through, as a
	// time.Duration since base. It is atomic so that a call the breaker
	// rejects takes no lock: setState writes it under mu before the word
	// that says open, and the open path reads it after that word.
	openUntil atomic.Int64
	// openErr is the error every call rejected by the current opening
	// gets, made once per opening (setOpenUntil), so that a rejection
	// allocates nothing. It is written before openUntil, and both before
	// the word that says open: a call that reads them in the other order
	// gets this opening's error, or a later one's.
	openErr atomic.Pointer[CircuitOpenError]
	// fullErr is the error of a call rejected because the breaker is
	// half-open with all its trials taken; made with the breaker.
	fullErr *CircuitOpenError
	// base is the clock's time when the breaker was made. openUntil counts
	// from it, rather than being Unix nanoseconds, so that comparing it
	// with now keeps the monotonic reading of the clock's times.
	base time.Time

	cfg              BreakerConfig
	clock            Clock
	observer         Observer
	iface, ownMethod string

	mu sync.Mutex
	// failures is a ring of the times of the latest failures while closed;
	// the breaker opens when it holds Threshold of them inside Window.
	failures []time.Time
	next     int // where the next failure goes in the ring
	count    int // how many slots of the ring are used
	// window counts successes and failures in rate mode; nil in count
	// mode, which uses the failures ring instead.
	window *rateWindow
	// trials is the number of half-open trial calls in flight, successes the
	// number of consecutive successful ones.
	trials, successes int

	// fleet shares the breaker with other replicas (WithFleet); nil without.
	fleet *fleetLink
}

// stateBits is the width of the state in the packed word.
const stateBits = 2

func pack(s State, gen uint64) uint64 { return gen<<stateBits | uint64(s) }

func unpack(w uint64) (State, uint64) { return State(w & (1<<stateBits - 1)), w >> stateBits }

// NewBreaker returns a breaker named name (the interface, or
// "Interface.Method" for a method's own breaker), reporting its state changes
// and rejections to the runtime's observer.
func (rt *Runtime) NewBreaker(name string, cfg BreakerConfig) *Breaker {
	cfg = cfg.withDefaults()
	b := &Breaker{
		name:     name,
		cfg:      cfg,
		clock:    rt.cfg.clock,
		observer: rt.cfg.observer,
		base:     rt.cfg.clock.Now(),
	}
	if cfg.Rate > 0 {
		b.window = newRateWindow(cfg.Window, b.clock, b.base)
	} else {
		b.failures = make([]time.Time, cfg.Threshold)
	}
	b.fullErr = &CircuitOpenError{Breaker: name, clock: b.clock}
	b.iface, b.ownMethod = splitName(name)
	if rt.cfg.fleet != nil {
		b.joinFleet(rt.cfg.fleet)
	}
	return b
}

// Name returns the name the breaker was made with.
func (b *Breaker) Name() string { return b.name }

// State returns the breaker's state now. An open breaker whose timeout has
// passed reports StateHalfOpen.
func (b *Breaker) State() State {
	st, _ := unpack(b.word.Load())
	if st != StateOpen || b.openFor() > 0 {
		return st
	}
	// An open breaker whose timeout passed moves to half-open here, as on
	// the next call, so that what State says is what a call would meet.
	b.mu.Lock()
	now := b.clock.Now()
	st, _ = unpack(b.word.Load())
	var ev stateChange
	if st == StateOpen && b.openLeft(now) <= 0 {
		ev = b.setState(StateHalfOpen, now)
		st = StateHalfOpen
	}
	b.mu.Unlock()
	b.report(context.Background(), ev)
	return st
}

// ticket is what admission hands a call: the state and generation it was
// admitted under, which its outcome is recorded against.
type ticket struct {
	state State
	gen   uint64
}

// allow admits a call or rejects it with a *CircuitOpenError. The closed
// path is one atomic load; the open path, two loads and a clock read; only
// the moves out of open and the half-open path lock.
func (b *Breaker) allow(ctx context.Context) (ticket, error) {
	st, gen := unpack(b.word.Load())
	if st == StateClosed {
		return ticket{StateClosed, gen}, nil
	}
	return b.allowSlow(ctx, st)
}

// openFor returns how long the breaker, found open by a load of the word
// just before, stays open from now; zero or less when its timeout passed.
// The clock is read after openUntil: a call that moved the breaker to
// half-open before that load read the clock earlier and found the timeout
// passed, so this reading finds it passed too. Rejecting without mu is then
// as exact as under it.
func (b *Breaker) openFor() time.Duration {
	until := time.Duration(b.openUntil.Load())
	return until - b.clock.Now().Sub(b.base)
}

// openLeft is openFor for a time now read by the caller, under mu.
func (b *Breaker) openLeft(now time.Time) time.Duration {
	return time.Duration(b.openUntil.Load()) - now.Sub(b.base)
}

// allowSlow is allow for a breaker found in state st, open or half-open.
func (b *Breaker) allowSlow(ctx context.Context, st State) (ticket, error) {
	if l := b.fleet; l != nil && l.shared.Load() {
		return b.allowFleet(ctx, st)
	}
	if st == StateOpen {
		// Still open: rejected without the lock, which the calls turned
		// away by an open breaker would otherwise all queue on.
		if left := b.openFor(); left > 0 {
			return ticket{}, b.openErr.Load()
		}
	}
	b.mu.Lock()
	st, gen := unpack(b.word.Load())
	var ev stateChange
	switch st {
	case StateClosed:
		// Another call closed it since the fast path looked.
		b.mu.Unlock()
		return ticket{StateClosed, gen}, nil
	case StateOpen:
		// Opened again since the look without the lock, or another call
		// moved it on and back: decide under mu.
		now := b.clock.Now()
		if left := b.openLeft(now); left > 0 {
			err := b.openErr.Load()
			b.mu.Unlock()
			return ticket{}, err
		}
		ev = b.setState(StateHalfOpen, now)
		_, gen = unpack(b.word.Load())
	}
	// Half-open: admit a trial if one is free.
	if b.trials >= b.cfg.HalfOpen {
		b.mu.Unlock()
		b.report(ctx, ev)
		return ticket{}, b.fullErr
	}
	b.trials++
	b.mu.Unlock()
	b.report(ctx, ev)
	return ticket{StateHalfOpen, gen}, nil
}

// outcome is how a call's result counts for the breaker.
type outcome uint8

const (
	outcomeSuccess outcome = iota
	outcomeFailure
	// outcomeIgnored is the caller's own cancellation, or a refusal of the
	// rate limiter: neither a success nor a failure, since it says nothing
	// about the dependency.
	outcomeIgnored
)

// classify says how err counts, for a call made with the caller's ctx.
//
// Any error of a call whose caller's ctx has ended is ignored, not only
// the context's own errors: clients report the caller's deadline in their
// own types (gRPC's status error does not match context.DeadlineExceeded),
// and a call cut short by its caller says nothing about the dependency. A
// per-attempt timeout (//resil:timeout) ends the attempt's context only,
// so its expiry is a failure.
func (b *Breaker) classify(ctx context.Context, err error) outcome {
	if err == nil {
		return outcomeSuccess
	}
	if ctx.Err() != nil || errors.Is(err, ErrRateLimited) {
		// A rate-limited call did not reach the dependency either.
		return outcomeIgnored
	}
	if b.cfg.IsFailure != nil && !b.cfg.IsFailure(err) {
		return outcomeSuccess
	}
	return outcomeFailure
}

// done records the result err of a call admitted with t; slow says the
// call took the breaker's Slow or longer. A success while closed returns at
// once in count mode: it writes nothing and reads no clock. In rate mode
// it is counted, without a lock.
func (b *Breaker) done(ctx context.Context, t ticket, err error, slow bool) {
	if err == nil && !slow && t.state == StateClosed {
		if b.window != nil {
			b.countSuccess(t)
		}
		return
	}
	o := b.classify(ctx, err)
	if slow && o == outcomeSuccess && ctx.Err() == nil {
		o = outcomeFailure
	}
	b.record(ctx, t, o)
}

// countSuccess counts a success of a call admitted while closed, in rate
// mode, unless the breaker has left that closed state since.
func (b *Breaker) countSuccess(t ticket) {
	if _, gen := unpack(b.word.Load()); gen == t.gen {
		b.window.success(b.clock)
	}
}

func (b *Breaker) record(ctx context.Context, t ticket, o outcome) {
	if t.state == StateClosed && o != outcomeFailure {
		if o == outcomeSuccess && b.window != nil {
			b.countSuccess(t)
		}
		return
	}
	if l := b.fleet; l != nil && l.shared.Load() {
		b.recordFleet(ctx, t, o)
		return
	}
	b.mu.Lock()
	if _, gen := unpack(b.word.Load()); gen != t.gen {
		// Admitted under a state the breaker has left: the outcome says
		// nothing about the current state, and a trial slot it held was
		// reset with the generation.
		b.mu.Unlock()
		return
	}
	var ev stateChange
	switch t.state {
	case StateClosed:
		now := b.clock.Now()
		if b.addFailure(now) {
			ev = b.setState(StateOpen, now)
		}
	case StateHalfOpen:
		b.trials--
		switch o {
		case outcomeSuccess:
			b.successes++
			if b.successes >= b.cfg.HalfOpen {
				ev = b.setState(StateClosed, time.Time{})
			}
		case outcomeFailure:
			ev = b.setState(StateOpen, b.clock.Now())
		}
	}
	b.mu.Unlock()
	b.report(ctx, ev)
}

// addFailure counts a failure at now and reports whether the breaker must
// open: in count mode, whether the ring now holds Threshold failures inside
// the window; in rate mode, whether the window's failure rate trips it.
// Called with mu held.
func (b *Breaker) addFailure(now time.Time) bool {
	if b.window != nil {
		b.window.add(now, true)
		return b.window.trips(now, b.cfg.Rate, b.cfg.Min)
	}
	b.failures[b.next] = now
	b.next = (b.next + 1) % len(b.failures)
	if b.count < len(b.failures) {
		b.count++
	}
	if b.count < len(b.failures) {
		return false
	}
	// The ring is full: next is its oldest failure.
	return now.Sub(b.failures[b.next]) < b.cfg.Window
}

// stateChange is a transition to report once mu is released; zero when
// there is none or no observer to tell.
type stateChange struct {
	from, to State
	at       time.Time
	ok       bool
}

// setState is the one place a breaker changes state: it starts a new
// generation, so outcomes of calls admitted before are dropped, and resets
// what the new state counts. Called with mu held; now is only read when
// opening. The caller reports the returned change after unlocking.
func (b *Breaker) setState(to State, now time.Time) stateChange {
	from, gen := unpack(b.word.Load())
	if to == StateOpen {
		// Before the word: a call that sees the word say open must read
		// this opening's time, or a later one's, never an older one's.
		b.setOpenUntil(now.Add(b.cfg.Timeout))
	}
	b.word.Store(pack(to, gen+1))
	switch to {
	case StateClosed:
		b.next, b.count = 0, 0
		if b.window != nil {
			b.window.reset()
		}
	case StateHalfOpen:
		b.trials, b.successes = 0, 0
	}
	if b.observer == nil || from == to {
		return stateChange{}
	}
	if now.IsZero() {
		now = b.clock.Now()
	}
	return stateChange{from: from, to: to, at: now, ok: true}
}

// setOpenUntil sets when the open breaker lets a trial call through, and
// makes the error its rejections share until then. Called with mu held.
func (b *Breaker) setOpenUntil(until time.Time) {
	b.openErr.Store(&CircuitOpenError{Breaker: b.name, Until: until, clock: b.clock})
	b.openUntil.Store(int64(until.Sub(b.base)))
}

// report tells the observer of a state change. It runs without mu, so an
// observer may call back into the breaker.
func (b *Breaker) report(ctx context.Context, c stateChange) {
	if !c.ok {
		return
	}
	b.observer.Observe(ctx, Event{
		Kind:      EventStateChange,
		Time:      c.at,
		Interface: b.iface,
		Method:    b.ownMethod,
		Policy:    "breaker",
		Breaker:   b.name,
		From:      c.from,
		To:        c.to,
	})
}

// CircuitOpenError is the error of a call a breaker rejected. It matches
// ErrCircuitOpen with errors.Is.
//
// The calls one opening of a breaker rejects share one CircuitOpenError,
// as the calls it rejects while half-open with all its trials taken
// share another, so that a rejection allocates nothing: do not modify
// one.
type CircuitOpenError struct {
	// Breaker is the name of the breaker that rejected the call.
	Breaker string
	// Until is when the breaker lets a trial call through, read on the
	// runtime's Clock; zero when it rejected the call because it was
	// half-open with all its trials taken.
	Until time.Time
	// clock is the breaker's, for RetryIn; nil: the system clock.
	clock Clock
}

// RetryIn returns the time from now until the breaker lets a trial call
// through, on the breaker's clock: it decreases as time passes, down to
// zero. It is zero when the breaker rejected the call because it was
// half-open with all its trials taken (Until is zero).
func (e *CircuitOpenError) RetryIn() time.Duration {
	if e.Until.IsZero() {
		return 0
	}
	var now time.Time
	if e.clock != nil {
		now = e.clock.Now()
	} else {
		now = time.Now()
	}
	return max(e.Until.Sub(now), 0)
}

// Error says which breaker rejected the call and when it will try again,
// as RetryIn says when Error is called. The time is rounded up, so that it
// reads well and waiting that long is always enough: to the millisecond
// below 1s ("250ms"), to a tenth of a second below 10s ("2.4s"), and to
// the second from 10s on ("59s", "1m0s"). RetryIn keeps the exact time.
func (e *CircuitOpenError) Error() string {
	if e.Until.IsZero() {
		return fmt.Sprintf("circuit breaker %q is half-open and all its trial calls are in flight", e.Breaker)
	}
	left := e.RetryIn()
	if left <= 0 {
		return fmt.Sprintf("circuit breaker %q was open: it lets trial calls through now", e.Breaker)
	}
	return fmt.Sprintf("circuit breaker %q is open: next trial call in %v", e.Breaker, roundUpForHumans(left))
}

// roundUpForHumans rounds a positive d up to the precision a person reads
// it at: the millisecond below 1s, 100ms below 10s, the second beyond.
func roundUpForHumans(d time.Duration) time.Duration {
	unit := time.Second
	switch {
	case d < time.Second:
		unit = time.Millisecond
	case d < 10*time.Second:
		unit = 100 * time.Millisecond
	}
	r := d % unit
	if r == 0 || d > math.MaxInt64-unit {
		return d
	}
	return d + unit - r
}

// Is reports whether target is ErrCircuitOpen.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }
