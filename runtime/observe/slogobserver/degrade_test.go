package slogobserver_test

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/slogobserver"
)

func TestDegradationRecords(t *testing.T) {
	h := &capture{level: slog.LevelDebug}
	obs := slogobserver.New(slog.New(h))
	obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventHedge, Time: t0, Interface: "Logs", Method: "Query", Policy: "hedge", Attempt: 1, Delay: 200 * time.Millisecond})
	obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventFallback, Time: t0, Interface: "Logs", Method: "Query", Policy: "fallback", Err: refused})
	want := []record{
		{slog.LevelDebug, "attempt slow, hedging", map[string]string{"event": "hedge", "interface": "Logs", "method": "Query", "policy": "hedge", "attempt": "1", "delay": "200ms"}},
		{slog.LevelWarn, "call failed, answered by its fallback", map[string]string{"event": "fallback", "interface": "Logs", "method": "Query", "policy": "fallback", "error": refused.Error()}},
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
