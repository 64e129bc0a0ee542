package redisfleet_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
	"github.com/resilgen/resilgen/runtime/fleet/redisfleet"
)

const replicas = 6

// patient is a bound on Redis commands for the tests about the fleet's
// behaviour rather than its fallback, so that a loaded machine does not
// turn them into tests of the fallback (which fallback_test.go tests with
// the default bound).
var patient = []redisfleet.Option{redisfleet.WithTimeout(time.Second)}

func newFleet(t *testing.T, n int, cfg runtime.BreakerConfig, fopts ...redisfleet.Option) []*replica {
	t.Helper()
	addr, ns := redisAddr(t), namespace(t)
	rs := make([]*replica, n)
	for i := range rs {
		rs[i] = newReplica(t, addr, ns, cfg, append(patient, fopts...))
	}
	waitSubscribed(t, addr, ns, n)
	return rs
}

// The fleet opens after threshold failures in all replicas together, and
// every replica then rejects without calling the dependency.
func TestThresholdCountsFailuresOfAllReplicas(t *testing.T) {
	rs := newFleet(t, replicas, runtime.BreakerConfig{Threshold: 5, Timeout: time.Minute})
	dep := &dependency{down: true}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		// One failure on each of five replicas: none reaches a local
		// threshold, together they reach the fleet's.
		if err := rs[i].method.Do(ctx, dep.call); !errors.Is(err, errDown) {
			t.Fatalf("call %d: %v, want the dependency's error", i, err)
		}
	}
	for i, r := range rs {
		eventually(t, 100*time.Millisecond, "replica open", func() bool { return r.breaker.State() == runtime.StateOpen })
		if err := r.method.Do(ctx, dep.call); !errors.Is(err, runtime.ErrCircuitOpen) {
			t.Fatalf("replica %d after the threshold: %v, want ErrCircuitOpen", i, err)
		}
	}
	if got := dep.count(); got != 5 {
		t.Fatalf("%d calls reached the dependency, want 5 (the threshold)", got)
	}
}

// Every replica rejects within 100ms of the failure that crossed the
// threshold; the test measures the spread, p50 and p99.
func TestOpeningReachesEveryReplicaWithin100ms(t *testing.T) {
	addr := redisAddr(t)
	const rounds = 40
	var lat []time.Duration
	for round := 0; round < rounds; round++ {
		ns := namespace(t)
		rs := make([]*replica, replicas)
		for i := range rs {
			rs[i] = newReplica(t, addr, ns, runtime.BreakerConfig{Threshold: 1, Timeout: time.Minute}, patient)
		}
		waitSubscribed(t, addr, ns, replicas)
		dep := &dependency{down: true}
		_ = rs[0].method.Do(context.Background(), dep.call)
		crossed := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, r := range rs[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r.breaker.State() != runtime.StateOpen {
					if time.Since(crossed) > time.Second {
						break
					}
					time.Sleep(50 * time.Microsecond)
				}
				mu.Lock()
				lat = append(lat, time.Since(crossed))
				mu.Unlock()
			}()
		}
		wg.Wait()
		for _, r := range rs {
			r.fleet.Close()
		}
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("propagation of an opening to %d replicas, %d samples: p50 %v, p99 %v, max %v", replicas-1, len(lat), p50, p99, lat[len(lat)-1])
	if lat[len(lat)-1] > 100*time.Millisecond {
		t.Fatalf("slowest replica learned of the opening after %v, want within 100ms", lat[len(lat)-1])
	}
}

// Half-open admits at most halfopen trials in the whole fleet, even when
// every replica calls at the same instant.
func TestHalfOpenAdmitsHalfOpenTrialsAcrossTheFleet(t *testing.T) {
	rs := newFleet(t, replicas, runtime.BreakerConfig{Threshold: 1, Timeout: 300 * time.Millisecond, HalfOpen: 2})
	ctx := context.Background()
	_ = rs[0].method.Do(ctx, (&dependency{down: true}).call)
	eventually(t, 2*time.Second, "open time over", func() bool {
		for _, r := range rs {
			if r.breaker.State() == runtime.StateOpen {
				return false
			}
		}
		return true
	})
	release := make(chan struct{})
	var mu sync.Mutex
	trials := 0
	slow := func(context.Context) error {
		mu.Lock()
		trials++
		mu.Unlock()
		<-release
		return nil
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	const perReplica = 4
	errs := make(chan error, replicas*perReplica)
	for _, r := range rs {
		for i := 0; i < perReplica; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- r.method.Do(ctx, slow)
			}()
		}
	}
	close(start)
	// Every call but the trials is rejected at once; then the trials end.
	waitRejected(t, replicas*perReplica-2, errs)
	close(release)
	wg.Wait()
	if trials != 2 {
		t.Fatalf("%d trial calls reached the dependency across the fleet, want 2 (halfopen)", trials)
	}
	for _, r := range rs {
		eventually(t, 100*time.Millisecond, "replica closed", func() bool { return r.breaker.State() == runtime.StateClosed })
	}
}

// waitRejected waits until n calls ended, each rejected by the breaker,
// failing fast instead of hanging.
func waitRejected(t *testing.T, n int, errs chan error) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for got := 0; got < n; got++ {
		select {
		case err := <-errs:
			if !errors.Is(err, runtime.ErrCircuitOpen) {
				t.Fatalf("a call beyond the trials ended with %v, want ErrCircuitOpen", err)
			}
		case <-deadline:
			t.Fatalf("only %d of %d calls were rejected", got, n)
		}
	}
}

// A replica that dies holding trial slots does not keep the fleet
// half-open: the slots' lease ends and another replica's trial closes it.
func TestCrashedTrialHolderFreesItsSlots(t *testing.T) {
	const lease = 300 * time.Millisecond
	cfg := runtime.BreakerConfig{Threshold: 1, Timeout: 100 * time.Millisecond, HalfOpen: 1}
	rs := newFleet(t, 2, cfg, redisfleet.WithTrialLease(lease))
	ctx := context.Background()
	_ = rs[0].method.Do(ctx, (&dependency{down: true}).call)
	eventually(t, 2*time.Second, "open time over", func() bool { return rs[0].breaker.State() != runtime.StateOpen })
	// Replica 0 takes the only trial slot and dies in its call.
	took := make(chan struct{})
	go func() {
		_ = rs[0].method.Do(ctx, func(context.Context) error {
			rs[0].fleet.Close() // its Redis connection and goroutines gone
			close(took)
			select {}
		})
	}()
	<-took
	if err := rs[1].method.Do(ctx, (&dependency{}).call); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("a second trial while the dead one holds the slot: %v, want ErrCircuitOpen", err)
	}
	start := time.Now()
	eventually(t, 3*lease, "a trial after the lease", func() bool { return rs[1].method.Do(ctx, (&dependency{}).call) == nil })
	if took := time.Since(start); took < lease/2 {
		t.Fatalf("a new trial after %v, before the lease of %v ended", took, lease)
	}
	if st := rs[1].breaker.State(); st != runtime.StateClosed {
		t.Fatalf("after the trial succeeded: %v, want closed", st)
	}
}

// The closed happy path sends nothing to Redis, and allocates nothing.
func TestClosedHappyPathSendsNoCommand(t *testing.T) {
	addr := redisAddr(t)
	rs := newFleet(t, 3, runtime.BreakerConfig{}, redisfleet.WithSyncInterval(time.Hour))
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	for _, r := range rs {
		_ = r.method.Do(ctx, ok)
	}
	time.Sleep(50 * time.Millisecond) // the subscriptions settle
	before := commandsProcessed(t, admin)
	const calls = 5000
	for i := 0; i < calls; i++ {
		for _, r := range rs {
			if err := r.method.Do(ctx, ok); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := commandsProcessed(t, admin)
	// The INFO of the second reading is the only command expected.
	if n := after - before; n > 1 {
		t.Fatalf("%d successful calls sent %d commands to Redis, want none", calls*len(rs), n-1)
	}
	if a := testing.AllocsPerRun(1000, func() { _ = rs[0].method.Do(ctx, ok) }); a != 0 {
		t.Fatalf("closed happy path with a fleet: %v allocations a call, want 0", a)
	}
}

// skewed is the system clock, offset: replicas whose clocks disagree.
type skewed struct {
	runtime.Clock
	by time.Duration
}

func (s skewed) Now() time.Time { return s.Clock.Now().Add(s.by) }

// Replicas whose clocks are 30s ahead or behind see the same open time:
// it comes from Redis TIME, and a replica's clock only measures a duration.
func TestSkewedClocksChangeNothing(t *testing.T) {
	addr, ns := redisAddr(t), namespace(t)
	cfg := runtime.BreakerConfig{Threshold: 3, Timeout: 2 * time.Second}
	skews := []time.Duration{-30 * time.Second, 0, 30 * time.Second}
	rs := make([]*replica, len(skews))
	for i, s := range skews {
		rs[i] = newReplica(t, addr, ns, cfg, patient, runtime.WithClock(skewed{runtime.SystemClock(), s}))
	}
	waitSubscribed(t, addr, ns, len(rs))
	ctx := context.Background()
	dep := &dependency{down: true}
	for _, r := range rs {
		_ = r.method.Do(ctx, dep.call)
	}
	for i, r := range rs {
		eventually(t, 100*time.Millisecond, "replica open", func() bool { return r.breaker.State() == runtime.StateOpen })
		err := r.method.Do(ctx, dep.call)
		var open *runtime.CircuitOpenError
		if !errors.As(err, &open) {
			t.Fatalf("replica with skew %v: %v, want a CircuitOpenError", skews[i], err)
		}
		if open.RetryIn() < 1500*time.Millisecond || open.RetryIn() > 2*time.Second {
			t.Fatalf("replica with skew %v: next trial in %v, want about 2s", skews[i], open.RetryIn())
		}
	}
	if got := dep.count(); got != 3 {
		t.Fatalf("%d calls reached the dependency, want 3", got)
	}
}

// A replica whose manual clock runs ahead of Redis does not start a trial
// before Redis's open time is over: the fleet says it is still open.
func TestLocalClockAheadDoesNotShortenOpenTime(t *testing.T) {
	addr, ns := redisAddr(t), namespace(t)
	cfg := runtime.BreakerConfig{Threshold: 1, Timeout: 2 * time.Second}
	clock := clocktest.New(time.Now().Add(30 * time.Second))
	r := newReplica(t, addr, ns, cfg, patient, runtime.WithClock(clock))
	ctx := context.Background()
	dep := &dependency{down: true}
	_ = r.method.Do(ctx, dep.call)
	clock.Advance(time.Minute) // the local open time is long over
	err := r.method.Do(ctx, dep.call)
	var open *runtime.CircuitOpenError
	if !errors.As(err, &open) || open.RetryIn() < time.Second {
		t.Fatalf("after the local clock ran a minute ahead: %v, want still open for about 2s by Redis", err)
	}
	if got := dep.count(); got != 1 {
		t.Fatalf("%d calls reached the dependency, want 1", got)
	}
}
