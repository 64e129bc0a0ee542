package runtime

import (
	"context"
	"testing"
	"time"
)

// TestReplayOnTheSystemClockExpires checks the expiry of a hit on the
// system clock, which Replay reads apart from other clocks (monotonic
// only): a record is answered until its expiry and not at or after it,
// with or without a monotonic reading.
func TestReplayOnTheSystemClockExpires(t *testing.T) {
	ctx := context.Background()
	rt := New()
	m := rt.NewMethod(MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &IdempotencyConfig{}})
	s := rt.cfg.store.(*memoryStore)
	var fp [memFingerprintLen]byte
	s.hashJSON(&fp, []byte(`["k"]`))
	now := time.Now()
	for _, c := range []struct {
		name      string
		expiresAt time.Time
		want      bool
	}{
		{"live", now.Add(time.Hour), true},
		{"expired", now.Add(-time.Nanosecond), false},
		{"live, wall clock only", now.Add(time.Hour).Round(0), true},
		{"expired, wall clock only", now.Add(-time.Second).Round(0), false},
	} {
		s.records["Svc.Get:k"] = Record{Key: "Svc.Get:k", Fingerprint: string(fp[:]), Done: true, Result: []byte("[3]"), ExpiresAt: c.expiresAt}
		var r0 int
		if got := m.Replay(ctx, "k", []any{"k"}, []any{&r0}); got != c.want {
			t.Fatalf("%s: Replay answered %v, want %v", c.name, got, c.want)
		}
	}
}
