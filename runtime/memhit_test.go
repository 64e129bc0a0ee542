package runtime_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// TestIdempotentMemoryHitAllocatesNothing holds the contract
// BenchmarkIdempotentHit measures: a hit on the memory store with scalar
// arguments and results allocates nothing in the runtime (a generated
// wrapper adds its Recording's slices).
func TestIdempotentMemoryHitAllocatesNothing(t *testing.T) {
	rt := runtime.New(runtime.WithClock(clocktest.New(epoch)))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Payments", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
	ctx := context.Background()
	var out int
	rec := runtime.Recording{Key: "order-1", Args: []any{"acct-42", 100}, Results: []any{&out}}
	calls := 0
	call := func(context.Context) error { calls++; out = 7; return nil }
	noErr(t, m.DoRecorded(ctx, rec, call))
	if n := testing.AllocsPerRun(100, func() {
		out = 0
		if err := m.DoRecorded(ctx, rec, call); err != nil || out != 7 {
			t.Fatalf("hit: %v, result %d", err, out)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per memory hit, want 0", n)
	}
	equal(t, 1, calls, "calls through")

	// Without key=, the hit finds the record under the key its claim
	// wrote: only that key's string is allocated, for errors and events.
	rec.Key = ""
	noErr(t, m.DoRecorded(ctx, rec, call))
	if n := testing.AllocsPerRun(100, func() {
		if err := m.DoRecorded(ctx, rec, call); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Fatalf("%v allocations per memory hit without a key, want 1", n)
	}
	equal(t, 2, calls, "calls through")
}

// TestIdempotentMemoryHitResultsAreTheCallers checks that a hit hands out
// values the caller may change without changing what the next hit returns.
func TestIdempotentMemoryHitResultsAreTheCallers(t *testing.T) {
	rt := runtime.New(runtime.WithClock(clocktest.New(epoch)))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query", Idempotent: &runtime.IdempotencyConfig{}})
	query := func() ([]int, map[string]int, string) {
		var lines []int
		var counts map[string]int
		var summary string
		err := m.DoRecorded(context.Background(), runtime.Recording{Key: "q", Args: []any{"q"}, Results: []any{&lines, &counts, &summary}},
			func(context.Context) error {
				lines, counts, summary = []int{1, 2}, map[string]int{"err": 3}, "two lines"
				return nil
			})
		noErr(t, err)
		return lines, counts, summary
	}
	query()
	lines, counts, _ := query()
	lines[0], counts["err"] = 99, 99
	lines, counts, summary := query()
	equal(t, 1, lines[0], "line after the caller changed a hit's slice")
	equal(t, 3, counts["err"], "count after the caller changed a hit's map")
	equal(t, "two lines", summary, "summary")
}

// TestIdempotentMemoryHitWithoutKey checks that the fast hit of a method
// without key= finds the record under the key the claim wrote (the hex of
// the arguments' fingerprint), reports that key, and tells other
// arguments apart.
func TestIdempotentMemoryHitWithoutKey(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	first, err := c.charge(context.Background(), "", "acct", 100, nil)
	noErr(t, err)
	again, err := c.charge(context.Background(), "", "acct", 100, nil)
	noErr(t, err)
	equal(t, first, again, "hit result")
	hits := c.obs.kind(runtime.EventIdempotentHit)
	equal(t, 1, len(hits), "hit events")
	if _, err := hex.DecodeString(hits[0].Key); err != nil || len(hits[0].Key) != 32 {
		t.Fatalf("hit key %q: want the hex of 128 bits", hits[0].Key)
	}
	rec, claimed, err := c.store.Claim(context.Background(), "Svc.Charge:"+hits[0].Key, "probe", "probe", c.clk.Now(), c.clk.Now().Add(time.Second))
	noErr(t, err)
	equal(t, false, claimed, "claimed the key the hit reported")
	equal(t, true, rec.Done, "record under the reported key is done")
	_, err = c.charge(context.Background(), "", "acct", 200, nil)
	noErr(t, err)
	equal(t, 2, c.callCount(), "calls")
}

// TestIdempotentMemoryHitExpires checks that the fast hit honours the TTL
// for the same arguments: a record that ran out is called again.
func TestIdempotentMemoryHitExpires(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{TTL: time.Hour})
	first, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	c.clk.Advance(time.Hour - time.Nanosecond)
	again, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	equal(t, first, again, "hit just before expiry")
	c.clk.Advance(time.Nanosecond)
	after, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	equal(t, 2, c.callCount(), "calls after expiry")
	if after == first {
		t.Fatalf("result after expiry %v is the expired one", after)
	}
}

// TestIdempotentMemoryClaimHoldsUntilTheCallEnds checks that a claim in the
// memory store, which is not renewed, stays held past the lease until its
// call ends.
func TestIdempotentMemoryClaimHoldsUntilTheCallEnds(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second})
	release, done := c.chargeHeld(nil)
	c.clk.Advance(time.Hour)
	_, claimed, err := c.store.Claim(context.Background(), "Svc.Charge:k1", "other-fp", "other", c.clk.Now(), c.clk.Now().Add(time.Minute))
	noErr(t, err)
	equal(t, false, claimed, "another owner took over a claim whose call still runs")
	release()
	noErr(t, <-done)
	_, err = c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	equal(t, 1, c.callCount(), "calls: the held call's result is recorded")
}

// TestIdempotentMemoryErrorsNameTheCallersKey checks that the errors of the
// claim loop on the memory store name the key as the caller gave it, not
// the store key it is kept under.
func TestIdempotentMemoryErrorsNameTheCallersKey(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	_, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	_, err = c.charge(context.Background(), "k1", "acct", 200, nil)
	isErr(t, err, runtime.ErrIdempotencyConflict)
	if want := `Svc.Charge: idempotency key "k1"`; !strings.Contains(err.Error(), want) {
		t.Fatalf("conflict %q does not say %q", err, want)
	}
}

// TestIdempotentMemoryClaimIsSettledWhenTheCallerGaveUp checks that a call
// whose caller canceled while it ran still settles its claim in the memory
// store: a success is recorded, a failure gives the key up, so that the
// next call with the key neither calls again nor waits on a claim that
// holds until its call ends.
func TestIdempotentMemoryClaimIsSettledWhenTheCallerGaveUp(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	// charge calls with key in a context that the call itself cancels,
	// before it returns err.
	charge := func(key string, err error) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, got := c.charge(ctx, key, "acct", 100, func(context.Context) error { cancel(); return err })
		return got
	}
	noErr(t, charge("ok", nil))
	_, err := c.charge(context.Background(), "ok", "acct", 100, nil)
	noErr(t, err)
	equal(t, 1, c.callCount(), "calls after a success whose caller gave up")

	isErr(t, charge("failed", errBoom), errBoom)
	done := make(chan error, 1)
	go func() { _, err := c.charge(context.Background(), "failed", "acct", 100, nil); done <- err }()
	select {
	case err := <-done:
		noErr(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the key of a failed call whose caller gave up is still claimed")
	}
	equal(t, 3, c.callCount(), "calls after a failure whose caller gave up")
}
