package otelobserver

import (
	"crypto/sha256"
	"encoding/hex"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/resilgen/resilgen/runtime"
)

// maxAttrs bounds the attributes of one span event (an attempt's: up to
// three of its measurement, attempt, duration, error message), so that
// they are gathered in an array on the stack.
const maxAttrs = 10

// Span event names, one per kind of event that is put on the caller's span.
var spanEventNames = map[runtime.EventKind]string{
	runtime.EventAttempt:       "resilgen.attempt",
	runtime.EventRetry:         "resilgen.retry",
	runtime.EventRejected:      "resilgen.rejected",
	runtime.EventStateChange:   "resilgen.breaker.state_change",
	runtime.EventIdempotentHit: "resilgen.idempotent_hit",
	runtime.EventStepReplayed:  "resilgen.workflow.step.replayed",
	runtime.EventStepRecorded:  "resilgen.workflow.step.recorded",

	runtime.EventRateLimited:     "resilgen.rate_limited",
	runtime.EventRetryAfter:      "resilgen.retry_after",
	runtime.EventBudgetExhausted: "resilgen.budget_exhausted",
	runtime.EventHedge:           "resilgen.hedge",
	runtime.EventFallback:        "resilgen.fallback",
	runtime.EventFleetFallback:   "resilgen.fleet.fallback",
	runtime.EventFleetRejoin:     "resilgen.fleet.rejoin",
}

// addSpanEvent adds e to span, with the attributes of its measurement
// (which it does not modify) and the details that are too many-valued for
// a metric.
func addSpanEvent(span trace.Span, e runtime.Event, base []attribute.KeyValue) {
	var buf [maxAttrs]attribute.KeyValue
	attrs := append(buf[:0], base...)
	if e.Attempt != 0 {
		attrs = append(attrs, keyAttempt.Int(e.Attempt))
	}
	switch e.Kind {
	case runtime.EventAttempt:
		attrs = append(attrs, keyAttemptDur.Float64(e.Duration.Seconds()))
	case runtime.EventRetry, runtime.EventHedge:
		attrs = append(attrs, keyRetryDelay.Float64(e.Delay.Seconds()))
	case runtime.EventStateChange:
		attrs = append(attrs, keyBreakerPrev.String(e.From.String()))
	case runtime.EventRetryAfter:
		attrs = append(attrs, keyRetryAfter.Float64(e.Delay.Seconds()))
	case runtime.EventRateLimited:
		if e.Delay > 0 {
			attrs = append(attrs, keyRateWait.Float64(e.Delay.Seconds()))
		}
	}
	if e.Err != nil {
		attrs = append(attrs, keyErrorMessage.String(e.Err.Error()))
	}
	if e.Key != "" {
		attrs = append(attrs, keyIdempotentKey.String(keyHash(e.Key)))
	}
	if e.Workflow != "" {
		attrs = append(attrs, keyWorkflow.String(e.Workflow), keySeq.Int(e.Seq))
	}
	opts := []trace.EventOption{trace.WithAttributes(attrs...)}
	if !e.Time.IsZero() {
		// The runtime's clock, so that the events line up with the
		// breaker's and the backoff's notion of time.
		opts = append(opts, trace.WithTimestamp(e.Time))
	}
	span.AddEvent(spanEventNames[e.Kind], opts...)
}

// keyHash is what a span shows of an idempotency key: the first 12 hex
// digits of its SHA-256, the same as the slogobserver adapter logs, so that
// a trace and a log line of one key can be matched. It hides the key from a
// reader, not from someone who can guess it from a small set.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:6])
}
