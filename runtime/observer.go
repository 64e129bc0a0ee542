package runtime

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// EventKind says what happened.
type EventKind uint8

// The events a runtime reports.
const (
	// EventStateChange: a breaker moved From -> To.
	EventStateChange EventKind = iota + 1
	// EventRetry: an attempt failed (Err) and attempt number Attempt+1 is
	// scheduled after Delay.
	EventRetry
	// EventRejected: Policy ("breaker" or "bulkhead") refused the call.
	EventRejected
	// EventIdempotentHit: a recorded result was returned for Key without
	// calling through.
	EventIdempotentHit
	// EventStepReplayed: step Step at Seq of workflow Workflow was replayed
	// from the journal.
	EventStepReplayed
	// EventStepRecorded: step Step at Seq of workflow Workflow ran and was
	// journaled.
	EventStepRecorded
	// EventAttempt: attempt number Attempt ended after Duration with Err.
	EventAttempt
	// EventCall: a call ended with Err after Attempt attempts. Attempt is
	// zero when the call was rejected, or answered without calling through:
	// then Policy is "idempotency" for an idempotent call answered from its
	// record, "checkpoint" for a checkpointed method answered from its
	// workflow's journal. An ad-hoc [Step] is not a call and has none.
	EventCall
	// EventRateLimited: the rate limiter refused attempt number Attempt
	// (Err wraps ErrRateLimited, or is the caller's cancellation while it
	// waited), or let it through after it waited Delay for a token.
	EventRateLimited
	// EventRetryAfter: attempt number Attempt failed with Err, which
	// carried the server's hint Delay of when to try again. An EventRetry
	// follows with the wait chosen, unless the hint passed the caller's
	// deadline and ended the retries.
	EventRetryAfter
	// EventBudgetExhausted: the retry budget refused the retry after
	// attempt number Attempt; the call ends with Err, the attempt's error.
	// Or it refused a hedge of attempt Attempt (Err nil): the tries
	// running go on, and no more start.
	EventBudgetExhausted
	// EventHedge: attempt number Attempt had no answer after Delay, and
	// another try of it started beside the first (//resil:hedge).
	EventHedge
	// EventFallback: the call failed with Err and the wrapper answers with
	// the method's fallback instead (//resil:fallback).
	EventFallback
	// EventFleetFallback: the fleet of breaker Breaker (see WithFleet) did
	// not answer, or answered with something invalid (Err says what), and
	// the breaker goes on as a local one with the same settings. A Shared
	// rate limiter reports the same of its own fleet limit, with Policy
	// "ratelimit" and Breaker empty: it goes on limiting per process.
	EventFleetFallback
	// EventFleetRejoin: the fleet answers again, and breaker Breaker is
	// again one breaker for the fleet (or, with Policy "ratelimit", the
	// method's rate limiter one limit for the fleet again).
	EventFleetRejoin
)

// String returns the event kind's name, such as "state_change".
func (k EventKind) String() string {
	switch k {
	case EventStateChange:
		return "state_change"
	case EventRetry:
		return "retry"
	case EventRejected:
		return "rejected"
	case EventIdempotentHit:
		return "idempotent_hit"
	case EventStepReplayed:
		return "step_replayed"
	case EventStepRecorded:
		return "step_recorded"
	case EventAttempt:
		return "attempt"
	case EventCall:
		return "call"
	case EventRateLimited:
		return "rate_limited"
	case EventRetryAfter:
		return "retry_after"
	case EventBudgetExhausted:
		return "budget_exhausted"
	case EventHedge:
		return "hedge"
	case EventFallback:
		return "fallback"
	case EventFleetFallback:
		return "fleet_fallback"
	case EventFleetRejoin:
		return "fleet_rejoin"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing that happened in a policy. Only the fields that its Kind
// names are set.
type Event struct {
	Kind EventKind
	// Time is when it happened, from the runtime's clock.
	Time time.Time
	// Interface and Method name the wrapped method; for a breaker's state
	// change, Method is empty when the breaker is the interface's.
	Interface, Method string
	// Policy is "breaker", "bulkhead", "retry", "timeout", "idempotency",
	// "checkpoint", "ratelimit", "budget", "hedge", "fallback" or "fleet".
	Policy string
	// Breaker is the breaker's name, for state changes, rejections and a
	// breaker's fleet events.
	Breaker string
	// From and To are the breaker states of a state change.
	From, To State
	// Attempt is the attempt number, from 1.
	Attempt int
	// Delay is the wait before the next attempt.
	Delay time.Duration
	// Duration is how long an attempt or call took.
	Duration time.Duration
	// Err is the error of the attempt or call.
	Err error
	// Key is the idempotency key, raw: adapters hash it before they export it.
	Key string
	// Workflow, Step and Seq name a journaled step.
	Workflow, Step string
	Seq            int
}

// Observer receives the runtime's events. Observe is called synchronously,
// outside every lock of the runtime, so it may call back into the breaker;
// it should return quickly. ctx is the caller's context, so that an adapter
// can attach the event to the caller's span.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(ctx context.Context, e Event)

// Observe calls f(ctx, e).
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// Observers returns an observer that hands each event to every one of obs,
// in order, on the caller's goroutine. Nil entries are skipped. With no
// observer left it returns nil, and with one it returns that one, so that
//
//	runtime.WithObserver(runtime.Observers(metrics, logs))
//
// costs nothing when both are nil and nothing extra when only one is set.
// Observers given as the result of another Observers call are flattened.
//
// [WithObserver] keeps one observer, the last one given; use Observers to
// send events to several.
func Observers(obs ...Observer) Observer {
	var all multiObserver
	for _, o := range obs {
		switch o := o.(type) {
		case nil:
		case multiObserver:
			all = append(all, o...)
		default:
			all = append(all, o)
		}
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return all
}

// multiObserver is the Observer that Observers returns for two or more.
type multiObserver []Observer

func (m multiObserver) Observe(ctx context.Context, e Event) {
	for _, o := range m {
		o.Observe(ctx, e)
	}
}

// splitName splits a policy's name, "Interface" or "Interface.Method", into
// the two names events carry.
func splitName(name string) (iface, method string) {
	iface, method, _ = strings.Cut(name, ".")
	return iface, method
}
