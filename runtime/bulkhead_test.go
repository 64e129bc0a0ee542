package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

func bulkheadFixture(cfg runtime.BulkheadConfig) (*clocktest.Clock, *runtime.Bulkhead, *runtime.Method, *recorder) {
	clk, obs := clocktest.New(epoch), &recorder{}
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(obs))
	bh := rt.NewBulkhead("Svc", cfg)
	return clk, bh, rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Bulkhead: bh}), obs
}

// hold starts n calls through m that stay in flight until release is closed.
func hold(t *testing.T, m *runtime.Method, n int, release <-chan struct{}) *sync.WaitGroup {
	t.Helper()
	var wg, in sync.WaitGroup
	for range n {
		wg.Add(1)
		in.Add(1)
		go func() {
			defer wg.Done()
			_ = m.Do(context.Background(), func(context.Context) error {
				in.Done()
				<-release
				return nil
			})
		}()
	}
	in.Wait()
	return &wg
}

func TestBulkheadRejectsBeyondMax(t *testing.T) {
	_, bh, m, obs := bulkheadFixture(runtime.BulkheadConfig{Max: 2})
	release := make(chan struct{})
	wg := hold(t, m, 2, release)
	equal(t, 2, bh.InFlight(), "in flight")
	calls := 0
	err := m.Do(context.Background(), failing(&calls))
	isErr(t, err, runtime.ErrBulkheadFull)
	equal(t, 0, calls, "calls")
	if !strings.Contains(err.Error(), `"Svc"`) {
		t.Fatalf("error %q does not name the bulkhead", err)
	}
	equal(t, "bulkhead", obs.kind(runtime.EventRejected)[0].Policy, "rejecting policy")
	close(release)
	wg.Wait()
	equal(t, 0, bh.InFlight(), "in flight after the calls ended")
	noErr(t, m.Do(context.Background(), failing(&calls)))
}

func TestBulkheadWaitsForASlot(t *testing.T) {
	clk, bh, m, _ := bulkheadFixture(runtime.BulkheadConfig{Max: 1, Wait: time.Second})
	release := make(chan struct{})
	wg := hold(t, m, 1, release)
	calls := 0
	done := doAsync(context.Background(), m, failing(&calls))
	clk.BlockUntilTimers(t, 1)
	close(release) // a slot frees up before the wait ends
	noErr(t, <-done)
	equal(t, 1, calls, "calls")
	wg.Wait()
	equal(t, 0, bh.InFlight(), "in flight")
}

func TestBulkheadWaitRunsOut(t *testing.T) {
	clk, _, m, _ := bulkheadFixture(runtime.BulkheadConfig{Max: 1, Wait: time.Second})
	release := make(chan struct{})
	wg := hold(t, m, 1, release)
	calls := 0
	done := doAsync(context.Background(), m, failing(&calls))
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Second)
	isErr(t, <-done, runtime.ErrBulkheadFull)
	equal(t, 0, calls, "calls")
	close(release)
	wg.Wait()
}

func TestBulkheadWaitEndsWithTheContext(t *testing.T) {
	clk, _, m, _ := bulkheadFixture(runtime.BulkheadConfig{Max: 1, Wait: time.Hour})
	release := make(chan struct{})
	wg := hold(t, m, 1, release)
	ctx, cancel := context.WithCancel(context.Background())
	done := doAsync(ctx, m, func(context.Context) error { return nil })
	clk.BlockUntilTimers(t, 1)
	cancel()
	err := <-done
	isErr(t, err, context.Canceled)
	if errors.Is(err, runtime.ErrBulkheadFull) {
		t.Fatal("a caller that gave up was told the bulkhead is full")
	}
	close(release)
	wg.Wait()
}

func TestBulkheadManyWaiters(t *testing.T) {
	// The slots are held until every other call is parked on its wait:
	// exactly max calls are in flight, the rest wait, and as slots free up
	// every waiter gets one, none is left asleep, and the cap holds.
	const slots, callers = 2, 50
	clk, bh, m, _ := bulkheadFixture(runtime.BulkheadConfig{Max: slots, Wait: time.Hour})
	var wg sync.WaitGroup
	var mu sync.Mutex
	inFlight, peak, calls := 0, 0, 0
	entered, release := make(chan struct{}, callers), make(chan struct{})
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- m.Do(context.Background(), func(context.Context) error {
				mu.Lock()
				inFlight++
				calls++
				peak = max(peak, inFlight)
				mu.Unlock()
				entered <- struct{}{}
				<-release
				mu.Lock()
				inFlight--
				mu.Unlock()
				return nil
			})
		}()
	}
	for range slots {
		<-entered
	}
	clk.BlockUntilTimers(t, callers-slots) // every other call waits for a slot
	mu.Lock()
	held := inFlight
	mu.Unlock()
	equal(t, slots, held, "calls in flight while the slots are held")
	equal(t, slots, bh.InFlight(), "slots taken while held")

	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, err)
	}
	equal(t, callers, calls, "calls through")
	equal(t, slots, peak, "peak calls in flight")
	equal(t, 0, bh.InFlight(), "in flight")
	clk.AssertNoTimers(t)
}

func TestBulkheadDefaultMax(t *testing.T) {
	_, bh, m, _ := bulkheadFixture(runtime.BulkheadConfig{})
	release := make(chan struct{})
	wg := hold(t, m, 10, release)
	equal(t, 10, bh.InFlight(), "in flight")
	isErr(t, m.Do(context.Background(), func(context.Context) error { return nil }), runtime.ErrBulkheadFull)
	close(release)
	wg.Wait()
}
