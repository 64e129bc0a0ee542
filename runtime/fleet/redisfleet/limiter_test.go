package redisfleet_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/fleet/redisfleet"
)

// limited builds n replicas' methods under one "shared" rate limit of
// cfg, each replica in the fleet when fleet is set, else on its own.
func limited(t *testing.T, n int, cfg runtime.RateLimitConfig, fleet bool) []*runtime.Method {
	t.Helper()
	addr, ns := redisAddr(t), namespace(t)
	ms := make([]*runtime.Method, n)
	for i := range ms {
		var opts []runtime.Option
		if fleet {
			rdb := redis.NewClient(&redis.Options{Addr: addr})
			t.Cleanup(func() { rdb.Close() })
			// A generous bound: this test is about the limit, not about
			// falling back when Redis is slow on a loaded machine.
			f, err := redisfleet.New(rdb, redisfleet.WithNamespace(ns), redisfleet.WithTimeout(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			opts = append(opts, runtime.WithFleet(f))
		}
		rt := runtime.New(opts...)
		l := rt.NewRateLimiter("Dep", cfg)
		ms[i] = rt.NewMethod(runtime.MethodConfig{Interface: "Dep", Name: "Get", RateLimit: l})
	}
	return ms
}

// hammer calls every method as fast as it can for d and returns how many
// calls got through; every other call must be refused by the limiter.
func hammer(t *testing.T, ms []*runtime.Method, d time.Duration) (int64, time.Duration) {
	t.Helper()
	var passed atomic.Int64
	var wrong atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				err := m.Do(context.Background(), func(context.Context) error { return nil })
				switch {
				case err == nil:
					passed.Add(1)
				case !errors.Is(err, runtime.ErrRateLimited):
					wrong.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := wrong.Load().(error); err != nil {
		t.Fatalf("a call failed otherwise than rate limited: %v", err)
	}
	return passed.Load(), time.Since(start)
}

// N replicas together stay within rate per per (GCRA in Redis); without a
// fleet the same settings limit each process.
func TestSharedRateLimitHoldsForTheFleet(t *testing.T) {
	const n, rate, burst = 4, 50, 5
	cfg := runtime.RateLimitConfig{Rate: rate, Per: time.Second, Burst: burst, Shared: true}
	got, took := hammer(t, limited(t, n, cfg, true), time.Second)
	limit := float64(burst) + rate*took.Seconds()
	t.Logf("fleet of %d: %d calls in %v, limit %.0f", n, got, took, limit)
	if float64(got) > limit+1 || float64(got) < 0.8*limit {
		t.Fatalf("fleet of %d replicas let %d calls through in %v, want at most %.0f and near it", n, got, took, limit)
	}
	alone, took := hammer(t, limited(t, n, cfg, false), time.Second)
	t.Logf("%d replicas without a fleet: %d calls in %v", n, alone, took)
	if float64(alone) < 0.8*n*(float64(burst)+rate*took.Seconds()) {
		t.Fatalf("without a fleet %d replicas let %d calls through, want about %d times one limit", n, alone, n)
	}
}

// A shared limiter waits for a reserved token, up to its Wait.
func TestSharedRateLimitWaits(t *testing.T) {
	cfg := runtime.RateLimitConfig{Rate: 10, Per: time.Second, Burst: 1, Wait: 500 * time.Millisecond, Shared: true}
	ms := limited(t, 2, cfg, true)
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	if err := ms[0].Do(ctx, ok); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := ms[1].Do(ctx, ok); err != nil {
		t.Fatalf("second replica with a wait of 500ms: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("second replica's call got through after %v, want after about 100ms (one token per 100ms for the fleet)", d)
	}
}

// A shared limiter whose Redis does not answer limits its process alone,
// with the same settings, and reports it.
func TestSharedRateLimitFallsBackLocally(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + itoa(freePort(t))})
	defer rdb.Close()
	f, err := redisfleet.New(rdb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ev := &events{}
	rt := runtime.New(runtime.WithFleet(f), runtime.WithObserver(ev))
	l := rt.NewRateLimiter("Dep", runtime.RateLimitConfig{Rate: 1, Per: time.Hour, Burst: 2, Shared: true})
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Dep", Name: "Get", RateLimit: l})
	ok := func(context.Context) error { return nil }
	for i := 0; i < 2; i++ {
		if err := m.Do(context.Background(), ok); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	if err := m.Do(context.Background(), ok); !errors.Is(err, runtime.ErrRateLimited) {
		t.Fatalf("call past the burst, limited locally: %v, want ErrRateLimited", err)
	}
	e, found := ev.first(runtime.EventFleetFallback)
	if !found || e.Policy != "ratelimit" || e.Err == nil {
		t.Fatalf("fallback event %+v (found %v), want one of policy ratelimit with the error", e, found)
	}
	if n := ev.count(runtime.EventFleetFallback); n != 1 {
		t.Fatalf("%d fallback events, want 1 while the fleet stays down", n)
	}
}
