package runtime

import "context"

// Pass is what [Method.Straight] hands a call it lets through on the
// straight path: the breaker's state and generation the call was admitted
// under, which its outcome is recorded against. The zero Pass is never
// handed out with ok.
type Pass struct {
	t ticket
}

// Straight reports whether a call may take the straight path: generated
// code then calls the dependency itself, without a closure, and reports
// the outcome with [Method.Succeeded] or [Method.Failed]. It is true when
// the method has no policy but a breaker, a retry and a per-attempt
// timeout, all without work on a success (no observer, bulkhead, retry
// budget, hedge, rate limit, injected faults, slow-call threshold,
// idempotency or step), and
// its breaker, if any, is closed. Otherwise the call goes through
// [Method.Do], which does what Straight and Failed do and the rest.
//
// Admitting a call here is one atomic load, as for Do on a closed breaker.
func (m *Method) Straight() (Pass, bool) {
	if !m.straight {
		return Pass{}, false
	}
	b := m.cfg.Breaker
	if b == nil {
		return Pass{}, true
	}
	st, gen := unpack(b.word.Load())
	return Pass{ticket{st, gen}}, st == StateClosed
}

// AttemptContext returns the context of the first attempt of a call let
// through by [Method.Straight], for a method with a per-attempt timeout:
// ctx with the method's Timeout, as [context.WithTimeout] makes it (a real
// deadline, on the system clock, that the dependency's client can read).
// The caller passes the attempt's error through [Method.Attempted] and
// then calls cancel, in that order.
func (m *Method) AttemptContext(ctx context.Context) (actx context.Context, cancel context.CancelFunc) {
	return context.WithTimeout(ctx, m.cfg.Timeout)
}

// Attempted returns err, the error of the first attempt of a call let
// through by [Method.Straight] and made with actx from
// [Method.AttemptContext], wrapped to say so when the attempt's own
// deadline ended it, exactly as Do reports a timed-out attempt. Call it
// before cancelling actx, which would hide the deadline.
func (m *Method) Attempted(ctx, actx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return m.timedOut(ctx, actx, 1, err)
}

// Succeeded records what the success of a call let through by Straight
// with p counts for: nothing in a breaker's count mode, the success in its
// rate mode.
func (m *Method) Succeeded(p Pass) {
	if b := m.cfg.Breaker; b != nil && b.window != nil {
		b.countSuccess(p.t)
	}
}

// Failed goes on with a call let through by Straight with p whose first
// attempt failed with err: it retries with call as Do would after that
// attempt, records the outcome for the breaker, and returns the error for
// the caller. call gets the attempt's context and must store the results
// itself, as for Do.
func (m *Method) Failed(ctx context.Context, p Pass, err error, call func(context.Context) error) error {
	// The method has no budget, observer or slow threshold (see
	// straightable), so this is what guarded does after attempt 1.
	_, err = m.retryFailed(ctx, err, call)
	if b := m.cfg.Breaker; b != nil {
		b.done(ctx, p.t, err, false)
	}
	return err
}

// straightable reports whether the method's calls can take the straight
// path: nothing but a breaker, a retry and a timeout that need no work
// around a successful first attempt but the attempt's context, which
// generated code makes with AttemptContext. Called once, by NewMethod.
func (m *Method) straightable() bool {
	c := m.cfg
	return m.observer == nil && c.Bulkhead == nil && m.budget == nil && m.hedge == nil &&
		c.RateLimit == nil && m.faults == nil && m.slow <= 0 &&
		c.Idempotent == nil && c.Step == ""
}
