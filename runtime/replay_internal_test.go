package runtime

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
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
	var buf [memFingerprintMax]byte
	fp := s.fingerprintJSON(&buf, []byte(`["k"]`), true)
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
		s.records["Svc.Get:k"] = &memRecord{Record: Record{Key: "Svc.Get:k", Fingerprint: string(fp), Done: true, Result: []byte("[3]"), ExpiresAt: c.expiresAt}}
		var r0 int
		if got := m.Replay(ctx, "k", []any{"k"}, []any{&r0}); got != c.want {
			t.Fatalf("%s: Replay answered %v, want %v", c.name, got, c.want)
		}
	}
}

// TestMemoryFingerprintsTellArgumentsApart checks, for arguments whose
// JSON is on either side of the lengths where the memory store switches
// from the JSON itself to its hash, that the same arguments hit and others
// under the same key conflict, through Replay and DoRecorded alike.
func TestMemoryFingerprintsTellArgumentsApart(t *testing.T) {
	ctx := context.Background()
	m := New().NewMethod(MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &IdempotencyConfig{}})
	for n := 1; n <= memFingerprintMax+4; n++ {
		// ["aaa..."] is n+4 bytes of JSON.
		arg, other := strings.Repeat("a", n), strings.Repeat("a", n-1)+"b"
		key := "k" + strconv.Itoa(n)
		var r0 int
		if err := m.DoRecorded(ctx, Recording{Key: key, Args: []any{arg}, Results: []any{&r0}}, func(context.Context) error { r0 = n; return nil }); err != nil {
			t.Fatal(err)
		}
		r0 = 0
		if !m.Replay(ctx, key, []any{arg}, []any{&r0}) || r0 != n {
			t.Fatalf("%d bytes of JSON: Replay of the same arguments: %d", n+4, r0)
		}
		if m.Replay(ctx, key, []any{other}, []any{&r0}) {
			t.Fatalf("%d bytes of JSON: Replay answered other arguments", n+4)
		}
		err := m.DoRecorded(ctx, Recording{Key: key, Args: []any{other}, Results: []any{&r0}}, func(context.Context) error { return nil })
		if !errors.Is(err, ErrIdempotencyConflict) {
			t.Fatalf("%d bytes of JSON: other arguments: %v, want a conflict", n+4, err)
		}
	}
}

// FuzzDecodeScalars holds Replay's decoding to the slow path's: whatever
// decodeScalars accepts, decodeResults reads the same.
func FuzzDecodeScalars(f *testing.F) {
	for _, s := range []string{`[7]`, `["a"]`, `[true]`, `[null]`, `[1,2]`, `["a","b"]`, `[ 3 ]`, `[[1]]`, `null`, `[]`, `["a,b"]`, `[-0]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := func() [][]any {
			var s1, s2 string
			var b1 bool
			var i1, i2 int
			var i64 int64
			var i32 int32
			return [][]any{{&s1}, {&b1}, {&i1}, {&i64}, {&i32}, {&s2, &i2}, {}}
		}
		fast, slow := targets(), targets()
		for i := range fast {
			if !decodeScalars(data, fast[i]) {
				continue
			}
			if err := decodeResults(data, slow[i]); err != nil {
				t.Fatalf("decodeScalars(%s) into %d results accepted what decodeResults refuses: %v", data, len(fast[i]), err)
			}
			if !reflect.DeepEqual(fast[i], slow[i]) {
				t.Fatalf("decodeScalars(%s) read %v, decodeResults %v", data, fast[i], slow[i])
			}
		}
	})
}
