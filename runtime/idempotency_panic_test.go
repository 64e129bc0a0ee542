package runtime_test

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// panicValue is what the dependency panics with in these tests.
type panicValue struct{ msg string }

// chargePanicking charges k1 with a call that panics with v, and returns
// what the caller recovered.
func (c *charger) chargePanicking(v any) (recovered any) {
	defer func() { recovered = recover() }()
	_, _ = c.charge(context.Background(), "k1", "acct", 100, func(context.Context) error { panic(v) })
	return nil
}

// assertNoGoroutine fails t when a goroutine runs a function whose name
// contains fn.
func assertNoGoroutine(t *testing.T, fn string) {
	t.Helper()
	var buf bytes.Buffer
	noErr(t, pprof.Lookup("goroutine").WriteTo(&buf, 2))
	for _, g := range strings.Split(buf.String(), "\n\n") {
		if strings.Contains(g, fn) {
			t.Fatalf("a goroutine is left running %s:\n%s", fn, g)
		}
	}
}

// assertFree fails t unless key is free in store: another owner claims it
// at once (and gives it back).
func assertFree(t *testing.T, c *charger, key string) {
	t.Helper()
	ctx := context.Background()
	_, claimed, err := c.store.Claim(ctx, key, "probe-fp", "probe", c.clk.Now(), c.clk.Now().Add(time.Second))
	noErr(t, err)
	equal(t, true, claimed, "another owner's claim of "+key)
	noErr(t, c.store.Release(ctx, key, "probe"))
}

func TestIdempotentPanicReleasesTheKey(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second})
	v := &panicValue{"dependency blew up"}
	if got := c.chargePanicking(v); got != v {
		t.Fatalf("the caller recovered %v, want the call's own panic value %v", got, v)
	}
	// Renewal stopped: no timer of it, no goroutine.
	c.clk.AssertNoTimers(t)
	assertNoGoroutine(t, "keepClaim")
	// The claim is gone from the store, not only from this process.
	assertFree(t, c, "Svc.Charge:k1")

	// The next call with the key runs at once: a wait here would be on a
	// clock no one advances. (clocktest.Await does not fit: the call's own
	// lease renewal starts a timer.)
	done := make(chan error, 1)
	var r receipt
	go func() {
		var err error
		r, err = c.charge(context.Background(), "k1", "acct", 100, nil)
		done <- err
	}()
	noErr(t, receive(t, done, "the call after the panic"))
	equal(t, "rcpt-2", r.ID, "result of the call after the panic")
	equal(t, 2, c.callCount(), "calls")
	c.clk.AssertNoTimers(t)
}

// receive returns what ch delivers, the error of a call that must not wait
// on the frozen clock of its test; it fails t when ch delivers nothing
// within clocktest's block timeout of real time.
func receive(t *testing.T, ch <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(clocktest.DefaultBlockTimeout):
		t.Fatalf("%s still waits after %v on a clock that does not move", what, clocktest.DefaultBlockTimeout)
		return nil
	}
}

// signalStore closes unclaimed the first time a Claim finds the key taken.
type signalStore struct {
	runtime.Store
	once      sync.Once
	unclaimed chan struct{}
}

func newSignalStore() *signalStore {
	return &signalStore{Store: runtime.NewMemoryStore(), unclaimed: make(chan struct{})}
}

func (s *signalStore) Claim(ctx context.Context, key, fingerprint, owner string, now, leaseUntil time.Time) (runtime.Record, bool, error) {
	r, claimed, err := s.Store.Claim(ctx, key, fingerprint, owner, now, leaseUntil)
	if err == nil && !claimed && !r.Done {
		s.once.Do(func() { close(s.unclaimed) })
	}
	return r, claimed, err
}

func TestIdempotentPanicLetsAWaiterCall(t *testing.T) {
	store := newSignalStore()
	c := newCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second}, runtime.WithStore(store))
	c.store = store

	entered, held := make(chan struct{}), make(chan struct{})
	v := &panicValue{"held call blew up"}
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		_, _ = c.charge(context.Background(), "k1", "acct", 100, func(context.Context) error {
			close(entered)
			<-held
			panic(v)
		})
	}()
	<-entered

	// A duplicate finds the key claimed by this runtime and waits for the
	// flight of the held call; that flight is led, so it waits on no timer.
	var r receipt
	second := make(chan error, 1)
	go func() {
		var err error
		r, err = c.charge(context.Background(), "k1", "acct", 100, nil)
		second <- err
	}()
	<-store.unclaimed

	close(held)
	if got := <-recovered; got != v {
		t.Fatalf("the caller recovered %v, want %v", got, v)
	}
	// The waiter looks again and calls through itself, at once: the clock
	// never moves in this test.
	noErr(t, receive(t, second, "the duplicate of the call that panicked"))
	equal(t, "rcpt-2", r.ID, "result of the duplicate")
	equal(t, 2, c.callCount(), "calls")
	c.clk.AssertNoTimers(t)
	assertNoGoroutine(t, "keepClaim")
}
