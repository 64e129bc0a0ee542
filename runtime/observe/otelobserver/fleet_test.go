package otelobserver_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/resilgen/resilgen/runtime"
)

// TestFleetEvents checks the counters and span events of a breaker that
// fell back from its fleet and rejoined it.
func TestFleetEvents(t *testing.T) {
	obs, reader, tp, rec := setup(t)
	ctx, span := tp.Tracer("caller").Start(context.Background(), "analyse")
	obs.Observe(ctx, runtime.Event{Kind: runtime.EventFleetFallback, Time: at(0), Interface: iface, Policy: "fleet", Breaker: iface, Err: refused})
	obs.Observe(ctx, runtime.Event{Kind: runtime.EventFleetRejoin, Time: at(1), Interface: iface, Policy: "fleet", Breaker: iface})
	span.End()

	want := []metricdata.Metrics{
		counter("resilgen.fleet.fallbacks", "{fallback}", "Times a breaker lost its fleet and went on locally.", count(1, aBreaker)),
		counter("resilgen.fleet.rejoins", "{rejoin}", "Times a breaker rejoined its fleet.", count(1, aBreaker)),
	}
	got := collect(t, reader).Metrics
	if len(got) != len(want) {
		t.Fatalf("got %d metrics, want %d", len(got), len(want))
	}
	for i := range want {
		metricdatatest.AssertEqual(t, want[i], got[i], metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	}
	events := rec.Ended()[0].Events()
	if len(events) != 2 || events[0].Name != "resilgen.fleet.fallback" || events[1].Name != "resilgen.fleet.rejoin" {
		t.Fatalf("span events %v, want resilgen.fleet.fallback and resilgen.fleet.rejoin", events)
	}
}
