// Package slogobserver writes the events of a resilgen runtime to a
// [log/slog] logger, one structured record per event.
//
// Pass it to a generated constructor or to runtime.New:
//
//	obs := slogobserver.New(logger)
//	client := pay.NewResilientPaymentClient(next, runtime.WithObserver(obs))
//
// # Levels
//
// A healthy system logs nothing above [slog.LevelDebug]; a record at Info or
// above means a dependency misbehaved. The default levels, from
// [DefaultLevel]:
//
//	event                                   level  why
//	attempt or call that succeeded          Debug  the happy path
//	idempotent hit, step replayed/recorded  Debug  the policies doing their job
//	failed attempt                          Debug  the retry or call record that follows says what came of it
//	attempt that waited for a rate token    Debug  the client's own rate limit doing its job
//	call rejected by an open breaker        Debug  the breaker's Warn on opening already says why; one record per rejected call would flood the log at the rate of traffic
//	call that failed                        Info   the error goes back to the caller, who decides how bad it is; logging it at Error here would report it twice
//	retry scheduled                         Info   the first sign of a flaky dependency, visible in default production logs without alerting anyone
//	server hint of when to retry            Info   the server is throttling: the retry record that follows says how long the wait is
//	attempt refused by the rate limiter     Info   demand is above the limit the client set itself; the caller gets the refusal
//	breaker half-open, breaker closed       Info   recovery in progress, recovery done
//	breaker rejoined its fleet              Info   the fleet's store answers again; the breaker is shared again
//	call rejected by a full bulkhead        Warn   saturation: no earlier record announces it
//	breaker opened                          Warn   a dependency is failing and calls are being refused
//	retry or hedge refused by the budget    Warn   so many calls are failing or slow that retries and hedges are being shed
//	breaker fell back from its fleet        Warn   the fleet's store (Redis) does not answer or holds what it should not: each replica now counts alone
//
// A call that ended in the caller's own cancellation, or in a rejection
// already logged, is logged at Debug. [WithLevels] replaces this policy; a
// function that adjusts a few cases can fall back to [DefaultLevel] for the
// rest.
//
// # Attributes
//
// Each record carries "event" (the kind: "state_change", "retry",
// "rejected", "idempotent_hit", "step_replayed", "step_recorded", "attempt",
// "call", "rate_limited", "retry_after", "budget_exhausted", "fleet_fallback",
// "fleet_rejoin") and those of the following that the event sets: "interface",
// "method", "policy", "breaker", "from", "to", "attempt", "delay",
// "duration", "error", "key_hash", "workflow", "step", "seq".
//
// The idempotency key is never logged: keys are often customer or payment
// identifiers. "key_hash" is the first 12 hex digits of the key's SHA-256,
// enough to tell keys apart and to find the records of one key across
// replicas, and the same value the otelobserver adapter exports. It is not
// encryption: a key drawn from a small set (a sequential order number, say)
// can be recovered by hashing every candidate.
package slogobserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/resilgen/resilgen/runtime"
)

// Option configures the observer that [New] returns.
type Option func(*config)

type config struct {
	level func(runtime.Event) slog.Level
}

// WithLevels sets the function that picks each event's level, in place of
// [DefaultLevel]. It is called for every event, before the logger is asked
// whether that level is enabled, so it should be cheap.
func WithLevels(level func(runtime.Event) slog.Level) Option {
	return func(c *config) { c.level = level }
}

// New returns an observer that logs every event to logger, at the level that
// [DefaultLevel] (or [WithLevels]) gives it. A nil logger logs to
// [slog.Default] as it is at each event, so a later [slog.SetDefault] applies.
func New(logger *slog.Logger, opts ...Option) runtime.Observer {
	cfg := config{level: DefaultLevel}
	for _, opt := range opts {
		opt(&cfg)
	}
	return &observer{logger: logger, level: cfg.level}
}

type observer struct {
	logger *slog.Logger // nil: slog.Default()
	level  func(runtime.Event) slog.Level
}

// maxAttrs is the most attributes one event carries (a retry: event,
// interface, method, policy, attempt, delay, error), with room to spare, so
// that the attributes fit in an array on the stack.
const maxAttrs = 12

// Observe logs e. It returns at once, having built nothing, when the logger
// does not log at e's level.
func (o *observer) Observe(ctx context.Context, e runtime.Event) {
	logger := o.logger
	if logger == nil {
		logger = slog.Default()
	}
	level := o.level(e)
	if !logger.Enabled(ctx, level) {
		return
	}
	var buf [maxAttrs]slog.Attr
	attrs := append(buf[:0], slog.String("event", e.Kind.String()))
	if e.Interface != "" {
		attrs = append(attrs, slog.String("interface", e.Interface))
	}
	if e.Method != "" {
		attrs = append(attrs, slog.String("method", e.Method))
	}
	if e.Policy != "" {
		attrs = append(attrs, slog.String("policy", e.Policy))
	}
	if e.Breaker != "" {
		attrs = append(attrs, slog.String("breaker", e.Breaker))
	}
	if e.Kind == runtime.EventStateChange {
		attrs = append(attrs, slog.String("from", e.From.String()), slog.String("to", e.To.String()))
	}
	if e.Attempt != 0 {
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
	}
	if e.Kind == runtime.EventRetry || e.Kind == runtime.EventHedge || e.Kind == runtime.EventRetryAfter || e.Kind == runtime.EventRateLimited && e.Delay > 0 {
		// A hint's delay is the server's; a rate-limited attempt's, the
		// time it waited for its token; a hedge's, how long the attempt
		// went without an answer.
		attrs = append(attrs, slog.Duration("delay", e.Delay))
	}
	if e.Kind == runtime.EventAttempt || e.Kind == runtime.EventCall {
		attrs = append(attrs, slog.Duration("duration", e.Duration))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.Any("error", e.Err))
	}
	if e.Key != "" {
		attrs = append(attrs, slog.String("key_hash", keyHash(e.Key)))
	}
	if e.Workflow != "" {
		attrs = append(attrs, slog.String("workflow", e.Workflow))
	}
	if e.Step != "" {
		attrs = append(attrs, slog.String("step", e.Step), slog.Int("seq", e.Seq))
	}
	logger.LogAttrs(ctx, level, message(e), attrs...)
}

// DefaultLevel is the level [New] logs e at unless [WithLevels] says
// otherwise; the package documentation gives the reasons.
func DefaultLevel(e runtime.Event) slog.Level {
	switch e.Kind {
	case runtime.EventStateChange:
		if e.To == runtime.StateOpen {
			return slog.LevelWarn
		}
		return slog.LevelInfo
	case runtime.EventRetry:
		return slog.LevelInfo
	case runtime.EventFallback, runtime.EventFleetFallback:
		return slog.LevelWarn
	case runtime.EventRejected:
		if e.Policy == "bulkhead" {
			return slog.LevelWarn
		}
		return slog.LevelDebug
	case runtime.EventCall:
		if e.Err == nil || quietCallError(e.Err) {
			return slog.LevelDebug
		}
		return slog.LevelInfo
	case runtime.EventRateLimited:
		if e.Err == nil {
			return slog.LevelDebug
		}
		return slog.LevelInfo
	case runtime.EventRetryAfter:
		return slog.LevelInfo
	case runtime.EventBudgetExhausted:
		return slog.LevelWarn
	case runtime.EventFleetRejoin:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

// quietCallError reports whether a failed call needs no record above Debug:
// the caller cancelled it (and knows), or a policy rejected it (and its
// rejected event was already logged at its own level).
func quietCallError(err error) bool {
	return errors.Is(err, context.Canceled) ||
		errors.Is(err, runtime.ErrCircuitOpen) ||
		errors.Is(err, runtime.ErrBulkheadFull) ||
		errors.Is(err, runtime.ErrRateLimited)
}

// message is the record's message: constant per outcome, so that log
// queries can match on it, with the details left to the attributes.
func message(e runtime.Event) string {
	switch e.Kind {
	case runtime.EventStateChange:
		switch e.To {
		case runtime.StateOpen:
			return "circuit breaker opened"
		case runtime.StateHalfOpen:
			return "circuit breaker half-open"
		case runtime.StateClosed:
			return "circuit breaker closed"
		}
		return "circuit breaker changed state"
	case runtime.EventRetry:
		return "attempt failed, retrying"
	case runtime.EventRejected:
		return "call rejected"
	case runtime.EventIdempotentHit:
		return "idempotent call answered from its record"
	case runtime.EventStepReplayed:
		return "workflow step replayed"
	case runtime.EventStepRecorded:
		return "workflow step recorded"
	case runtime.EventAttempt:
		if e.Err != nil {
			return "attempt failed"
		}
		return "attempt succeeded"
	case runtime.EventCall:
		if e.Err != nil {
			return "call failed"
		}
		return "call succeeded"
	case runtime.EventRateLimited:
		if e.Err != nil {
			return "attempt refused by the rate limiter"
		}
		return "attempt waited for a rate-limit token"
	case runtime.EventRetryAfter:
		return "server asked to retry later"
	case runtime.EventBudgetExhausted:
		if e.Err == nil {
			// A hedge the budget refused: no attempt had failed, the
			// tries already running go on.
			return "hedge refused by the retry budget"
		}
		return "retry refused by the retry budget"
	case runtime.EventHedge:
		return "attempt slow, hedging"
	case runtime.EventFallback:
		return "call failed, answered by its fallback"
	case runtime.EventFleetFallback:
		return "fleet unreachable, breaker goes on locally"
	case runtime.EventFleetRejoin:
		return "fleet answers again, breaker rejoined it"
	}
	return "resilience event"
}

// keyHash is what the log shows of an idempotency key: the first 12 hex
// digits (48 bits) of its SHA-256. Collisions between the keys live at one
// time are negligible. It hides the key from someone reading the log, not
// from someone who guesses it: a key drawn from a small set (a sequential
// order number, say) can be found by hashing the candidates.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:6])
}
