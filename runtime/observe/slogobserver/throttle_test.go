package slogobserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/slogobserver"
)

// TestThrottlingEvents checks the records of the rate limiter, the
// server's hints and the retry budget, and of a call a rate limiter
// refused.
func TestThrottlingEvents(t *testing.T) {
	const iface, method = "LogsClient", "StartQuery"
	limited := fmt.Errorf(`rate limiter "LogsClient" (5 per 1s): no token within 0s: %w`, runtime.ErrRateLimited)
	events := []runtime.Event{
		{Kind: runtime.EventRateLimited, Time: t0, Interface: iface, Method: method, Policy: "ratelimit", Attempt: 1, Delay: 200 * time.Millisecond},
		{Kind: runtime.EventRetryAfter, Time: t0, Interface: iface, Method: method, Policy: "retry", Attempt: 1, Delay: 2 * time.Second, Err: refused},
		{Kind: runtime.EventRateLimited, Time: t0, Interface: iface, Method: method, Policy: "ratelimit", Attempt: 2, Err: limited},
		{Kind: runtime.EventCall, Time: t0, Interface: iface, Method: method, Attempt: 2, Err: limited},
		{Kind: runtime.EventBudgetExhausted, Time: t0, Interface: iface, Method: method, Policy: "budget", Attempt: 1, Err: refused},
		// A hedge the budget refused carries no error: no attempt failed.
		{Kind: runtime.EventBudgetExhausted, Time: t0, Interface: iface, Method: method, Policy: "budget", Attempt: 1},
	}
	h := &capture{level: slog.LevelDebug}
	obs := slogobserver.New(slog.New(h))
	for _, e := range events {
		obs.Observe(context.Background(), e)
	}
	base := map[string]string{"interface": iface, "method": method}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	want := []record{
		{slog.LevelDebug, "attempt waited for a rate-limit token", with("event", "rate_limited", "policy", "ratelimit", "attempt", "1", "delay", "200ms")},
		{slog.LevelInfo, "server asked to retry later", with("event", "retry_after", "policy", "retry", "attempt", "1", "delay", "2s", "error", refused.Error())},
		{slog.LevelInfo, "attempt refused by the rate limiter", with("event", "rate_limited", "policy", "ratelimit", "attempt", "2", "error", limited.Error())},
		{slog.LevelDebug, "call failed", with("event", "call", "attempt", "2", "duration", "0s", "error", limited.Error())},
		{slog.LevelWarn, "retry refused by the retry budget", with("event", "budget_exhausted", "policy", "budget", "attempt", "1", "error", refused.Error())},
		{slog.LevelWarn, "hedge refused by the retry budget", with("event", "budget_exhausted", "policy", "budget", "attempt", "1")},
	}
	if len(h.recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(h.recs), len(want))
	}
	for i, r := range h.recs {
		got := flatten(t, r)
		if got.level != want[i].level || got.msg != want[i].msg || !maps.Equal(got.attrs, want[i].attrs) {
			t.Errorf("record %d:\n got %v %q %v\nwant %v %q %v", i, got.level, got.msg, got.attrs, want[i].level, want[i].msg, want[i].attrs)
		}
	}
}
