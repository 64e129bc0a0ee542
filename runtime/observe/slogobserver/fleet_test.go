package slogobserver_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"testing"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/slogobserver"
)

func TestFleetRecords(t *testing.T) {
	h := &capture{level: slog.LevelDebug}
	obs := slogobserver.New(slog.New(h))
	lost := errors.New("redisfleet: breaker \"Dep\" on 127.0.0.1:6379: connection refused")
	obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventFleetFallback, Time: t0, Interface: "Dep", Policy: "fleet", Breaker: "Dep", Err: lost})
	obs.Observe(context.Background(), runtime.Event{Kind: runtime.EventFleetRejoin, Time: t0, Interface: "Dep", Policy: "fleet", Breaker: "Dep"})
	want := []record{
		{slog.LevelWarn, "fleet unreachable, breaker goes on locally", map[string]string{"event": "fleet_fallback", "interface": "Dep", "policy": "fleet", "breaker": "Dep", "error": lost.Error()}},
		{slog.LevelInfo, "fleet answers again, breaker rejoined it", map[string]string{"event": "fleet_rejoin", "interface": "Dep", "policy": "fleet", "breaker": "Dep"}},
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
