package runtime_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// retryWaits makes a runtime with opts and returns the waits a call that
// fails every one of its attempts is told to wait, with jitter j.
func retryWaits(t *testing.T, j runtime.Jitter, opts ...runtime.Option) []time.Duration {
	t.Helper()
	const attempts = 8
	clk, obs := clocktest.New(epoch), &recorder{}
	rt := runtime.New(append([]runtime.Option{runtime.WithClock(clk), runtime.WithObserver(obs)}, opts...)...)
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call",
		Retry: &runtime.RetryConfig{Attempts: attempts, Base: 100 * time.Millisecond, Max: 10 * time.Second, Jitter: j}})
	done := make(chan error, 1)
	go func() { done <- m.Do(context.Background(), func(context.Context) error { return errBoom }) }()
	for range attempts - 1 {
		clk.BlockUntilTimers(t, 1)
		if _, ok := clk.AdvanceToNext(); !ok {
			t.Fatal("no backoff timer pending")
		}
	}
	isErr(t, <-done, errBoom)
	var waits []time.Duration
	for _, e := range obs.kind(runtime.EventRetry) {
		waits = append(waits, e.Delay)
	}
	equal(t, attempts-1, len(waits), "retries")
	return waits
}

func TestWithRandReproducesTheWaits(t *testing.T) {
	for _, j := range []runtime.Jitter{runtime.JitterFull, runtime.JitterEqual, runtime.JitterDecorrelated} {
		t.Run(j.String(), func(t *testing.T) {
			a := retryWaits(t, j, runtime.WithRand(rand.NewPCG(1, 2)))
			b := retryWaits(t, j, runtime.WithRand(rand.NewPCG(1, 2)))
			if !slices.Equal(a, b) {
				t.Fatalf("same seed, different waits:\n%v\n%v", a, b)
			}
			// Seven draws of nanoseconds from another seed all matching
			// would mean the source is not used at all.
			if c := retryWaits(t, j, runtime.WithRand(rand.NewPCG(3, 4))); slices.Equal(a, c) {
				t.Fatalf("another seed gave the same waits %v", a)
			}
		})
	}
}

func TestWithRandNilIsTheGlobalSource(t *testing.T) {
	// Later wins: a nil source undoes an earlier one.
	waits := retryWaits(t, runtime.JitterFull, runtime.WithRand(rand.NewPCG(1, 2)), runtime.WithRand(nil))
	seeded := retryWaits(t, runtime.JitterFull, runtime.WithRand(rand.NewPCG(1, 2)))
	if slices.Equal(waits, seeded) {
		t.Fatalf("WithRand(nil) kept the seeded source: %v", waits)
	}
}

// TestWithRandIsSafeForConcurrentRetries runs many failing calls at once on
// one seeded runtime, and on two runtimes sharing one WithRand option: run
// with -race, it fails if the source is drawn from without the lock.
func TestWithRandIsSafeForConcurrentRetries(t *testing.T) {
	opt := runtime.WithRand(rand.NewPCG(1, 2))
	retry := &runtime.RetryConfig{Attempts: 4, Base: time.Microsecond, Max: 10 * time.Microsecond}
	var wg sync.WaitGroup
	for range 2 {
		m := runtime.New(opt).NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Retry: retry})
		for range 8 {
			wg.Go(func() {
				_ = m.Do(context.Background(), func(context.Context) error { return errBoom })
			})
		}
	}
	wg.Wait()
}
