package runtime_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// These tests are for -race: many goroutines on one breaker and on one
// idempotency key.

func TestHammerOneBreaker(t *testing.T) {
	hammerBreaker(t, runtime.BreakerConfig{Threshold: 3, Window: time.Second, Timeout: 10 * time.Millisecond, HalfOpen: 2})
}

// TestHammerRateBreaker hammers the rate mode, whose successes are counted
// without the lock, with slow calls counted too.
func TestHammerRateBreaker(t *testing.T) {
	hammerBreaker(t, runtime.BreakerConfig{Rate: 30, Min: 5, Window: time.Second, Timeout: 10 * time.Millisecond, HalfOpen: 2, Slow: 5 * time.Millisecond})
}

func hammerBreaker(t *testing.T, cfg runtime.BreakerConfig) {
	clk := clocktest.New(epoch)
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(runtime.ObserverFunc(func(context.Context, runtime.Event) {})))
	b := rt.NewBreaker("Svc", cfg)
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: b,
		Bulkhead: rt.NewBulkhead("Svc", runtime.BulkheadConfig{Max: 6})})
	var wg sync.WaitGroup
	var admitted, rejected atomic.Int64
	stop := make(chan struct{})
	go func() { // time moves while the calls run
		for {
			select {
			case <-stop:
				return
			default:
				clk.Advance(time.Millisecond)
				_ = b.State()
			}
		}
	}()
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				err := m.Do(context.Background(), func(context.Context) error {
					admitted.Add(1)
					if (g+i)%3 == 0 {
						return errBoom
					}
					return nil
				})
				if errors.Is(err, runtime.ErrCircuitOpen) || errors.Is(err, runtime.ErrBulkheadFull) {
					rejected.Add(1)
				} else if err != nil && !errors.Is(err, errBoom) {
					t.Errorf("unexpected error %v", err)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	equal(t, int64(8*500), admitted.Load()+rejected.Load(), "calls admitted or rejected")
	if s := b.State(); s > runtime.StateHalfOpen {
		t.Fatalf("breaker in state %v", s)
	}
}

func TestHammerOneIdempotencyKey(t *testing.T) {
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
	var calls atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	const n = 64
	results := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := m.DoRecorded(context.Background(), runtime.Recording{Key: "order-1", Args: []any{"order-1", 100}, Results: []any{&results[i]}},
				func(context.Context) error {
					results[i] = int(calls.Add(1)) * 1000
					return nil
				})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	equal(t, int64(1), calls.Load(), "calls through for one key")
	for i := range n {
		equal(t, 1000, results[i], "result")
	}
}

func TestHammerIdempotencyAcrossRuntimes(t *testing.T) {
	// Two runtimes (two "processes") on one store: the store's claim, not
	// the in-process flight, keeps the call to one.
	store := runtime.NewMemoryStore()
	var calls atomic.Int64
	var wg sync.WaitGroup
	for r := range 4 {
		rt := runtime.New(runtime.WithStore(store))
		m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out int
				err := m.DoRecorded(context.Background(), runtime.Recording{Key: "k", Args: []any{1}, Results: []any{&out}},
					func(context.Context) error { calls.Add(1); out = r; return nil })
				if err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	equal(t, int64(1), calls.Load(), "calls through for one key")
}

func TestHammerIdempotencyFlightsOnAFrozenClock(t *testing.T) {
	// Duplicates in one runtime must be woken by the call they wait for,
	// never by a timer: the clock never moves, so a duplicate that fell
	// back to polling would hang. Calls that fail make the waiters race to
	// claim the key again; each key still records exactly one result.
	clk := clocktest.New(epoch)
	rt := runtime.New(runtime.WithClock(clk))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
	const keys, dups = 200, 8
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for k := range keys {
			var succeeded, attempts atomic.Int64
			results := make([]int64, dups)
			var wg sync.WaitGroup
			for i := range dups {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						err := m.DoRecorded(context.Background(), runtime.Recording{Key: "k" + string(rune('A'+k%26)) + string(rune('a'+k/26)), Args: []any{k}, Results: []any{&results[i]}},
							func(context.Context) error {
								if attempts.Add(1)%3 != 0 {
									return errBoom
								}
								results[i] = succeeded.Add(1)
								return nil
							})
						if err == nil {
							return
						}
						if !errors.Is(err, errBoom) {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			// Not equal: t.Fatalf must not be called from this goroutine.
			if n := succeeded.Load(); n != 1 {
				t.Errorf("key %d: %d successful calls through, want 1", k, n)
			}
			for i := range dups {
				if results[i] != 1 {
					t.Errorf("key %d: duplicate %d got result %d, want 1", k, i, results[i])
				}
			}
		}
	}()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("duplicates still waiting after 30s: one is waiting for a timer on the frozen clock")
	}
}
