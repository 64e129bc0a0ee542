// Package observe_test runs both observer adapters against the real runtime:
// a breaker that opens, rejects, half-opens and closes, a retry, an
// idempotent hit and a replayed workflow step, on a manual clock so that
// every duration, and so every measurement, is exact.
package observe_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
	"github.com/resilgen/resilgen/runtime/observe/otelobserver"
	"github.com/resilgen/resilgen/runtime/observe/slogobserver"
)

var refused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

const rawKey = "order-4711-card-4242424242424242"

// records keeps the level and message of every slog record.
type records struct {
	mu   sync.Mutex
	got  []string
	json bytes.Buffer
	next slog.Handler
}

func newRecords() *records {
	r := &records{}
	r.next = slog.NewJSONHandler(&r.json, &slog.HandlerOptions{Level: slog.LevelDebug})
	return r
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(ctx context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec.Level.String()+" "+rec.Message)
	return r.next.Handle(ctx, rec)
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

func TestAdaptersOnRealRuntime(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	otelObs, err := otelobserver.New(otelobserver.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		t.Fatal(err)
	}
	logs := newRecords()
	slogObs := slogobserver.New(slog.New(logs))
	both := runtime.ObserverFunc(func(ctx context.Context, e runtime.Event) {
		otelObs.Observe(ctx, e)
		slogObs.Observe(ctx, e)
	})
	spans := tracetest.NewSpanRecorder()
	ctx, span := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("test").Start(context.Background(), "checkout")

	clk := clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	rt := runtime.New(runtime.WithObserver(both), runtime.WithClock(clk))
	breaker := rt.NewBreaker("PaymentClient", runtime.BreakerConfig{Threshold: 2, Timeout: 10 * time.Second, HalfOpen: 1})
	charge := rt.NewMethod(runtime.MethodConfig{
		Interface: "PaymentClient", Name: "Charge", Breaker: breaker,
		Retry: &runtime.RetryConfig{Attempts: 2, Base: 100 * time.Millisecond, Jitter: runtime.JitterNone},
	})
	capture := rt.NewMethod(runtime.MethodConfig{Interface: "PaymentClient", Name: "Capture", Idempotent: &runtime.IdempotencyConfig{}})

	fail := func(context.Context) error { return refused }
	succeed := func(context.Context) error { return nil }
	// failTwice runs a call whose two attempts fail, moving the clock over
	// the 100ms backoff between them.
	failTwice := func() {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- charge.Do(ctx, fail) }()
		clk.BlockUntilTimers(t, 1)
		clk.Advance(100 * time.Millisecond)
		if err := <-done; !errors.Is(err, refused) {
			t.Fatalf("failing call: %v", err)
		}
	}

	failTwice()
	failTwice() // the breaker's second failure: it opens
	if err := charge.Do(ctx, succeed); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("call on open breaker: %v", err)
	}
	clk.Advance(10 * time.Second)
	if err := charge.Do(ctx, succeed); err != nil { // half-open trial; closes it
		t.Fatalf("trial call: %v", err)
	}
	var out string
	for range 2 { // the second is answered from the record
		err := capture.DoRecorded(ctx, runtime.Recording{Key: rawKey, Args: []any{"4711"}, Results: []any{&out}},
			func(context.Context) error { out = "captured"; return nil })
		if err != nil || out != "captured" {
			t.Fatalf("idempotent call: %q, %v", out, err)
		}
	}
	store := runtime.NewMemoryStore()
	for range 2 { // the second run replays the step
		wf := runtime.NewWorkflow(store, "incident-INC-12345", runtime.WithObserver(both), runtime.WithClock(clk))
		err := wf.Run(ctx, func(ctx context.Context) error {
			_, err := runtime.Step(ctx, "lookup", func(context.Context) (int, error) { return 7, nil })
			return err
		})
		if err != nil {
			t.Fatalf("workflow: %v", err)
		}
	}
	span.End()

	t.Run("metrics", func(t *testing.T) { checkMetrics(t, reader) })

	t.Run("span events", func(t *testing.T) {
		var got []string
		for _, ev := range spans.Ended()[0].Events() {
			got = append(got, ev.Name)
		}
		want := []string{
			"resilgen.attempt", "resilgen.retry", "resilgen.attempt",
			"resilgen.attempt", "resilgen.retry", "resilgen.attempt", "resilgen.breaker.state_change",
			"resilgen.rejected",
			"resilgen.breaker.state_change", "resilgen.attempt", "resilgen.breaker.state_change",
			"resilgen.attempt", "resilgen.idempotent_hit",
			"resilgen.workflow.step.recorded", "resilgen.workflow.step.replayed",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("span events:\n got %q\nwant %q", got, want)
		}
	})

	t.Run("log records", func(t *testing.T) {
		want := []string{
			"DEBUG attempt failed", "INFO attempt failed, retrying", "DEBUG attempt failed", "INFO call failed",
			"DEBUG attempt failed", "INFO attempt failed, retrying", "DEBUG attempt failed", "WARN circuit breaker opened", "INFO call failed",
			"DEBUG call rejected", "DEBUG call failed",
			"INFO circuit breaker half-open", "DEBUG attempt succeeded", "INFO circuit breaker closed", "DEBUG call succeeded",
			"DEBUG attempt succeeded", "DEBUG call succeeded",
			"DEBUG idempotent call answered from its record", "DEBUG call succeeded",
			"DEBUG workflow step recorded", "DEBUG workflow step replayed",
		}
		if strings.Join(logs.got, "\n") != strings.Join(want, "\n") {
			t.Errorf("log records:\n got %q\nwant %q", logs.got, want)
		}
		if strings.Contains(logs.json.String(), rawKey) {
			t.Errorf("raw idempotency key in the log")
		}
	})
}

func checkMetrics(t *testing.T, reader *sdkmetric.ManualReader) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	iface := attribute.String("resilgen.interface", "PaymentClient")
	chargeM := attribute.String("resilgen.method", "Charge")
	captureM := attribute.String("resilgen.method", "Capture")
	refusedT := attribute.String("error.type", "*net.OpError")
	breaker := attribute.String("resilgen.breaker.name", "PaymentClient")
	outcome := func(o string) attribute.KeyValue { return attribute.String("resilgen.outcome", o) }
	sum := func(name, unit, desc string, points ...metricdata.DataPoint[int64]) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Unit: unit, Description: desc, Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: points}}
	}
	pt := func(v int64, kv ...attribute.KeyValue) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Attributes: attribute.NewSet(kv...), Value: v}
	}
	bounds := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	// hp is a histogram point of n values of v (seconds) that fall in
	// bucket; the manual clock makes every attempt take 0s and a retried
	// call take exactly its 100ms backoff.
	hp := func(n uint64, v float64, bucket int, kv ...attribute.KeyValue) metricdata.HistogramDataPoint[float64] {
		p := metricdata.HistogramDataPoint[float64]{Attributes: attribute.NewSet(kv...), Bounds: bounds,
			BucketCounts: make([]uint64, len(bounds)+1), Count: n, Sum: float64(n) * v,
			Min: metricdata.NewExtrema(v), Max: metricdata.NewExtrema(v)}
		p.BucketCounts[bucket] = n
		return p
	}
	hist := func(name, desc string, points ...metricdata.HistogramDataPoint[float64]) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Unit: "s", Description: desc, Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality, DataPoints: points}}
	}
	want := metricdata.ScopeMetrics{
		Scope: instrumentation.Scope{Name: otelobserver.ScopeName, SchemaURL: semconv.SchemaURL},
		Metrics: []metricdata.Metrics{
			sum("resilgen.calls", "{call}", "Calls of wrapped methods, by outcome.",
				pt(2, iface, chargeM, outcome("error"), refusedT),
				pt(1, iface, chargeM, outcome("rejected"), attribute.String("error.type", "circuit_open")),
				pt(1, iface, chargeM, outcome("success")),
				pt(1, iface, captureM, outcome("success")),
				pt(1, iface, captureM, outcome("idempotent_hit"))),
			hist("resilgen.call.duration", "Duration of calls of wrapped methods, retries and waits included.",
				hp(2, 0.1, 5, iface, chargeM, outcome("error"), refusedT),
				hp(1, 0, 0, iface, chargeM, outcome("rejected"), attribute.String("error.type", "circuit_open")),
				hp(1, 0, 0, iface, chargeM, outcome("success")),
				hp(1, 0, 0, iface, captureM, outcome("success")),
				hp(1, 0, 0, iface, captureM, outcome("idempotent_hit"))),
			hist("resilgen.attempt.duration", "Duration of single attempts of wrapped methods.",
				hp(4, 0, 0, iface, chargeM, refusedT),
				hp(1, 0, 0, iface, chargeM),
				hp(1, 0, 0, iface, captureM)),
			sum("resilgen.retries", "{retry}", "Retries scheduled after a failed attempt.",
				pt(2, iface, chargeM, refusedT)),
			sum("resilgen.rejections", "{call}", "Calls a breaker or bulkhead refused.",
				pt(1, iface, chargeM, attribute.String("resilgen.policy", "breaker"), breaker)),
			{Name: "resilgen.breaker.state", Unit: "{state}", Description: "Breaker state: 0 closed, 1 open, 2 half-open.",
				Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{pt(0, breaker)}}},
			sum("resilgen.breaker.transitions", "{transition}", "Breaker state changes, by new state.",
				pt(1, breaker, attribute.String("resilgen.breaker.state", "open")),
				pt(1, breaker, attribute.String("resilgen.breaker.state", "half-open")),
				pt(1, breaker, attribute.String("resilgen.breaker.state", "closed"))),
			sum("resilgen.idempotent.hits", "{call}", "Idempotent calls answered from their record.",
				pt(1, iface, captureM)),
			sum("resilgen.workflow.steps.replayed", "{step}", "Workflow steps replayed from the journal.",
				pt(1, attribute.String("resilgen.workflow.step", "lookup"))),
			sum("resilgen.workflow.steps.recorded", "{step}", "Workflow steps run and journaled.",
				pt(1, attribute.String("resilgen.workflow.step", "lookup"))),
		},
	}
	if len(rm.ScopeMetrics) != 1 {
		t.Fatalf("got %d scopes, want 1", len(rm.ScopeMetrics))
	}
	// Exemplars are left out: the SDK samples them from the caller's span.
	metricdatatest.AssertEqual(t, want, rm.ScopeMetrics[0], metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
