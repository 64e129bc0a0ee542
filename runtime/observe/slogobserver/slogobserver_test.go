package slogobserver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/observe/slogobserver"
)

// capture is a slog.Handler that keeps every record it is given.
type capture struct {
	level slog.Level
	mu    sync.Mutex
	recs  []slog.Record
}

func (h *capture) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *capture) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *capture) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *capture) WithGroup(string) slog.Handler      { return h }

// record is what a test expects of one log record. Attribute values are
// compared as slog.Value.String spells them.
type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func flatten(t *testing.T, r slog.Record) record {
	t.Helper()
	got := record{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		if _, dup := got.attrs[a.Key]; dup {
			t.Errorf("record %q: attribute %q twice", r.Message, a.Key)
		}
		got.attrs[a.Key] = a.Value.String()
		return true
	})
	return got
}

// refused is a dependency's error as the wrapped client would return it.
var refused = errors.New("dial tcp 10.0.0.7:443: connection refused")

const rawKey = "order-4711-card-4242424242424242"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// script is an outage and its recovery, as the runtime reports it: two
// failed attempts of a call, the breaker opening, a rejected call, the
// breaker half-open, a trial that succeeds, the breaker closing, then an
// idempotent hit, a replayed and a recorded workflow step, and a bulkhead
// rejection.
func script() []runtime.Event {
	const iface, method = "PaymentClient", "Charge"
	return []runtime.Event{
		{Kind: runtime.EventAttempt, Time: t0, Interface: iface, Method: method, Policy: "retry", Attempt: 1, Duration: 120 * time.Millisecond, Err: refused},
		{Kind: runtime.EventRetry, Time: t0, Interface: iface, Method: method, Policy: "retry", Attempt: 1, Delay: 200 * time.Millisecond, Err: refused},
		{Kind: runtime.EventAttempt, Time: t0, Interface: iface, Method: method, Policy: "retry", Attempt: 2, Duration: 80 * time.Millisecond, Err: refused},
		{Kind: runtime.EventCall, Time: t0, Interface: iface, Method: method, Attempt: 2, Duration: 400 * time.Millisecond, Err: fmt.Errorf("after 2 attempts: %w", refused)},
		{Kind: runtime.EventStateChange, Time: t0, Interface: iface, Policy: "breaker", Breaker: iface, From: runtime.StateClosed, To: runtime.StateOpen},
		{Kind: runtime.EventRejected, Time: t0, Interface: iface, Method: method, Policy: "breaker", Breaker: iface},
		{Kind: runtime.EventCall, Time: t0, Interface: iface, Method: method, Policy: "breaker", Err: fmt.Errorf("PaymentClient: %w", runtime.ErrCircuitOpen)},
		{Kind: runtime.EventStateChange, Time: t0, Interface: iface, Policy: "breaker", Breaker: iface, From: runtime.StateOpen, To: runtime.StateHalfOpen},
		{Kind: runtime.EventAttempt, Time: t0, Interface: iface, Method: method, Attempt: 1, Duration: 30 * time.Millisecond},
		{Kind: runtime.EventCall, Time: t0, Interface: iface, Method: method, Attempt: 1, Duration: 30 * time.Millisecond},
		{Kind: runtime.EventStateChange, Time: t0, Interface: iface, Policy: "breaker", Breaker: iface, From: runtime.StateHalfOpen, To: runtime.StateClosed},
		{Kind: runtime.EventIdempotentHit, Time: t0, Interface: iface, Method: method, Policy: "idempotency", Key: rawKey},
		{Kind: runtime.EventCall, Time: t0, Interface: iface, Method: method, Policy: "idempotency", Key: rawKey},
		{Kind: runtime.EventStepReplayed, Time: t0, Interface: iface, Method: method, Policy: "checkpoint", Workflow: "incident-INC-12345", Step: "Charge", Seq: 1},
		{Kind: runtime.EventStepRecorded, Time: t0, Interface: iface, Method: "Refund", Policy: "checkpoint", Workflow: "incident-INC-12345", Step: "Refund", Seq: 2},
		{Kind: runtime.EventRejected, Time: t0, Interface: iface, Method: method, Policy: "bulkhead", Err: runtime.ErrBulkheadFull},
	}
}

// keyHash is the first 12 hex digits of sha256(rawKey), computed once by
// hand (printf %s "$key" | sha256sum) so that the test checks the adapter
// against an independent value.
const keyHash = "4697cda65b9a"

func TestObserveScript(t *testing.T) {
	h := &capture{level: slog.LevelDebug}
	obs := slogobserver.New(slog.New(h))
	for _, e := range script() {
		obs.Observe(context.Background(), e)
	}

	debug, info, warn := slog.LevelDebug, slog.LevelInfo, slog.LevelWarn
	base := map[string]string{"interface": "PaymentClient", "method": "Charge"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	want := []record{
		{debug, "attempt failed", with("event", "attempt", "policy", "retry", "attempt", "1", "duration", "120ms", "error", refused.Error())},
		{info, "attempt failed, retrying", with("event", "retry", "policy", "retry", "attempt", "1", "delay", "200ms", "error", refused.Error())},
		{debug, "attempt failed", with("event", "attempt", "policy", "retry", "attempt", "2", "duration", "80ms", "error", refused.Error())},
		{info, "call failed", with("event", "call", "attempt", "2", "duration", "400ms", "error", "after 2 attempts: "+refused.Error())},
		{warn, "circuit breaker opened", with("event", "state_change", "method", "", "policy", "breaker", "breaker", "PaymentClient", "from", "closed", "to", "open")},
		{debug, "call rejected", with("event", "rejected", "policy", "breaker", "breaker", "PaymentClient")},
		{debug, "call failed", with("event", "call", "policy", "breaker", "duration", "0s", "error", "PaymentClient: circuit breaker is open")},
		{info, "circuit breaker half-open", with("event", "state_change", "method", "", "policy", "breaker", "breaker", "PaymentClient", "from", "open", "to", "half-open")},
		{debug, "attempt succeeded", with("event", "attempt", "attempt", "1", "duration", "30ms")},
		{debug, "call succeeded", with("event", "call", "attempt", "1", "duration", "30ms")},
		{info, "circuit breaker closed", with("event", "state_change", "method", "", "policy", "breaker", "breaker", "PaymentClient", "from", "half-open", "to", "closed")},
		{debug, "idempotent call answered from its record", with("event", "idempotent_hit", "policy", "idempotency", "key_hash", keyHash)},
		{debug, "call succeeded", with("event", "call", "policy", "idempotency", "duration", "0s", "key_hash", keyHash)},
		{debug, "workflow step replayed", with("event", "step_replayed", "policy", "checkpoint", "workflow", "incident-INC-12345", "step", "Charge", "seq", "1")},
		{debug, "workflow step recorded", with("event", "step_recorded", "method", "Refund", "policy", "checkpoint", "workflow", "incident-INC-12345", "step", "Refund", "seq", "2")},
		{warn, "call rejected", with("event", "rejected", "policy", "bulkhead", "error", "bulkhead is full")},
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

// TestHealthyIsQuiet checks the promise of the package documentation: the
// events of a healthy system log nothing above Debug.
func TestHealthyIsQuiet(t *testing.T) {
	h := &capture{level: slog.LevelInfo}
	obs := slogobserver.New(slog.New(h))
	for _, e := range script() {
		if e.Err != nil || e.Kind == runtime.EventStateChange || e.Kind == runtime.EventRejected || e.Kind == runtime.EventRetry {
			continue
		}
		obs.Observe(context.Background(), e)
	}
	for _, r := range h.recs {
		t.Errorf("healthy event logged at %v: %q", r.Level, r.Message)
	}
}

// TestRawKeyNeverLogged renders every event through the JSON and text
// handlers at Debug and looks for the key in the output.
func TestRawKeyNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	for _, logger := range []*slog.Logger{
		slog.New(slog.NewJSONHandler(&buf, opts)),
		slog.New(slog.NewTextHandler(&buf, opts)),
	} {
		obs := slogobserver.New(logger)
		for _, e := range script() {
			obs.Observe(context.Background(), e)
		}
	}
	out := buf.String()
	if strings.Contains(out, rawKey) || strings.Contains(out, "4242424242424242") {
		t.Fatalf("raw idempotency key in the log:\n%s", out)
	}
	if n := strings.Count(out, keyHash); n != 4 {
		t.Errorf("key hash appears %d times, want 4 (two events, two handlers)", n)
	}
}

func TestWithLevels(t *testing.T) {
	h := &capture{level: slog.LevelInfo}
	// An operator who wants to see every attempt, and retries only at Debug.
	obs := slogobserver.New(slog.New(h), slogobserver.WithLevels(func(e runtime.Event) slog.Level {
		switch e.Kind {
		case runtime.EventAttempt:
			return slog.LevelInfo
		case runtime.EventRetry:
			return slog.LevelDebug
		}
		return slogobserver.DefaultLevel(e)
	}))
	for _, e := range script()[:5] {
		obs.Observe(context.Background(), e)
	}
	var got []string
	for _, r := range h.recs {
		got = append(got, r.Level.String()+" "+r.Message)
	}
	want := []string{"INFO attempt failed", "INFO attempt failed", "INFO call failed", "WARN circuit breaker opened"}
	if !slicesEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestNilLoggerUsesDefault checks that a nil logger follows slog.SetDefault
// made after New.
func TestNilLoggerUsesDefault(t *testing.T) {
	obs := slogobserver.New(nil)
	h := &capture{level: slog.LevelDebug}
	old := slog.Default()
	slog.SetDefault(slog.New(h))
	t.Cleanup(func() { slog.SetDefault(old) })
	obs.Observe(context.Background(), script()[4])
	if len(h.recs) != 1 || h.recs[0].Message != "circuit breaker opened" {
		t.Fatalf("default logger got %d records", len(h.recs))
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var attemptEvent = runtime.Event{
	Kind: runtime.EventAttempt, Time: t0, Interface: "PaymentClient", Method: "Charge",
	Policy: "retry", Attempt: 1, Duration: 42 * time.Millisecond,
}

// BenchmarkObserveAttempt measures a successful attempt's event, the most
// frequent one: at Info (the production default, where it is dropped) and
// at Debug through a JSON handler (where it is written).
func BenchmarkObserveAttempt(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		level slog.Level
	}{{"disabled", slog.LevelInfo}, {"json", slog.LevelDebug}} {
		b.Run(bc.name, func(b *testing.B) {
			obs := slogobserver.New(slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: bc.level})))
			b.ReportAllocs()
			for b.Loop() {
				obs.Observe(ctx, attemptEvent)
			}
		})
	}
}
