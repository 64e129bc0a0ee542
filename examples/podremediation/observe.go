package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/resilgen/resilgen/runtime"
)

// eventPrinter prints the resilience events the agent's audit log cares
// about, indented under the alert that caused them: retries, the breaker's
// state changes, rejections and idempotent hits.
type eventPrinter struct {
	out   io.Writer
	clock runtime.Clock
}

// Observe implements runtime.Observer. The runtime calls it synchronously
// from the caller's goroutine, and the agent handles one alert at a time, so
// its lines fall between the agent's own in order.
func (p eventPrinter) Observe(ctx context.Context, e runtime.Event) {
	method := e.Interface + "." + e.Method
	switch e.Kind {
	case runtime.EventRetryAfter:
		p.printf("    %s: the API server asks to retry after %v", method, e.Delay)
	case runtime.EventRetry:
		p.printf("    retry: %s attempt %d failed: %v; next attempt in %v", method, e.Attempt, e.Err, e.Delay.Round(10*time.Millisecond))
	case runtime.EventCall:
		// Only a call whose retries all failed is news here: it is the one
		// failure the breaker counts for all of its attempts.
		if e.Err != nil && e.Attempt > 1 {
			p.printf("    %s gave up after %d attempts: one failure for the breaker", method, e.Attempt)
		}
	case runtime.EventStateChange:
		p.printf("    breaker %s: %v -> %v", e.Breaker, e.From, e.To)
	case runtime.EventRejected:
		p.printf("    %s rejected at once by the %s (no request sent)", method, e.Policy)
	case runtime.EventIdempotentHit:
		p.printf("    %s answered from its idempotency record (no request sent)", method)
	}
}

func (p eventPrinter) printf(format string, args ...any) {
	fmt.Fprintf(p.out, "%s %s\n", p.clock.Now().Format(time.TimeOnly), fmt.Sprintf(format, args...))
}

// observers sends each event to every observer in turn.
type observers []runtime.Observer

// Observe implements runtime.Observer.
func (os observers) Observe(ctx context.Context, e runtime.Event) {
	for _, o := range os {
		o.Observe(ctx, e)
	}
}

// printMetrics writes the metrics the OpenTelemetry reader collected, one
// line per data point, sorted by attributes, so that they read like a dashboard's table.
func printMetrics(w io.Writer, rm metricdata.ResourceMetrics) {
	for _, sm := range rm.ScopeMetrics {
		fmt.Fprintf(w, "metrics of %s:\n", sm.Scope.Name)
		for _, m := range sm.Metrics {
			fmt.Fprintf(w, "  %s (%s)\n", m.Name, m.Unit)
			var lines []string
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range data.DataPoints {
					lines = append(lines, row(dp.Attributes, dp.Value))
				}
			case metricdata.Sum[float64]:
				for _, dp := range data.DataPoints {
					lines = append(lines, row(dp.Attributes, dp.Value))
				}
			case metricdata.Gauge[int64]:
				for _, dp := range data.DataPoints {
					lines = append(lines, row(dp.Attributes, dp.Value))
				}
			case metricdata.Gauge[float64]:
				for _, dp := range data.DataPoints {
					lines = append(lines, row(dp.Attributes, dp.Value))
				}
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					lines = append(lines, row(dp.Attributes, fmt.Sprintf("count=%d sum=%.3g", dp.Count, dp.Sum)))
				}
			case metricdata.Histogram[int64]:
				for _, dp := range data.DataPoints {
					lines = append(lines, row(dp.Attributes, fmt.Sprintf("count=%d sum=%d", dp.Count, dp.Sum)))
				}
			default:
				lines = append(lines, fmt.Sprintf("(%T)", data))
			}
			sort.Strings(lines)
			for _, l := range lines {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
}

// row formats one data point: its attributes, then its value.
func row(set attribute.Set, value any) string {
	return fmt.Sprintf("%-76s %v", attrs(set), value)
}

// attrs formats an attribute set as "k=v k=v", without the common
// "resilgen." prefix, which would only repeat itself on every line.
func attrs(set attribute.Set) string {
	parts := make([]string, 0, set.Len())
	for _, kv := range set.ToSlice() {
		parts = append(parts, strings.TrimPrefix(string(kv.Key), "resilgen.")+"="+kv.Value.Emit())
	}
	return strings.Join(parts, " ")
}
