package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// throttled is a 429 whose Retry-After the error carries.
type throttled struct{ after time.Duration }

func (e *throttled) Error() string             { return "429 too many requests" }
func (e *throttled) RetryAfter() time.Duration { return e.after }

func TestServerHintSetsTheWait(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rc    runtime.RetryConfig
		err   error
		wait  time.Duration
		hints int
	}{
		{"hint longer than the backoff", runtime.RetryConfig{Base: 100 * time.Millisecond}, &throttled{5 * time.Second}, 5 * time.Second, 1},
		{"hint shorter than the backoff", runtime.RetryConfig{Base: time.Second}, &throttled{10 * time.Millisecond}, time.Second, 1},
		{"hint past max", runtime.RetryConfig{Base: 100 * time.Millisecond, Max: time.Second}, &throttled{30 * time.Second}, 30 * time.Second, 1},
		{"hint found through wrapping", runtime.RetryConfig{Base: 100 * time.Millisecond}, errors.Join(errBoom, &throttled{2 * time.Second}), 2 * time.Second, 1},
		{"hint from after=", runtime.RetryConfig{Base: 100 * time.Millisecond, After: func(err error) (time.Duration, bool) {
			return 3 * time.Second, errors.Is(err, errBoom)
		}}, errBoom, 3 * time.Second, 1},
		{"after= without a hint falls back to RetryAfter", runtime.RetryConfig{Base: 100 * time.Millisecond, After: func(error) (time.Duration, bool) {
			return time.Hour, false
		}}, &throttled{4 * time.Second}, 4 * time.Second, 1},
		{"no hint", runtime.RetryConfig{Base: 100 * time.Millisecond}, errBoom, 100 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.rc.Attempts = 2
			clk, m, obs := retryFixture(tc.rc)
			calls := 0
			waits, err := clocktest.Drive(t, clk, func() error { return m.Do(context.Background(), failing(&calls, tc.err)) })
			noErr(t, err)
			if len(waits) != 1 || waits[0] != tc.wait {
				t.Fatalf("waits %v, want [%v]", waits, tc.wait)
			}
			equal(t, tc.hints, len(obs.kind(runtime.EventRetryAfter)), "retry_after events")
		})
	}
}

func TestServerHintPastTheDeadlineEndsTheRetries(t *testing.T) {
	clk, m, obs := retryFixture(runtime.RetryConfig{Attempts: 5, Base: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls := 0
	err := doOnce(t, clk, ctx, m, failing(&calls, &throttled{30 * time.Second}))
	equal(t, 1, calls, "attempts")
	var he *runtime.HintError
	if !errors.As(err, &he) || he.After != 30*time.Second {
		t.Fatalf("error %v, want a *HintError of 30s", err)
	}
	var th *throttled
	if !errors.As(err, &th) {
		t.Fatalf("error %v does not wrap the last attempt's error", err)
	}
	if !strings.Contains(err.Error(), "the server asked to retry after 30s, past the caller's deadline in ") {
		t.Fatalf("error %q does not name the hint", err)
	}
	equal(t, 1, len(obs.kind(runtime.EventRetryAfter)), "retry_after events")
	equal(t, 0, len(obs.kind(runtime.EventRetry)), "retry events")
}

func TestServerHintWithinTheDeadlineIsWaited(t *testing.T) {
	clk, m, _ := retryFixture(runtime.RetryConfig{Attempts: 2, Base: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	calls := 0
	waits, err := clocktest.Drive(t, clk, func() error { return m.Do(ctx, failing(&calls, &throttled{30 * time.Second})) })
	noErr(t, err)
	if len(waits) != 1 || waits[0] != 30*time.Second {
		t.Fatalf("waits %v, want [30s]", waits)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 10, 21, 7, 28, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"Wed, 21 Oct 2026 07:28:30 GMT", 30 * time.Second, true},
		{"Wednesday, 21-Oct-26 07:29:00 GMT", time.Minute, true},
		{"Wed Oct 21 07:28:05 2026", 5 * time.Second, true},
		{"Wed, 21 Oct 2026 07:00:00 GMT", 0, true}, // in the past
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 0, false},
	} {
		got, ok := runtime.ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
