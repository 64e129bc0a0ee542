package runtime_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// receipt is a result an idempotent method records.
type receipt struct {
	ID     string
	Amount int
}

// charger is an idempotent method Svc.Charge(ctx, account, amount) on a
// fake clock and a store the test can look into.
type charger struct {
	clk   *clocktest.Clock
	store runtime.Store
	rt    *runtime.Runtime
	m     *runtime.Method
	obs   *recorder
	mu    sync.Mutex
	calls int
}

func newCharger(t *testing.T, cfg runtime.IdempotencyConfig, opts ...runtime.Option) *charger {
	t.Helper()
	return newChargerOn(t, runtime.NewMemoryStore(), cfg, opts...)
}

// sharedStore stands for a store shared with other processes, which the
// tests play by claiming in it with other owners and the fingerprint
// fingerprintOf computes. It hides the memory store from the runtime, which
// would otherwise key its fingerprints to this process (see memhit.go).
type sharedStore struct{ runtime.Store }

// newSharedCharger is newCharger on a sharedStore.
func newSharedCharger(t *testing.T, cfg runtime.IdempotencyConfig, opts ...runtime.Option) *charger {
	t.Helper()
	return newChargerOn(t, sharedStore{runtime.NewMemoryStore()}, cfg, opts...)
}

func newChargerOn(t *testing.T, store runtime.Store, cfg runtime.IdempotencyConfig, opts ...runtime.Option) *charger {
	t.Helper()
	c := &charger{clk: clocktest.New(epoch), store: store, obs: &recorder{}}
	opts = append([]runtime.Option{runtime.WithClock(c.clk), runtime.WithStore(c.store), runtime.WithObserver(c.obs)}, opts...)
	c.rt = runtime.New(opts...)
	c.m = c.rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Charge", Idempotent: &cfg})
	return c
}

// charge calls Charge with key through DoRecorded; body, when set, runs as
// the call in place of the default that returns a fresh receipt.
func (c *charger) charge(ctx context.Context, key, account string, amount int, body func(context.Context) error) (receipt, error) {
	var r receipt
	err := c.m.DoRecorded(ctx, runtime.Recording{Key: key, Args: []any{account, amount}, Results: []any{&r}},
		func(ctx context.Context) error {
			c.mu.Lock()
			c.calls++
			n := c.calls
			c.mu.Unlock()
			if body != nil {
				if err := body(ctx); err != nil {
					return err
				}
			}
			r = receipt{ID: "rcpt-" + string(rune('0'+n)), Amount: amount}
			return nil
		})
	return r, err
}

// chargeHeld starts charging k1 (acct, 100) in a goroutine whose call
// holds until release is called and then returns result. It returns once
// the call is running; done receives the charge's error.
func (c *charger) chargeHeld(result error) (release func(), done <-chan error) {
	entered, held := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.charge(context.Background(), "k1", "acct", 100, func(context.Context) error {
			close(entered)
			<-held
			return result
		})
		errc <- err
	}()
	<-entered
	return func() { close(held) }, errc
}

func (c *charger) callCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func TestIdempotentRepeatReturnsRecordedResult(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	first, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	again, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	equal(t, first, again, "repeated result")
	equal(t, 1, c.callCount(), "calls")
	hits := c.obs.kind(runtime.EventIdempotentHit)
	equal(t, 1, len(hits), "hit events")
	equal(t, "k1", hits[0].Key, "hit key")
	// Another key is another call.
	_, err = c.charge(context.Background(), "k2", "acct", 100, nil)
	noErr(t, err)
	equal(t, 2, c.callCount(), "calls")
}

func TestIdempotentMethodWithOnlyAnErrorIsAnsweredFromItsRecord(t *testing.T) {
	// A method that returns only an error records no results (json.Marshal
	// writes them as null); a repeat must still be a hit, not a decoding
	// error.
	rt := runtime.New(runtime.WithClock(clocktest.New(epoch)))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Cluster", Name: "Restart", Idempotent: &runtime.IdempotencyConfig{}})
	calls := 0
	restart := func() error {
		return m.DoRecorded(context.Background(), runtime.Recording{Key: "pod-1", Args: []any{"pod-1"}},
			func(context.Context) error { calls++; return nil })
	}
	noErr(t, restart())
	noErr(t, restart())
	equal(t, 1, calls, "calls through")
}

func TestIdempotentKeyIsNamespacedByMethod(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	_, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	rec, claimed, err := c.store.Claim(context.Background(), "Svc.Charge:k1", "x", "probe", c.clk.Now(), c.clk.Now().Add(time.Second))
	noErr(t, err)
	equal(t, false, claimed, "claimed a recorded key")
	equal(t, true, rec.Done, "record is done")
}

func TestIdempotentEmptyKeyHashesTheArguments(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	a, err := c.charge(context.Background(), "", "acct", 100, nil)
	noErr(t, err)
	b, err := c.charge(context.Background(), "", "acct", 100, nil)
	noErr(t, err)
	equal(t, a, b, "result")
	_, err = c.charge(context.Background(), "", "acct", 200, nil)
	noErr(t, err)
	equal(t, 2, c.callCount(), "calls")
}

func TestIdempotentConflictOnOtherArguments(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	_, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	_, err = c.charge(context.Background(), "k1", "acct", 999, nil)
	isErr(t, err, runtime.ErrIdempotencyConflict)
	equal(t, 1, c.callCount(), "calls")
}

func TestIdempotentConflictWhileInFlightIsImmediate(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	release, done := c.chargeHeld(nil)
	_, err := c.charge(context.Background(), "k1", "acct", 999, nil)
	isErr(t, err, runtime.ErrIdempotencyConflict)
	release()
	noErr(t, <-done)
}

func TestIdempotentConcurrentDuplicatesRunOnce(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	const n = 20
	results := make([]receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.charge(context.Background(), "k1", "acct", 100, func(context.Context) error {
				once.Do(func() { close(entered) })
				<-release
				return nil
			})
		}()
	}
	<-entered
	close(release)
	wg.Wait()
	equal(t, 1, c.callCount(), "calls")
	for i := range n {
		noErr(t, errs[i])
		equal(t, results[0], results[i], "result of a duplicate")
	}
}

func TestIdempotentFailureIsNotRecorded(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	_, err := c.charge(context.Background(), "k1", "acct", 100, func(context.Context) error { return errBoom })
	isErr(t, err, errBoom)
	r, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	equal(t, "rcpt-2", r.ID, "result of the second call")
	equal(t, 2, c.callCount(), "calls")
}

func TestIdempotentFailedFirstLetsAWaiterCall(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	release, done := c.chargeHeld(errBoom)
	second := make(chan error, 1)
	go func() {
		_, err := c.charge(context.Background(), "k1", "acct", 100, nil)
		second <- err
	}()
	release()
	isErr(t, <-done, errBoom)
	noErr(t, <-second)
	equal(t, 2, c.callCount(), "calls")
}

func TestIdempotentRecordExpiresAfterTTL(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{TTL: time.Hour})
	_, err := c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	c.clk.Advance(time.Hour - time.Nanosecond)
	_, err = c.charge(context.Background(), "k1", "acct", 100, nil)
	noErr(t, err)
	equal(t, 1, c.callCount(), "calls before expiry")
	c.clk.Advance(time.Nanosecond)
	// Expired: the key is free, even for other arguments.
	_, err = c.charge(context.Background(), "k1", "acct", 200, nil)
	noErr(t, err)
	equal(t, 2, c.callCount(), "calls after expiry")
}

func TestIdempotentTakesOverAfterLeaseExpiry(t *testing.T) {
	c := newSharedCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second})
	// Another process claimed the key with the same arguments and died.
	fp := fingerprintOf(t, "acct", 100)
	_, claimed, err := c.store.Claim(context.Background(), "Svc.Charge:k1", fp, "dead-process", c.clk.Now(), c.clk.Now().Add(30*time.Second))
	noErr(t, err)
	equal(t, true, claimed, "setup claim")

	done := make(chan error, 1)
	go func() { _, err := c.charge(context.Background(), "k1", "acct", 100, nil); done <- err }()
	c.clk.BlockUntilTimers(t, 1) // waiting for the dead claim
	equal(t, 0, c.callCount(), "calls while the claim is live")
	c.clk.Advance(30 * time.Second)
	noErr(t, <-done)
	equal(t, 1, c.callCount(), "calls after the lease ran out")
}

func TestIdempotentWaitsForAnotherProcessResult(t *testing.T) {
	c := newSharedCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second})
	fp := fingerprintOf(t, "acct", 100)
	key := "Svc.Charge:k1"
	_, _, err := c.store.Claim(context.Background(), key, fp, "other", c.clk.Now(), c.clk.Now().Add(30*time.Second))
	noErr(t, err)

	var got receipt
	done := make(chan error, 1)
	go func() {
		var err error
		got, err = c.charge(context.Background(), "k1", "acct", 100, nil)
		done <- err
	}()
	c.clk.BlockUntilTimers(t, 1)
	noErr(t, c.store.Complete(context.Background(), key, "other", []byte(`[{"ID":"theirs","Amount":100}]`), c.clk.Now().Add(time.Hour)))
	c.clk.Advance(time.Second) // the next look at the claim
	noErr(t, <-done)
	equal(t, receipt{ID: "theirs", Amount: 100}, got, "result")
	equal(t, 0, c.callCount(), "calls")
}

func TestIdempotentLeaseIsRenewedWhileTheCallRuns(t *testing.T) {
	c := newSharedCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second})
	fp := fingerprintOf(t, "acct", 100)
	release, done := c.chargeHeld(nil)
	for range 6 { // a minute: twice the lease
		c.clk.BlockUntilTimers(t, 1)
		c.clk.Advance(10 * time.Second)
	}
	c.clk.BlockUntilTimers(t, 1) // the renewal after the last advance is done
	_, claimed, err := c.store.Claim(context.Background(), "Svc.Charge:k1", fp, "other", c.clk.Now(), c.clk.Now().Add(time.Minute))
	noErr(t, err)
	equal(t, false, claimed, "another owner took over a renewed claim")
	release()
	noErr(t, <-done)
	equal(t, 0, c.clk.Timers(), "renewal timers left running")
}

func TestIdempotentLostLeaseStopsTheCall(t *testing.T) {
	c := newSharedCharger(t, runtime.IdempotencyConfig{Lease: 30 * time.Second}, runtime.WithOwner("me"))
	fp := fingerprintOf(t, "acct", 100)
	key := "Svc.Charge:k1"
	entered := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := c.charge(context.Background(), "k1", "acct", 100, func(ctx context.Context) error {
			close(entered)
			<-ctx.Done()
			return context.Cause(ctx)
		})
		done <- err
	}()
	<-entered
	// The store hands the key to another owner (as after a long pause).
	noErr(t, c.store.Release(context.Background(), key, "me"))
	_, claimed, err := c.store.Claim(context.Background(), key, fp, "other", c.clk.Now(), c.clk.Now().Add(time.Hour))
	noErr(t, err)
	equal(t, true, claimed, "other's claim")
	c.clk.BlockUntilTimers(t, 1)
	c.clk.Advance(10 * time.Second)
	isErr(t, <-done, runtime.ErrLeaseLost)
}

func TestIdempotentWaiterGivesUpWithItsContext(t *testing.T) {
	store := newSignalStore()
	c := newCharger(t, runtime.IdempotencyConfig{}, runtime.WithStore(store))
	release, done := c.chargeHeld(nil)

	// The waiter finds the key claimed by the held call and parks on its
	// flight; only then is its context cancelled.
	stop := errors.New("the caller gave up")
	ctx, cancel := context.WithCancelCause(context.Background())
	waiter := make(chan error, 1)
	go func() {
		_, err := c.charge(ctx, "k1", "acct", 100, nil)
		waiter <- err
	}()
	<-store.unclaimed
	cancel(stop)
	err := receive(t, waiter, "the cancelled waiter")
	isErr(t, err, stop)
	if !strings.Contains(err.Error(), "waiting for the call in flight") {
		t.Fatalf("error %q does not come from the wait for the call in flight", err)
	}

	release()
	noErr(t, <-done)
	equal(t, 1, c.callCount(), "calls")
}

func TestIdempotentResultThatCannotBeEncoded(t *testing.T) {
	c := newCharger(t, runtime.IdempotencyConfig{})
	ch := make(chan int)
	err := c.m.DoRecorded(context.Background(), runtime.Recording{Key: "k", Args: []any{1}, Results: []any{&ch}},
		func(context.Context) error { return nil })
	if err == nil || errors.Is(err, runtime.ErrIdempotencyConflict) {
		t.Fatalf("got %v, want an encoding error", err)
	}
	// Released: the key is free again.
	_, claimed, err := c.store.Claim(context.Background(), "Svc.Charge:k", "x", "probe", c.clk.Now(), c.clk.Now().Add(time.Second))
	noErr(t, err)
	equal(t, true, claimed, "key free after a failed encoding")
}

// fingerprintOf is the fingerprint Charge records for (account, amount):
// the hex sha256 of the JSON array of the arguments, as another process
// (or another language) computes it.
func fingerprintOf(t *testing.T, account string, amount int) string {
	t.Helper()
	b, err := json.Marshal([]any{account, amount})
	noErr(t, err)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// renewCounter is a store that counts lease renewals.
type renewCounter struct {
	runtime.Store
	mu      sync.Mutex
	renewed int
}

func (s *renewCounter) Renew(ctx context.Context, key, owner string, leaseUntil time.Time) error {
	s.mu.Lock()
	s.renewed++
	s.mu.Unlock()
	return s.Store.Renew(ctx, key, owner, leaseUntil)
}

// TestClockDrivesARetryBesideTheLeaseRenewal drives an idempotent call
// that retries with clocktest's AdvanceToNext: the lease-renewal timer runs
// beside the backoff, so the test cannot know which single timer to wait
// for, only how many, and lets the clock go to whichever is due first.
func TestClockDrivesARetryBesideTheLeaseRenewal(t *testing.T) {
	clk := clocktest.New(epoch)
	store := &renewCounter{Store: runtime.NewMemoryStore()}
	rt := runtime.New(runtime.WithClock(clk), runtime.WithStore(store))
	m := rt.NewMethod(runtime.MethodConfig{
		Interface: "Svc", Name: "Charge",
		Idempotent: &runtime.IdempotencyConfig{Lease: 3 * time.Second}, // renewed every 1s
		Retry:      &runtime.RetryConfig{Attempts: 2, Base: 2 * time.Second, Jitter: runtime.JitterNone},
	})
	var out string
	attempts := 0
	done := make(chan error, 1)
	go func() {
		done <- m.DoRecorded(context.Background(), runtime.Recording{Key: "k", Args: []any{1}, Results: []any{&out}},
			func(context.Context) error {
				if attempts++; attempts == 1 {
					return errBoom
				}
				out = "ok"
				return nil
			})
	}()

	clk.BlockUntilTimers(t, 2) // the renewal at 1s and the backoff at 2s
	if at, ok := clk.NextDue(); !ok || !at.Equal(epoch.Add(time.Second)) {
		t.Fatalf("NextDue() = %v, %v; want the renewal at epoch+1s", at, ok)
	}
	d, ok := clk.AdvanceToNext()
	equal(t, true, ok, "a timer was pending")
	equal(t, time.Second, d, "moved to the renewal")

	clk.BlockUntilTimers(t, 2) // the next renewal and the backoff, both at 2s
	d, ok = clk.AdvanceToNext()
	equal(t, true, ok, "a timer was pending")
	equal(t, time.Second, d, "moved to the backoff's end")

	noErr(t, <-done)
	equal(t, "ok", out, "result")
	equal(t, 2, attempts, "attempts")
	equal(t, epoch.Add(2*time.Second), clk.Now(), "time")
	store.mu.Lock()
	renewed := store.renewed
	store.mu.Unlock()
	if renewed < 1 {
		t.Fatal("the lease was never renewed")
	}
}
