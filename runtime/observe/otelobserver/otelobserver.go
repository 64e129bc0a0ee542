// Package otelobserver reports the events of a resilgen runtime to
// OpenTelemetry: metrics through a MeterProvider, and span events on the
// caller's span.
//
//	obs, err := otelobserver.New() // the global MeterProvider
//	if err != nil { ... }
//	client := pay.NewResilientPaymentClient(next, runtime.WithObserver(obs))
//
// # Metrics
//
// Every instrument belongs to the meter named after this package's import
// path. Attribute names follow the OpenTelemetry semantic conventions where
// one fits (error.type) and start with "resilgen." otherwise. The wrapped
// method is not code.function.name, which names the code that emits the
// telemetry by its fully qualified Go name, nor rpc.method, which presumes
// an RPC system (rpc.system) the wrapped interface may not have: a database
// or SDK client is wrapped as often as an RPC stub.
//
//	instrument                        kind       unit          attributes
//	resilgen.calls                    counter    {call}        interface, method, outcome, error.type
//	resilgen.call.duration            histogram  s             interface, method, outcome, error.type
//	resilgen.attempt.duration         histogram  s             interface, method, error.type
//	resilgen.retries                  counter    {retry}       interface, method, error.type
//	resilgen.rejections               counter    {call}        interface, method, policy, breaker.name
//	resilgen.breaker.state            gauge      {state}       breaker.name
//	resilgen.breaker.transitions      counter    {transition}  breaker.name, breaker.state
//	resilgen.idempotent.hits          counter    {call}        interface, method
//	resilgen.workflow.steps.replayed  counter    {step}        interface, method, workflow.step
//	resilgen.workflow.steps.recorded  counter    {step}        interface, method, workflow.step
//	resilgen.hedges                   counter    {try}         interface, method
//	resilgen.fallbacks                counter    {call}        interface, method, error.type
//	resilgen.fleet.fallbacks          counter    {fallback}    breaker.name
//	resilgen.fleet.rejoins            counter    {rejoin}      breaker.name
//
// where interface is resilgen.interface, and so on; error.type is set only
// when there was an error, and an attribute whose event leaves it empty
// (method, for an interface's breaker or an ad-hoc [runtime.Step]) is left
// out. resilgen.outcome is "success", "error", "rejected" (by a breaker or
// bulkhead), "idempotent_hit" or "replayed" (a checkpointed method answered
// from its workflow's journal; an ad-hoc runtime.Step is not a call, so its
// replays are counted by resilgen.workflow.steps.replayed only).
// resilgen.policy is "breaker", "bulkhead", "ratelimit" (an attempt the
// rate limiter refused) or "budget" (a retry or a hedge the retry budget refused;
// the call is counted by its error). The breaker state
// gauge is 0 closed, 1 open, 2 half-open, and resilgen.breaker.state on
// transitions is the new state: "closed", "open" or "half-open". A gauge
// alone can miss an open-and-close between two collections; the
// transitions counter cannot.
//
// The gauge has a value only after a breaker's first state change: until
// then the breaker is closed, which is what a dashboard should assume of a
// missing series.
//
// Neither the workflow id nor the idempotency key is a metric attribute:
// both grow without bound.
//
// # error.type
//
// As the conventions ask, error.type is low-cardinality and its values are
// listed here: "circuit_open", "bulkhead_full", "rate_limited",
// "retry_budget", "retry_after" (a server's hint past the caller's
// deadline), "idempotency_conflict", "non_deterministic", "lease_lost"
// for the runtime's errors; "canceled"
// for the caller's cancellation; "timeout" for a deadline (the attempt's
// or the caller's); otherwise the value of the conventions' Go helper: an
// ErrorType() string method found in the error's chain, else the error's
// Go type after fmt.Errorf wrappers are peeled, such as "*net.OpError" or
// "*errors.errorString". The error of a call whose retries ran out is
// classified by its last attempt's error (or by the cancellation that cut
// the retries short), not as a retry error.
//
// # Traces
//
// Each attempt, retry, rejection, breaker state change, idempotent hit and
// journaled step becomes an event, named "resilgen.attempt",
// "resilgen.retry", "resilgen.rejected", "resilgen.breaker.state_change",
// "resilgen.idempotent_hit", "resilgen.workflow.step.replayed" and
// "resilgen.workflow.step.recorded", on the span in the caller's context,
// when that span is recording. So do the throttling events:
// "resilgen.rate_limited" (an attempt refused, or one that waited
// resilgen.ratelimit.wait seconds for its token), "resilgen.retry_after"
// (the server's hint, resilgen.retry_after seconds) and
// "resilgen.budget_exhausted". Nothing is recorded without a span.
//
// Span events rather than a child span per attempt, because the runtime
// reports an attempt once it has ended: a span made then could not be the
// parent of the spans the attempt itself made (an HTTP client's, say),
// which would hang beside it under the caller's span. An event on the
// caller's span shows the same timeline without the false structure, and
// costs far less. For the same reason the package takes no TracerProvider:
// it starts no span, and the caller's span belongs to whichever provider
// made it.
//
// Span events carry the metric attributes and, where the event has them,
// resilgen.attempt, resilgen.attempt.duration and resilgen.retry.delay
// (seconds), resilgen.error.message, resilgen.breaker.previous_state,
// resilgen.idempotency.key_hash (the first 12 hex digits of the key's
// SHA-256, never the key), resilgen.workflow.id and resilgen.workflow.seq.
package otelobserver

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/resilgen/resilgen/runtime"
)

// ScopeName is the instrumentation scope (meter) name of every instrument.
const ScopeName = "github.com/resilgen/resilgen/runtime/observe/otelobserver"

// Option configures [New].
type Option func(*config)

type config struct {
	meterProvider metric.MeterProvider
}

// WithMeterProvider sets the provider the instruments are made from. The
// default is the global provider, [otel.GetMeterProvider], as it is when
// New is called; the global provider forwards to one set later with
// otel.SetMeterProvider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}

// Observer is a [runtime.Observer] that records metrics and span events.
// Make one with [New]; it is safe for concurrent use.
type Observer struct {
	calls           metric.Int64Counter
	callDuration    metric.Float64Histogram
	attemptDuration metric.Float64Histogram
	retries         metric.Int64Counter
	rejections      metric.Int64Counter
	breakerState    metric.Int64Gauge
	transitions     metric.Int64Counter
	idempotentHits  metric.Int64Counter
	stepsReplayed   metric.Int64Counter
	stepsRecorded   metric.Int64Counter
	hedges          metric.Int64Counter
	fallbacks       metric.Int64Counter
	fleetFallbacks  metric.Int64Counter
	fleetRejoins    metric.Int64Counter

	cache measurements
}

var _ runtime.Observer = (*Observer)(nil)

// durationBuckets are the boundaries, in seconds, of both duration
// histograms: those the semantic conventions give for HTTP and RPC
// durations, since the calls a wrapper guards are mostly such calls.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// New makes the instruments from the meter provider (see
// [WithMeterProvider]) and returns an observer that records to them. It
// fails only when the provider refuses an instrument.
func New(opts ...Option) (*Observer, error) {
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.meterProvider == nil {
		cfg.meterProvider = otel.GetMeterProvider()
	}
	m := cfg.meterProvider.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))

	var o Observer
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(durationBuckets...))
		errs = append(errs, err)
		return h
	}
	o.calls = counter("resilgen.calls", "{call}", "Calls of wrapped methods, by outcome.")
	o.callDuration = histogram("resilgen.call.duration", "Duration of calls of wrapped methods, retries and waits included.")
	o.attemptDuration = histogram("resilgen.attempt.duration", "Duration of single attempts of wrapped methods.")
	o.retries = counter("resilgen.retries", "{retry}", "Retries scheduled after a failed attempt.")
	o.rejections = counter("resilgen.rejections", "{call}", "Calls a breaker or bulkhead refused.")
	o.transitions = counter("resilgen.breaker.transitions", "{transition}", "Breaker state changes, by new state.")
	o.idempotentHits = counter("resilgen.idempotent.hits", "{call}", "Idempotent calls answered from their record.")
	o.stepsReplayed = counter("resilgen.workflow.steps.replayed", "{step}", "Workflow steps replayed from the journal.")
	o.stepsRecorded = counter("resilgen.workflow.steps.recorded", "{step}", "Workflow steps run and journaled.")
	o.hedges = counter("resilgen.hedges", "{try}", "Hedged tries started beside an attempt that had not answered.")
	o.fallbacks = counter("resilgen.fallbacks", "{call}", "Calls answered by their method's fallback, by the error it replaced.")
	o.fleetFallbacks = counter("resilgen.fleet.fallbacks", "{fallback}", "Times a breaker lost its fleet and went on locally.")
	o.fleetRejoins = counter("resilgen.fleet.rejoins", "{rejoin}", "Times a breaker rejoined its fleet.")
	g, err := m.Int64Gauge("resilgen.breaker.state", metric.WithUnit("{state}"),
		metric.WithDescription("Breaker state: 0 closed, 1 open, 2 half-open."))
	errs = append(errs, err)
	o.breakerState = g
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("otelobserver: making instruments: %w", err)
	}
	return &o, nil
}

// Attribute keys that no semantic convention covers.
const (
	keyInterface     = attribute.Key("resilgen.interface")
	keyMethod        = attribute.Key("resilgen.method")
	keyOutcome       = attribute.Key("resilgen.outcome")
	keyPolicy        = attribute.Key("resilgen.policy")
	keyBreakerName   = attribute.Key("resilgen.breaker.name")
	keyBreakerState  = attribute.Key("resilgen.breaker.state")
	keyBreakerPrev   = attribute.Key("resilgen.breaker.previous_state")
	keyStep          = attribute.Key("resilgen.workflow.step")
	keyWorkflow      = attribute.Key("resilgen.workflow.id")
	keySeq           = attribute.Key("resilgen.workflow.seq")
	keyAttempt       = attribute.Key("resilgen.attempt")
	keyAttemptDur    = attribute.Key("resilgen.attempt.duration")
	keyRetryDelay    = attribute.Key("resilgen.retry.delay")
	keyRetryAfter    = attribute.Key("resilgen.retry_after")
	keyRateWait      = attribute.Key("resilgen.ratelimit.wait")
	keyErrorMessage  = attribute.Key("resilgen.error.message")
	keyIdempotentKey = attribute.Key("resilgen.idempotency.key_hash")
)

// The values of resilgen.outcome.
const (
	outcomeSuccess       = "success"
	outcomeError         = "error"
	outcomeRejected      = "rejected"
	outcomeIdempotentHit = "idempotent_hit"
	outcomeReplayed      = "replayed"
)

// Observe records e: it adds to the instruments its kind concerns and, when
// the span in ctx is recording, adds an event to it. An event whose
// instruments are disabled (the no-op provider's, or the global provider's
// before one is set) and whose context has no recording span costs a few
// nanoseconds; otherwise the attribute sets are made once per distinct set
// and reused, so recording allocates nothing on the SDK's side of the API
// either.
func (o *Observer) Observe(ctx context.Context, e runtime.Event) {
	span := trace.SpanFromContext(ctx)
	recording := span.IsRecording()
	var ms *measurement
	switch e.Kind {
	case runtime.EventAttempt:
		if !recording && !o.attemptDuration.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method, x: errorTypeOrEmpty(e.Err)})
		o.attemptDuration.Record(ctx, e.Duration.Seconds(), ms.rec...)
	case runtime.EventCall:
		if !o.calls.Enabled(ctx) && !o.callDuration.Enabled(ctx) {
			// A call's attempts are already on the span; the call's end is
			// the caller's own span ending, so a call adds no span event.
			return
		}
		k := attrKey{kind: e.Kind, iface: e.Interface, method: e.Method}
		if e.Err != nil {
			k.y = errorType(e.Err)
			k.x = failedOutcome(k.y)
		} else {
			k.x = succeededOutcome(e)
		}
		ms = o.cache.get(k)
		o.calls.Add(ctx, 1, ms.add...)
		o.callDuration.Record(ctx, e.Duration.Seconds(), ms.rec...)
		return
	case runtime.EventRetry:
		if !recording && !o.retries.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method, x: errorTypeOrEmpty(e.Err)})
		o.retries.Add(ctx, 1, ms.add...)
	case runtime.EventRejected:
		if !recording && !o.rejections.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method, x: e.Policy, y: e.Breaker})
		o.rejections.Add(ctx, 1, ms.add...)
	case runtime.EventRateLimited, runtime.EventBudgetExhausted:
		if e.Err == nil || e.Kind == runtime.EventRateLimited && !errors.Is(e.Err, runtime.ErrRateLimited) {
			// A wait for a token, or one the caller cancelled: the
			// span says so, the rejection counter need not.
			if !recording {
				return
			}
			ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method})
			break
		}
		if !recording && !o.rejections.Enabled(ctx) {
			return
		}
		// Counted as rejections of their policy, beside the breaker's
		// and the bulkhead's.
		ms = o.cache.get(attrKey{kind: runtime.EventRejected, iface: e.Interface, method: e.Method, x: e.Policy})
		o.rejections.Add(ctx, 1, ms.add...)
	case runtime.EventRetryAfter:
		if !recording {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method, x: errorTypeOrEmpty(e.Err)})
	case runtime.EventStateChange:
		// The breaker's name identifies it; the interface and method it
		// guards would only split its series.
		gauge := o.cache.get(attrKey{kind: e.Kind, x: e.Breaker})
		o.breakerState.Record(ctx, stateValue(e.To), gauge.rec...)
		ms = o.cache.get(attrKey{kind: e.Kind, x: e.Breaker, y: e.To.String()})
		o.transitions.Add(ctx, 1, ms.add...)
	case runtime.EventIdempotentHit:
		if !recording && !o.idempotentHits.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method})
		o.idempotentHits.Add(ctx, 1, ms.add...)
	case runtime.EventStepReplayed, runtime.EventStepRecorded:
		c := o.stepsRecorded
		if e.Kind == runtime.EventStepReplayed {
			c = o.stepsReplayed
		}
		if !recording && !c.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method, x: e.Step})
		c.Add(ctx, 1, ms.add...)
	case runtime.EventHedge:
		if !recording && !o.hedges.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method})
		o.hedges.Add(ctx, 1, ms.add...)
	case runtime.EventFallback:
		if !recording && !o.fallbacks.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, iface: e.Interface, method: e.Method, x: errorTypeOrEmpty(e.Err)})
		o.fallbacks.Add(ctx, 1, ms.add...)
	case runtime.EventFleetFallback, runtime.EventFleetRejoin:
		c := o.fleetFallbacks
		if e.Kind == runtime.EventFleetRejoin {
			c = o.fleetRejoins
		}
		if !recording && !c.Enabled(ctx) {
			return
		}
		ms = o.cache.get(attrKey{kind: e.Kind, x: e.Breaker})
		c.Add(ctx, 1, ms.add...)
	default:
		return
	}
	if recording {
		addSpanEvent(span, e, ms.attrs)
	}
}

// succeededOutcome is the resilgen.outcome of a call that returned no
// error. One that made no attempt was answered from a record: the
// journal's when the checkpoint policy answered it, the idempotency
// store's otherwise.
func succeededOutcome(e runtime.Event) string {
	switch {
	case e.Attempt > 0:
		return outcomeSuccess
	case e.Policy == "checkpoint":
		return outcomeReplayed
	}
	return outcomeIdempotentHit
}

// failedOutcome is the resilgen.outcome of a call that failed with an error
// of type errType: a breaker's or bulkhead's refusal is not the
// dependency's failure, and dashboards tell the two apart.
func failedOutcome(errType string) string {
	if errType == errTypeCircuitOpen || errType == errTypeBulkheadFull || errType == errTypeRateLimited {
		return outcomeRejected
	}
	return outcomeError
}

// stateValue is the breaker state gauge's value.
func stateValue(s runtime.State) int64 {
	switch s {
	case runtime.StateOpen:
		return 1
	case runtime.StateHalfOpen:
		return 2
	}
	return 0
}

// The error.type values of rejections.
const (
	errTypeCircuitOpen  = "circuit_open"
	errTypeBulkheadFull = "bulkhead_full"
	errTypeRateLimited  = "rate_limited"
)

// errorTypeOrEmpty is errorType(err), or "" when err is nil.
func errorTypeOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return errorType(err)
}

// errorType is the error.type of err, as the package documentation lists.
func errorType(err error) string {
	// Peel the retry error first: its type says only that retries ended,
	// and the interesting class is that of what ended them.
	var re *runtime.RetryError
	if errors.As(err, &re) {
		switch {
		case re.Cause != nil:
			err = re.Cause
		case re.Last != nil:
			err = re.Last
		}
	}
	switch {
	case errors.Is(err, runtime.ErrCircuitOpen):
		return errTypeCircuitOpen
	case errors.Is(err, runtime.ErrBulkheadFull):
		return errTypeBulkheadFull
	case errors.Is(err, runtime.ErrRateLimited):
		return errTypeRateLimited
	case errors.Is(err, runtime.ErrRetryBudget):
		return "retry_budget"
	case isHintError(err):
		return "retry_after"
	case errors.Is(err, runtime.ErrIdempotencyConflict):
		return "idempotency_conflict"
	case errors.Is(err, runtime.ErrNonDeterministic):
		return "non_deterministic"
	case errors.Is(err, runtime.ErrLeaseLost):
		return "lease_lost"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return semconv.ErrorType(err).Value.AsString()
}

// isHintError reports whether err is a server's hint that passed the
// caller's deadline.
func isHintError(err error) bool {
	var he *runtime.HintError
	return errors.As(err, &he)
}
