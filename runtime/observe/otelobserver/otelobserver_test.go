package otelobserver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/otelobserver"
)

// refused is a dependency's error as a network client returns it.
var refused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

const (
	rawKey  = "order-4711-card-4242424242424242"
	keyHash = "4697cda65b9a" // printf %s "$rawKey" | sha256sum | cut -c1-12
	iface   = "PaymentClient"
	method  = "Charge"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// at is the time of the i-th event of the script: a millisecond apart, so
// that the test can tell the span events' timestamps come from the events.
func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }

// script is an outage and its recovery, as the runtime reports it: two
// failed attempts, a call whose retries ran out, the breaker opening, a
// rejected call, the breaker half-open, a trial that succeeds, the breaker
// closing, then an idempotent hit, a replayed and a recorded workflow step,
// and a bulkhead rejection.
func script() []runtime.Event {
	es := []runtime.Event{
		{Kind: runtime.EventAttempt, Interface: iface, Method: method, Policy: "retry", Attempt: 1, Duration: 120 * time.Millisecond, Err: refused},
		{Kind: runtime.EventRetry, Interface: iface, Method: method, Policy: "retry", Attempt: 1, Delay: 200 * time.Millisecond, Err: refused},
		{Kind: runtime.EventAttempt, Interface: iface, Method: method, Policy: "retry", Attempt: 2, Duration: 80 * time.Millisecond, Err: refused},
		{Kind: runtime.EventCall, Interface: iface, Method: method, Attempt: 2, Duration: 400 * time.Millisecond, Err: &runtime.RetryError{Attempts: 2, Last: refused}},
		{Kind: runtime.EventStateChange, Interface: iface, Policy: "breaker", Breaker: iface, From: runtime.StateClosed, To: runtime.StateOpen},
		{Kind: runtime.EventRejected, Interface: iface, Method: method, Policy: "breaker", Breaker: iface},
		{Kind: runtime.EventCall, Interface: iface, Method: method, Policy: "breaker", Err: &runtime.CircuitOpenError{Breaker: iface, Until: t0.Add(time.Minute)}},
		{Kind: runtime.EventStateChange, Interface: iface, Policy: "breaker", Breaker: iface, From: runtime.StateOpen, To: runtime.StateHalfOpen},
		{Kind: runtime.EventAttempt, Interface: iface, Method: method, Attempt: 1, Duration: 30 * time.Millisecond},
		{Kind: runtime.EventCall, Interface: iface, Method: method, Attempt: 1, Duration: 30 * time.Millisecond},
		{Kind: runtime.EventStateChange, Interface: iface, Policy: "breaker", Breaker: iface, From: runtime.StateHalfOpen, To: runtime.StateClosed},
		{Kind: runtime.EventIdempotentHit, Interface: iface, Method: method, Policy: "idempotency", Key: rawKey},
		{Kind: runtime.EventCall, Interface: iface, Method: method, Policy: "idempotency", Key: rawKey},
		{Kind: runtime.EventStepReplayed, Interface: iface, Method: method, Policy: "checkpoint", Workflow: "incident-INC-12345", Step: "Charge", Seq: 1},
		{Kind: runtime.EventCall, Interface: iface, Method: method, Policy: "checkpoint"},
		{Kind: runtime.EventStepRecorded, Interface: iface, Method: "Refund", Policy: "checkpoint", Workflow: "incident-INC-12345", Step: "Refund", Seq: 2},
		{Kind: runtime.EventRejected, Interface: iface, Method: method, Policy: "bulkhead", Err: runtime.ErrBulkheadFull},
	}
	for i := range es {
		es[i].Time = at(i)
	}
	return es
}

// setup returns an observer recording to an SDK meter provider read by
// hand, and a span recorder.
func setup(t testing.TB) (*otelobserver.Observer, *sdkmetric.ManualReader, *sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	obs, err := otelobserver.New(otelobserver.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	return obs, reader, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), rec
}

func collect(t *testing.T, reader *sdkmetric.ManualReader) metricdata.ScopeMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 {
		t.Fatalf("got %d scopes, want 1", len(rm.ScopeMetrics))
	}
	return rm.ScopeMetrics[0]
}

// Attribute shorthands.
var (
	aIface   = attribute.String("resilgen.interface", iface)
	aMethod  = attribute.String("resilgen.method", method)
	aBreaker = attribute.String("resilgen.breaker.name", iface)
	aRefused = attribute.String("error.type", "*net.OpError")
)

func set(kv ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kv...) }

func count(n int64, kv ...attribute.KeyValue) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Attributes: set(kv...), Value: n}
}

func counter(name, unit, desc string, points ...metricdata.DataPoint[int64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Unit: unit, Description: desc, Data: metricdata.Sum[int64]{
		Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: points,
	}}
}

var bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// hist is a histogram point of values, given with the index of the bucket
// each falls in, counted by hand from bounds (upper bounds inclusive).
func hist(attrs attribute.Set, values []float64, buckets []int) metricdata.HistogramDataPoint[float64] {
	p := metricdata.HistogramDataPoint[float64]{
		Attributes: attrs, Bounds: bounds, BucketCounts: make([]uint64, len(bounds)+1),
		Count: uint64(len(values)),
	}
	lo, hi := values[0], values[0]
	for i, v := range values {
		p.Sum += v
		p.BucketCounts[buckets[i]]++
		lo, hi = min(lo, v), max(hi, v)
	}
	p.Min, p.Max = metricdata.NewExtrema(lo), metricdata.NewExtrema(hi)
	return p
}

func histogram(name, desc string, points ...metricdata.HistogramDataPoint[float64]) metricdata.Metrics {
	return metricdata.Metrics{Name: name, Unit: "s", Description: desc, Data: metricdata.Histogram[float64]{
		Temporality: metricdata.CumulativeTemporality, DataPoints: points,
	}}
}

func TestMetrics(t *testing.T) {
	obs, reader, _, _ := setup(t)
	for _, e := range script() {
		obs.Observe(context.Background(), e)
	}

	outcome := func(o string) attribute.KeyValue { return attribute.String("resilgen.outcome", o) }
	callError := set(aIface, aMethod, outcome("error"), aRefused)
	callRejected := set(aIface, aMethod, outcome("rejected"), attribute.String("error.type", "circuit_open"))
	callOK := set(aIface, aMethod, outcome("success"))
	callHit := set(aIface, aMethod, outcome("idempotent_hit"))
	callReplayed := set(aIface, aMethod, outcome("replayed"))
	want := metricdata.ScopeMetrics{
		Scope: instrumentationScope(),
		Metrics: []metricdata.Metrics{
			counter("resilgen.calls", "{call}", "Calls of wrapped methods, by outcome.",
				metricdata.DataPoint[int64]{Attributes: callError, Value: 1},
				metricdata.DataPoint[int64]{Attributes: callRejected, Value: 1},
				metricdata.DataPoint[int64]{Attributes: callOK, Value: 1},
				metricdata.DataPoint[int64]{Attributes: callHit, Value: 1},
				metricdata.DataPoint[int64]{Attributes: callReplayed, Value: 1},
			),
			histogram("resilgen.call.duration", "Duration of calls of wrapped methods, retries and waits included.",
				hist(callError, []float64{0.4}, []int{7}),
				hist(callRejected, []float64{0}, []int{0}),
				hist(callOK, []float64{0.03}, []int{3}),
				hist(callHit, []float64{0}, []int{0}),
				hist(callReplayed, []float64{0}, []int{0}),
			),
			histogram("resilgen.attempt.duration", "Duration of single attempts of wrapped methods.",
				hist(set(aIface, aMethod, aRefused), []float64{0.12, 0.08}, []int{6, 5}),
				hist(set(aIface, aMethod), []float64{0.03}, []int{3}),
			),
			counter("resilgen.retries", "{retry}", "Retries scheduled after a failed attempt.",
				count(1, aIface, aMethod, aRefused)),
			counter("resilgen.rejections", "{call}", "Calls a breaker or bulkhead refused.",
				count(1, aIface, aMethod, attribute.String("resilgen.policy", "breaker"), aBreaker),
				count(1, aIface, aMethod, attribute.String("resilgen.policy", "bulkhead"))),
			{Name: "resilgen.breaker.state", Unit: "{state}", Description: "Breaker state: 0 closed, 1 open, 2 half-open.",
				Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{count(0, aBreaker)}}},
			counter("resilgen.breaker.transitions", "{transition}", "Breaker state changes, by new state.",
				count(1, aBreaker, attribute.String("resilgen.breaker.state", "open")),
				count(1, aBreaker, attribute.String("resilgen.breaker.state", "half-open")),
				count(1, aBreaker, attribute.String("resilgen.breaker.state", "closed"))),
			counter("resilgen.idempotent.hits", "{call}", "Idempotent calls answered from their record.",
				count(1, aIface, aMethod)),
			counter("resilgen.workflow.steps.replayed", "{step}", "Workflow steps replayed from the journal.",
				count(1, aIface, aMethod, attribute.String("resilgen.workflow.step", "Charge"))),
			counter("resilgen.workflow.steps.recorded", "{step}", "Workflow steps run and journaled.",
				count(1, aIface, attribute.String("resilgen.method", "Refund"), attribute.String("resilgen.workflow.step", "Refund"))),
		},
	}
	got := collect(t, reader)
	metricdatatest.AssertEqual(t, want, got, metricdatatest.IgnoreTimestamp())
	assertNoRawKey(t, got)
}

// TestBreakerGauge follows the gauge through each state, collecting after
// every change, as a scraper would.
func TestBreakerGauge(t *testing.T) {
	obs, reader, _, _ := setup(t)
	for _, step := range []struct {
		from, to runtime.State
		want     int64
	}{
		{runtime.StateClosed, runtime.StateOpen, 1},
		{runtime.StateOpen, runtime.StateHalfOpen, 2},
		{runtime.StateHalfOpen, runtime.StateOpen, 1},
		{runtime.StateOpen, runtime.StateHalfOpen, 2},
		{runtime.StateHalfOpen, runtime.StateClosed, 0},
	} {
		obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventStateChange, Breaker: "PaymentClient.Charge", From: step.from, To: step.to})
		var gauge metricdata.Gauge[int64]
		for _, m := range collect(t, reader).Metrics {
			if m.Name == "resilgen.breaker.state" {
				gauge = m.Data.(metricdata.Gauge[int64])
			}
		}
		wantPoint := metricdata.DataPoint[int64]{Attributes: set(attribute.String("resilgen.breaker.name", "PaymentClient.Charge")), Value: step.want}
		metricdatatest.AssertEqual(t, metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{wantPoint}}, gauge, metricdatatest.IgnoreTimestamp())
	}
}

// spanEvent is what a test expects of one span event.
type spanEvent struct {
	name  string
	time  time.Time
	attrs []attribute.KeyValue
}

func TestSpanEvents(t *testing.T) {
	obs, _, tp, rec := setup(t)
	ctx, span := tp.Tracer("caller").Start(context.Background(), "checkout")
	for _, e := range script() {
		obs.Observe(ctx, e)
	}
	span.End()

	msg := attribute.String("resilgen.error.message", refused.Error())
	attempt := func(n int) attribute.KeyValue { return attribute.Int("resilgen.attempt", n) }
	wf := attribute.String("resilgen.workflow.id", "incident-INC-12345")
	want := []spanEvent{
		{"resilgen.attempt", at(0), []attribute.KeyValue{aIface, aMethod, aRefused, attempt(1), attribute.Float64("resilgen.attempt.duration", 0.12), msg}},
		{"resilgen.retry", at(1), []attribute.KeyValue{aIface, aMethod, aRefused, attempt(1), attribute.Float64("resilgen.retry.delay", 0.2), msg}},
		{"resilgen.attempt", at(2), []attribute.KeyValue{aIface, aMethod, aRefused, attempt(2), attribute.Float64("resilgen.attempt.duration", 0.08), msg}},
		{"resilgen.breaker.state_change", at(4), []attribute.KeyValue{aBreaker, attribute.String("resilgen.breaker.state", "open"), attribute.String("resilgen.breaker.previous_state", "closed")}},
		{"resilgen.rejected", at(5), []attribute.KeyValue{aIface, aMethod, attribute.String("resilgen.policy", "breaker"), aBreaker}},
		{"resilgen.breaker.state_change", at(7), []attribute.KeyValue{aBreaker, attribute.String("resilgen.breaker.state", "half-open"), attribute.String("resilgen.breaker.previous_state", "open")}},
		{"resilgen.attempt", at(8), []attribute.KeyValue{aIface, aMethod, attempt(1), attribute.Float64("resilgen.attempt.duration", 0.03)}},
		{"resilgen.breaker.state_change", at(10), []attribute.KeyValue{aBreaker, attribute.String("resilgen.breaker.state", "closed"), attribute.String("resilgen.breaker.previous_state", "half-open")}},
		{"resilgen.idempotent_hit", at(11), []attribute.KeyValue{aIface, aMethod, attribute.String("resilgen.idempotency.key_hash", keyHash)}},
		{"resilgen.workflow.step.replayed", at(13), []attribute.KeyValue{aIface, aMethod, attribute.String("resilgen.workflow.step", "Charge"), wf, attribute.Int("resilgen.workflow.seq", 1)}},
		{"resilgen.workflow.step.recorded", at(15), []attribute.KeyValue{aIface, attribute.String("resilgen.method", "Refund"), attribute.String("resilgen.workflow.step", "Refund"), wf, attribute.Int("resilgen.workflow.seq", 2)}},
		{"resilgen.rejected", at(16), []attribute.KeyValue{aIface, aMethod, attribute.String("resilgen.policy", "bulkhead"), attribute.String("resilgen.error.message", "bulkhead is full")}},
	}

	ended := rec.Ended()
	if len(ended) != 1 {
		t.Fatalf("got %d spans, want only the caller's", len(ended))
	}
	got := ended[0].Events()
	if len(got) != len(want) {
		t.Fatalf("got %d span events, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		gotSet, wantSet := attribute.NewSet(g.Attributes...), attribute.NewSet(w.attrs...)
		if g.Name != w.name || !g.Time.Equal(w.time) || !gotSet.Equals(&wantSet) || len(g.Attributes) != len(w.attrs) {
			t.Errorf("event %d:\n got %s %v %v\nwant %s %v %v", i, g.Name, g.Time, gotSet.Encoded(attribute.DefaultEncoder()), w.name, w.time, wantSet.Encoded(attribute.DefaultEncoder()))
		}
		for _, kv := range g.Attributes {
			if strings.Contains(kv.Value.Emit(), "4242424242424242") {
				t.Errorf("event %d: raw idempotency key in %s", i, kv.Key)
			}
		}
	}
}

// TestNoSpan checks that an observer with no span in the context, or a span
// that is not recording, records metrics and nothing else.
func TestNoSpan(t *testing.T) {
	obs, reader, _, rec := setup(t)
	sampledOut := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(rec))
	ctx, span := sampledOut.Tracer("caller").Start(context.Background(), "checkout")
	for _, e := range script() {
		obs.Observe(context.Background(), e)
		obs.Observe(ctx, e)
	}
	span.End()
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("got %d spans recorded", n)
	}
	var calls int64
	for _, m := range collect(t, reader).Metrics {
		if m.Name == "resilgen.calls" {
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				calls += p.Value
			}
		}
	}
	if calls != 10 {
		t.Errorf("resilgen.calls total %d, want 10 (5 calls, twice)", calls)
	}
}

type classified struct{}

func (classified) Error() string     { return "quota exceeded" }
func (classified) ErrorType() string { return "quota_exceeded" }

func TestErrorType(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{refused, "*net.OpError"},
		{fmt.Errorf("charge: %w", refused), "*net.OpError"},
		{&runtime.RetryError{Attempts: 3, Last: refused}, "*net.OpError"},
		{&runtime.RetryError{Attempts: 2, Last: refused, Cause: context.Canceled}, "canceled"},
		{&runtime.CircuitOpenError{Breaker: iface}, "circuit_open"},
		{runtime.ErrBulkheadFull, "bulkhead_full"},
		{fmt.Errorf("key k: %w", runtime.ErrIdempotencyConflict), "idempotency_conflict"},
		{runtime.ErrNonDeterministic, "non_deterministic"},
		{runtime.ErrLeaseLost, "lease_lost"},
		{ctx.Err(), "canceled"},
		{&net.OpError{Op: "read", Err: context.DeadlineExceeded}, "timeout"},
		{fmt.Errorf("wrapped: %w", classified{}), "quota_exceeded"},
		{errors.New("opaque"), "*errors.errorString"},
	} {
		reader := sdkmetric.NewManualReader()
		obs, err := otelobserver.New(otelobserver.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
		if err != nil {
			t.Fatal(err)
		}
		obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventRetry, Interface: iface, Method: method, Attempt: 1, Err: tc.err})
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		p := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0]
		if v, _ := p.Attributes.Value(semconv.ErrorTypeKey); v.AsString() != tc.want {
			t.Errorf("error.type of %#v = %q, want %q", tc.err, v.AsString(), tc.want)
		}
	}
}

func assertNoRawKey(t *testing.T, sm metricdata.ScopeMetrics) {
	t.Helper()
	check := func(name string, s attribute.Set) {
		for _, kv := range s.ToSlice() {
			if strings.Contains(kv.Value.Emit(), rawKey) {
				t.Errorf("%s: raw idempotency key in %s", name, kv.Key)
			}
		}
	}
	for _, m := range sm.Metrics {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				check(m.Name, p.Attributes)
			}
		case metricdata.Gauge[int64]:
			for _, p := range d.DataPoints {
				check(m.Name, p.Attributes)
			}
		case metricdata.Histogram[float64]:
			for _, p := range d.DataPoints {
				check(m.Name, p.Attributes)
			}
		}
	}
}

var attemptEvent = runtime.Event{
	Kind: runtime.EventAttempt, Time: t0, Interface: iface, Method: method,
	Policy: "retry", Attempt: 1, Duration: 42 * time.Millisecond,
}

// BenchmarkObserveAttempt measures a successful attempt's event, the most
// frequent one: with the no-op provider (the global default before a
// program sets one), with the SDK and no span, and with the SDK and a
// recording span.
func BenchmarkObserveAttempt(b *testing.B) {
	b.Run("noop", func(b *testing.B) {
		obs, err := otelobserver.New(otelobserver.WithMeterProvider(noop.NewMeterProvider()))
		if err != nil {
			b.Fatal(err)
		}
		benchObserve(b, obs, context.Background())
	})
	b.Run("sdk", func(b *testing.B) {
		obs, _, _, _ := setup(b)
		benchObserve(b, obs, context.Background())
	})
	b.Run("sdk+span", func(b *testing.B) {
		obs, _, _, _ := setup(b)
		// One long-lived span: past the SDK's default limit of 128 events
		// it evicts the oldest, so this measures the steady cost of an
		// event, not the growth of the span's event slice.
		tp := sdktrace.NewTracerProvider()
		ctx, span := tp.Tracer("caller").Start(context.Background(), "checkout")
		defer span.End()
		benchObserve(b, obs, ctx)
	})
}

func benchObserve(b *testing.B, obs *otelobserver.Observer, ctx context.Context) {
	b.ReportAllocs()
	for b.Loop() {
		obs.Observe(ctx, attemptEvent)
	}
}

func instrumentationScope() instrumentation.Scope {
	return instrumentation.Scope{Name: otelobserver.ScopeName, SchemaURL: semconv.SchemaURL}
}

// TestReplayedCallFromTheRuntime checks, with the runtime itself reporting,
// that a checkpointed method answered from the journal is counted as a
// call with outcome "replayed".
func TestReplayedCallFromTheRuntime(t *testing.T) {
	obs, reader, _, _ := setup(t)
	m := runtime.New(runtime.WithObserver(obs)).NewMethod(runtime.MethodConfig{Interface: iface, Name: method, Step: "charge"})
	body := func(ctx context.Context) error {
		var out string
		return m.DoRecorded(ctx, runtime.Recording{Args: []any{"4711"}, Results: []any{&out}},
			func(context.Context) error { out = "charged"; return nil })
	}
	store := runtime.NewMemoryStore()
	for range 2 { // the second run is answered from the journal
		if err := runtime.NewWorkflow(store, "incident-INC-12345").Run(context.Background(), body); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]int64{}
	for _, mt := range collect(t, reader).Metrics {
		if mt.Name != "resilgen.calls" {
			continue
		}
		for _, p := range mt.Data.(metricdata.Sum[int64]).DataPoints {
			v, _ := p.Attributes.Value("resilgen.outcome")
			got[v.AsString()] += p.Value
		}
	}
	if got["success"] != 1 || got["replayed"] != 1 || len(got) != 2 {
		t.Fatalf("resilgen.calls by outcome = %v, want success 1, replayed 1", got)
	}
}
