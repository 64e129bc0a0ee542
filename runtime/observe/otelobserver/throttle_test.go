package otelobserver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/resilgen/resilgen/runtime"
)

// throttling is what the runtime reports of a throttled dependency: an
// attempt that waited for its token, a server's hint, an attempt the rate
// limiter refused, a call it ended, and a retry the budget refused.
func throttling() []runtime.Event {
	limited := fmt.Errorf(`rate limiter "PaymentClient" (5 per 1s): no token within 0s: %w`, runtime.ErrRateLimited)
	es := []runtime.Event{
		{Kind: runtime.EventRateLimited, Interface: iface, Method: method, Policy: "ratelimit", Attempt: 1, Delay: 250 * time.Millisecond},
		{Kind: runtime.EventRetryAfter, Interface: iface, Method: method, Policy: "retry", Attempt: 1, Delay: 2 * time.Second, Err: refused},
		{Kind: runtime.EventRateLimited, Interface: iface, Method: method, Policy: "ratelimit", Attempt: 2, Err: limited},
		{Kind: runtime.EventCall, Interface: iface, Method: method, Attempt: 2, Err: limited},
		{Kind: runtime.EventBudgetExhausted, Interface: iface, Method: method, Policy: "budget", Attempt: 1, Err: refused},
	}
	for i := range es {
		es[i].Time = at(i)
	}
	return es
}

func TestThrottlingMetrics(t *testing.T) {
	obs, reader, _, _ := setup(t)
	for _, e := range throttling() {
		obs.Observe(context.Background(), e)
	}
	got := collect(t, reader)
	points := map[string]map[attribute.Distinct]int64{}
	for _, m := range got.Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			points[m.Name] = map[attribute.Distinct]int64{}
			for _, p := range sum.DataPoints {
				points[m.Name][p.Attributes.Equivalent()] = p.Value
			}
		}
	}
	policy := func(p string) attribute.KeyValue { return attribute.String("resilgen.policy", p) }
	for _, want := range []struct {
		metric string
		attrs  attribute.Set
	}{
		{"resilgen.rejections", set(aIface, aMethod, policy("ratelimit"))},
		{"resilgen.rejections", set(aIface, aMethod, policy("budget"))},
		{"resilgen.calls", set(aIface, aMethod, attribute.String("resilgen.outcome", "rejected"), attribute.String("error.type", "rate_limited"))},
	} {
		if n := points[want.metric][want.attrs.Equivalent()]; n != 1 {
			t.Errorf("%s %v = %d, want 1", want.metric, want.attrs.Encoded(attribute.DefaultEncoder()), n)
		}
	}
	equal := func(name string, want int) {
		if n := len(points[name]); n != want {
			t.Errorf("%s has %d series, want %d", name, n, want)
		}
	}
	equal("resilgen.rejections", 2) // the wait and the hint are no rejections
	equal("resilgen.retries", 0)
}

func TestThrottlingSpanEvents(t *testing.T) {
	obs, _, tp, rec := setup(t)
	ctx, span := tp.Tracer("caller").Start(context.Background(), "query")
	for _, e := range throttling() {
		obs.Observe(ctx, e)
	}
	span.End()
	attempt := func(n int) attribute.KeyValue { return attribute.Int("resilgen.attempt", n) }
	msg := func(err error) attribute.KeyValue { return attribute.String("resilgen.error.message", err.Error()) }
	es := throttling()
	want := []spanEvent{
		{"resilgen.rate_limited", at(0), []attribute.KeyValue{aIface, aMethod, attempt(1), attribute.Float64("resilgen.ratelimit.wait", 0.25)}},
		{"resilgen.retry_after", at(1), []attribute.KeyValue{aIface, aMethod, aRefused, attempt(1), attribute.Float64("resilgen.retry_after", 2), msg(refused)}},
		{"resilgen.rate_limited", at(2), []attribute.KeyValue{aIface, aMethod, attribute.String("resilgen.policy", "ratelimit"), attempt(2), msg(es[2].Err)}},
		{"resilgen.budget_exhausted", at(4), []attribute.KeyValue{aIface, aMethod, attribute.String("resilgen.policy", "budget"), attempt(1), msg(refused)}},
	}
	got := rec.Ended()[0].Events()
	if len(got) != len(want) {
		t.Fatalf("got %d span events, want %d: %v", len(got), len(want), got)
	}
	for i, g := range got {
		w := want[i]
		gotSet, wantSet := attribute.NewSet(g.Attributes...), attribute.NewSet(w.attrs...)
		if g.Name != w.name || !g.Time.Equal(w.time) || !gotSet.Equals(&wantSet) {
			t.Errorf("event %d:\n got %s %v %v\nwant %s %v %v", i, g.Name, g.Time, gotSet.Encoded(attribute.DefaultEncoder()), w.name, w.time, wantSet.Encoded(attribute.DefaultEncoder()))
		}
	}
}

func TestThrottlingErrorTypes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("limiter: %w", runtime.ErrRateLimited), "rate_limited"},
		{&runtime.RetryError{Attempts: 1, Last: refused, Cause: runtime.ErrRetryBudget}, "retry_budget"},
		{&runtime.RetryError{Attempts: 1, Last: refused, Cause: &runtime.HintError{After: time.Minute, Left: time.Second}}, "retry_after"},
	} {
		obs, reader, _, _ := setup(t)
		obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventCall, Interface: iface, Method: method, Attempt: 1, Err: tc.err})
		p := collect(t, reader).Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0]
		if v, _ := p.Attributes.Value("error.type"); v.AsString() != tc.want {
			t.Errorf("error.type of %v = %q, want %q", tc.err, v.AsString(), tc.want)
		}
	}
}
