package redisfleet_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/fleet/redisfleet"
)

// slowest bounds a call that Redis's death may touch: the fleet's 50ms
// timeout, and room for the race detector on a shared machine.
const slowest = 250 * time.Millisecond

// Redis killed (SIGKILL) mid-run: no call fails or waits past the bound
// because of it; every replica falls back to a local breaker with the same
// settings and reports it; when a new Redis answers, every replica rejoins.
func TestRedisKilledFallsBackAndRejoins(t *testing.T) {
	port := freePort(t)
	srv := startRedis(t, port)
	ns := namespace(t)
	cfg := runtime.BreakerConfig{Threshold: 3, Timeout: time.Minute}
	fopts := []redisfleet.Option{redisfleet.WithSyncInterval(100 * time.Millisecond)}
	rs := make([]*replica, 3)
	for i := range rs {
		rs[i] = newReplica(t, srv.addr, ns, cfg, fopts)
	}
	waitSubscribed(t, srv.addr, ns, len(rs))

	// Callers on replicas 1 and 2 all along (0 takes the failures):
	// successes must never fail nor wait for Redis.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var worst atomic.Int64
	var failed atomic.Value
	for _, r := range rs[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				if err := r.method.Do(context.Background(), func(context.Context) error { return nil }); err != nil {
					failed.Store(err)
				}
				if d := int64(time.Since(start)); d > worst.Load() {
					worst.Store(d)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}

	srv.kill()
	// A failure now reports to a dead Redis: bounded, and counted locally.
	dep := &dependency{down: true}
	for i := 0; i < 2; i++ {
		start := time.Now()
		if err := rs[0].method.Do(context.Background(), dep.call); !errors.Is(err, errDown) {
			t.Fatalf("failure %d with Redis dead: %v, want the dependency's error", i, err)
		}
		if d := time.Since(start); d > slowest {
			t.Fatalf("a failing call with Redis dead took %v, want under %v", d, slowest)
		}
	}
	for i, r := range rs {
		eventually(t, 2*time.Second, "fallback reported", func() bool { return r.events.count(runtime.EventFleetFallback) > 0 })
		ev, _ := r.events.first(runtime.EventFleetFallback)
		if ev.Err == nil || ev.Breaker != "Dep" || ev.Policy != "fleet" {
			t.Fatalf("replica %d: fallback event %+v, want breaker Dep, policy fleet and the error", i, ev)
		}
	}
	// The local breaker keeps the settings: a third failure opens replica
	// 0, alone.
	_ = rs[0].method.Do(context.Background(), dep.call)
	if err := rs[0].method.Do(context.Background(), dep.call); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("replica 0 after 3 local failures: %v, want ErrCircuitOpen", err)
	}
	if st := rs[1].breaker.State(); st != runtime.StateClosed {
		t.Fatalf("replica 1 with Redis dead: %v, want closed (its own local breaker)", st)
	}

	srv = startRedis(t, port)
	for _, r := range rs {
		eventually(t, 3*time.Second, "rejoin reported", func() bool { return r.events.count(runtime.EventFleetRejoin) > 0 })
	}
	close(stop)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatalf("a successful call failed while Redis died and came back: %v", err)
	}
	if w := time.Duration(worst.Load()); w > slowest {
		t.Fatalf("a successful call waited %v while Redis died and came back, want under %v", w, slowest)
	}
	// One fleet again, on the new Redis: three failures on three replicas
	// open them all.
	waitSubscribed(t, srv.addr, ns, len(rs))
	dep = &dependency{down: true}
	for _, r := range rs {
		_ = r.method.Do(context.Background(), dep.call)
	}
	for _, r := range rs {
		eventually(t, 100*time.Millisecond, "fleet open after rejoining", func() bool { return r.breaker.State() == runtime.StateOpen })
	}
}

// A Redis address where nothing answers: construction succeeds, successful
// calls never notice, a failure is reported as a fallback within the bound.
func TestUnreachableRedisIsAReportedFallback(t *testing.T) {
	for _, addr := range []string{
		"127.0.0.1:" + itoa(freePortNoT()), // refused at once
		"10.255.255.1:6379",                // unroutable: the dial times out
	} {
		t.Run(addr, func(t *testing.T) {
			r := newReplica(t, addr, namespace(t), runtime.BreakerConfig{Threshold: 2}, nil)
			ctx := context.Background()
			if err := r.method.Do(ctx, func(context.Context) error { return nil }); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := r.method.Do(ctx, (&dependency{down: true}).call); !errors.Is(err, errDown) {
				t.Fatalf("failing call: %v, want the dependency's error", err)
			}
			if d := time.Since(start); d > slowest {
				t.Fatalf("a failing call took %v with Redis unreachable, want under %v", d, slowest)
			}
			eventually(t, 2*time.Second, "fallback reported", func() bool { return r.events.count(runtime.EventFleetFallback) > 0 })
			ev, _ := r.events.first(runtime.EventFleetFallback)
			if !strings.Contains(ev.Err.Error(), addr) {
				t.Fatalf("fallback error %q does not name the address %s", ev.Err, addr)
			}
		})
	}
}

// Values under the namespace that this package did not write (oversized,
// not numbers, pushed garbage) are refused and reported, and the breaker
// goes on locally.
func TestHostileValuesAreRefused(t *testing.T) {
	addr := redisAddr(t)
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	ctx := context.Background()
	for name, spoil := range map[string]func(ns string) error{
		"oversized state": func(ns string) error {
			return admin.HSet(ctx, "resilgen:"+ns+":breaker:{Dep}", "state", strings.Repeat("9", 1<<20)).Err()
		},
		"epoch not a number": func(ns string) error {
			return admin.HSet(ctx, "resilgen:"+ns+":breaker:{Dep}", "epoch", "-1e9").Err()
		},
		"state out of range": func(ns string) error {
			return admin.HSet(ctx, "resilgen:"+ns+":breaker:{Dep}", "state", "7").Err()
		},
		"wrong type": func(ns string) error {
			return admin.Set(ctx, "resilgen:"+ns+":breaker:{Dep}", "x", 0).Err()
		},
	} {
		t.Run(name, func(t *testing.T) {
			ns := namespace(t)
			// Spoiled before the replica joins: its first read of the
			// state, made once it has subscribed, must meet the spoiled
			// value too. Spoiled after, that read could cross the first
			// failure and rejoin the fleet in between, which starts the
			// local count over.
			if err := spoil(ns); err != nil {
				t.Fatal(err)
			}
			r := newReplica(t, addr, ns, runtime.BreakerConfig{Threshold: 2}, []redisfleet.Option{redisfleet.WithSyncInterval(time.Hour)})
			waitSubscribed(t, addr, ns, 1)
			dep := &dependency{down: true}
			for i := 0; i < 2; i++ {
				if err := r.method.Do(ctx, dep.call); !errors.Is(err, errDown) {
					t.Fatalf("failure %d: %v", i, err)
				}
			}
			ev, ok := r.events.first(runtime.EventFleetFallback)
			if !ok {
				t.Fatal("no fallback reported")
			}
			if !strings.Contains(ev.Err.Error(), "Dep") {
				t.Fatalf("fallback error %q does not name the breaker", ev.Err)
			}
			// Locally, the two failures opened the breaker.
			if err := r.method.Do(ctx, dep.call); !errors.Is(err, runtime.ErrCircuitOpen) {
				t.Fatalf("after 2 failures with a spoiled fleet: %v, want ErrCircuitOpen from the local breaker", err)
			}
		})
	}
	t.Run("pushed garbage", func(t *testing.T) {
		ns := namespace(t)
		r := newReplica(t, addr, ns, runtime.BreakerConfig{Threshold: 2}, []redisfleet.Option{redisfleet.WithSyncInterval(100 * time.Millisecond)})
		waitSubscribed(t, addr, ns, 1)
		for _, msg := range []string{strings.Repeat("x", 4096), "Dep 9 0 1", "Dep 1 -5 3", "Dep 1"} {
			if err := admin.Publish(ctx, "resilgen:"+ns+":fleet", msg).Err(); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, time.Second, "fallback reported", func() bool { return r.events.count(runtime.EventFleetFallback) > 0 })
		if st := r.breaker.State(); st != runtime.StateClosed {
			t.Fatalf("after garbage pushes: %v, want closed", st)
		}
		eventually(t, 2*time.Second, "rejoined at the next sync", func() bool { return r.events.count(runtime.EventFleetRejoin) > 0 })
	})
}

// New refuses what cannot work, with an error that says what.
func TestNewRefusesBadInput(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, c := range []struct {
		rdb  *redis.Client
		opts []redisfleet.Option
		want string
	}{
		{nil, nil, "nil Redis client"},
		{rdb, []redisfleet.Option{redisfleet.WithNamespace("")}, `namespace ""`},
		{rdb, []redisfleet.Option{redisfleet.WithNamespace("a b")}, `character ' '`},
		{rdb, []redisfleet.Option{redisfleet.WithNamespace("{x}")}, `character '{'`},
		{rdb, []redisfleet.Option{redisfleet.WithNamespace(strings.Repeat("n", 65))}, "1 to 64"},
		{rdb, []redisfleet.Option{redisfleet.WithTimeout(0)}, "WithTimeout(0s)"},
		{rdb, []redisfleet.Option{redisfleet.WithTrialLease(-time.Second)}, "WithTrialLease(-1s)"},
	} {
		_, err := redisfleet.New(c.rdb, c.opts...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New with %s: %v, want an error saying %s", c.want, err, c.want)
		}
	}
}

// Close returns at once even while the fleet waits on a Redis that
// accepted the connection but does not answer (a stopped process).
func TestCloseDoesNotWaitForRedis(t *testing.T) {
	srv := startRedis(t, freePort(t))
	if err := srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer srv.cmd.Process.Signal(syscall.SIGCONT)
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr})
	defer rdb.Close()
	f, err := redisfleet.New(rdb, redisfleet.WithSyncInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rt := runtime.New(runtime.WithFleet(f))
	rt.NewBreaker("Dep", runtime.BreakerConfig{})
	time.Sleep(50 * time.Millisecond) // the subscription waits for an answer
	done := make(chan error, 1)
	go func() { done <- f.Close() }()
	select {
	case <-done:
	case <-time.After(slowest):
		t.Fatalf("Close still waiting after %v on a Redis that does not answer", slowest)
	}
}
