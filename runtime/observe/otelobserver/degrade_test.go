package otelobserver_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/resilgen/resilgen/runtime"
)

// TestDegradationEvents checks the counters and span events of a hedged
// try and a fallback.
func TestDegradationEvents(t *testing.T) {
	obs, reader, tp, rec := setup(t)
	ctx, span := tp.Tracer("caller").Start(context.Background(), "analyse")
	obs.Observe(ctx, runtime.Event{Kind: runtime.EventHedge, Time: at(0), Interface: iface, Method: method, Policy: "hedge", Attempt: 1, Delay: 200 * time.Millisecond})
	obs.Observe(ctx, runtime.Event{Kind: runtime.EventFallback, Time: at(1), Interface: iface, Method: method, Policy: "fallback", Err: refused})
	span.End()

	want := []metricdata.Metrics{
		counter("resilgen.hedges", "{try}", "Hedged tries started beside an attempt that had not answered.",
			count(1, aIface, aMethod)),
		counter("resilgen.fallbacks", "{call}", "Calls answered by their method's fallback, by the error it replaced.",
			count(1, aIface, aMethod, aRefused)),
	}
	got := collect(t, reader).Metrics
	if len(got) != len(want) {
		t.Fatalf("got %d metrics, want %d", len(got), len(want))
	}
	for i := range want {
		metricdatatest.AssertEqual(t, want[i], got[i], metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	}

	events := rec.Ended()[0].Events()
	if len(events) != 2 || events[0].Name != "resilgen.hedge" || events[1].Name != "resilgen.fallback" {
		t.Fatalf("span events %v, want resilgen.hedge and resilgen.fallback", events)
	}
	wantDelay := attribute.Float64("resilgen.retry.delay", 0.2)
	found := false
	for _, kv := range events[0].Attributes {
		found = found || kv == wantDelay
	}
	if !found {
		t.Errorf("hedge event attributes %v lack %v", events[0].Attributes, wantDelay)
	}
}
