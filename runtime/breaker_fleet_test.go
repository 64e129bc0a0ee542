package runtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// fakeFleet is a Fleet whose answers the test sets, so that the breaker's
// side of the fleet is tested without Redis (runtime/fleet/redisfleet
// tests the whole against a real one).
type fakeFleet struct {
	mu       sync.Mutex
	joinErr  error
	err      error // returned by every call while set
	state    runtime.FleetState
	slot     bool // Trial's ok
	failures int
	trials   int // calls of Trial
	update   func(runtime.FleetState, error)
}

func (f *fakeFleet) JoinBreaker(_ string, _ runtime.BreakerConfig, update func(runtime.FleetState, error)) (runtime.FleetBreaker, error) {
	f.update = update
	if f.joinErr != nil {
		return nil, f.joinErr
	}
	return f, nil
}

func (f *fakeFleet) JoinRateLimiter(string, runtime.RateLimitConfig) (runtime.FleetLimiter, error) {
	return nil, errors.New("no limiter")
}

func (f *fakeFleet) Failure(context.Context) (runtime.FleetState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures++
	return f.state, f.err
}

func (f *fakeFleet) Trial(context.Context) (runtime.FleetState, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trials++
	return f.state, f.slot, f.err
}

func (f *fakeFleet) TrialDone(context.Context, uint64, runtime.FleetOutcome) (runtime.FleetState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state, f.err
}

func fleetFixture(t *testing.T, ff *fakeFleet) *fixture {
	t.Helper()
	f := &fixture{clk: clocktest.New(epoch), obs: &recorder{}}
	f.rt = runtime.New(runtime.WithClock(f.clk), runtime.WithObserver(f.obs), runtime.WithFleet(ff))
	f.b = f.rt.NewBreaker("Svc", runtime.BreakerConfig{Threshold: 2, Timeout: time.Minute})
	f.m = f.rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: f.b})
	return f
}

func (f *fixture) kinds(kind runtime.EventKind) int { return len(f.obs.kind(kind)) }

// The fleet's failures decide: one local failure does not open the breaker
// at threshold 2, but the fleet's answer that it is open does, with the
// fleet's time left.
func TestFleetFailureOpensByTheFleetsCount(t *testing.T) {
	ff := &fakeFleet{}
	f := fleetFixture(t, ff)
	ff.state = runtime.FleetState{State: runtime.StateOpen, OpenFor: 10 * time.Second, Epoch: 1}
	isErr(t, f.fail(), errBoom)
	equal(t, 1, ff.failures, "failures reported to the fleet")
	var open *runtime.CircuitOpenError
	if err := f.succeed(); !errors.As(err, &open) || open.RetryIn() != 10*time.Second {
		t.Fatalf("after the fleet opened: %v, want open for the fleet's 10s", err)
	}
}

// A state older than the one mirrored is ignored; a newer one is taken.
func TestFleetOlderStateIgnored(t *testing.T) {
	ff := &fakeFleet{}
	f := fleetFixture(t, ff)
	ff.update(runtime.FleetState{State: runtime.StateOpen, OpenFor: time.Minute, Epoch: 5}, nil)
	equal(t, runtime.StateOpen, f.b.State(), "after epoch 5 open")
	ff.update(runtime.FleetState{State: runtime.StateClosed, Epoch: 4}, nil)
	equal(t, runtime.StateOpen, f.b.State(), "after an older closed")
	ff.update(runtime.FleetState{State: runtime.StateClosed, Epoch: 6}, nil)
	equal(t, runtime.StateClosed, f.b.State(), "after epoch 6 closed")
}

// Half-open: only a call the fleet gives a slot is a trial.
func TestFleetTrialNeedsTheFleetsSlot(t *testing.T) {
	ff := &fakeFleet{}
	f := fleetFixture(t, ff)
	ff.update(runtime.FleetState{State: runtime.StateOpen, OpenFor: time.Second, Epoch: 1}, nil)
	f.clk.Advance(time.Second)
	ff.state = runtime.FleetState{State: runtime.StateHalfOpen, Epoch: 2}
	var open *runtime.CircuitOpenError
	if err := f.succeed(); !errors.As(err, &open) || open.RetryIn() != 0 {
		t.Fatalf("half-open without a slot: %v, want rejected with every trial taken", err)
	}
	// Every slot taken: the next calls are rejected without asking, for a
	// while.
	isErr(t, f.succeed(), runtime.ErrCircuitOpen)
	equal(t, 1, ff.trials, "trial slots asked for")
	f.clk.Advance(50 * time.Millisecond)
	ff.slot = true
	noErr(t, f.succeed())
	equal(t, 2, ff.trials, "trial slots asked for")
}

// A fleet that fails: the breaker falls back once, reports it, counts the
// failure locally and goes on as a local breaker; the next answer of the
// fleet rejoins it, and its state is taken whatever its epoch.
func TestFleetFallbackAndRejoin(t *testing.T) {
	ff := &fakeFleet{}
	f := fleetFixture(t, ff)
	ff.update(runtime.FleetState{State: runtime.StateClosed, Epoch: 7}, nil)
	ff.err = errors.New("fleet down")
	isErr(t, f.fail(), errBoom)
	equal(t, 1, f.kinds(runtime.EventFleetFallback), "fallback events")
	isErr(t, f.fail(), errBoom) // the local breaker's second failure
	equal(t, 1, ff.failures, "failures reported to a fleet known down")
	isErr(t, f.succeed(), runtime.ErrCircuitOpen)
	ff.update(runtime.FleetState{}, errors.New("still down"))
	equal(t, 1, f.kinds(runtime.EventFleetFallback), "fallback events while down")

	ff.err = nil
	ff.update(runtime.FleetState{State: runtime.StateClosed, Epoch: 0}, nil) // a new Redis
	equal(t, 1, f.kinds(runtime.EventFleetRejoin), "rejoin events")
	equal(t, runtime.StateClosed, f.b.State(), "after rejoining a closed fleet")
	noErr(t, f.succeed())
}

// A fleet that refuses the breaker at construction leaves it local, and
// says so.
func TestFleetJoinRefused(t *testing.T) {
	ff := &fakeFleet{joinErr: errors.New("bad name")}
	f := fleetFixture(t, ff)
	equal(t, 1, f.kinds(runtime.EventFleetFallback), "fallback events")
	isErr(t, f.fail(), errBoom)
	isErr(t, f.fail(), errBoom)
	isErr(t, f.succeed(), runtime.ErrCircuitOpen)
	equal(t, 0, ff.failures, "failures reported")
}

// retryIn returns the RetryIn of the rejection of a call through f, and
// fails the test when the call is not rejected with a CircuitOpenError.
func retryIn(t *testing.T, f *fixture, what string) time.Duration {
	t.Helper()
	var open *runtime.CircuitOpenError
	if err := f.succeed(); !errors.As(err, &open) {
		t.Fatalf("%s: %v, want a CircuitOpenError", what, err)
	}
	return open.RetryIn()
}

// A push of the fleet that the breaker is still open, for longer by the
// fleet's clock, moves the time its rejections give.
func TestFleetStillOpenMovesRetryIn(t *testing.T) {
	ff := &fakeFleet{}
	f := fleetFixture(t, ff)
	ff.update(runtime.FleetState{State: runtime.StateOpen, OpenFor: 10 * time.Second, Epoch: 1}, nil)
	equal(t, 10*time.Second, retryIn(t, f, "open"), "RetryIn")
	ff.update(runtime.FleetState{State: runtime.StateOpen, OpenFor: 30 * time.Second, Epoch: 1}, nil)
	equal(t, 30*time.Second, retryIn(t, f, "still open"), "RetryIn after the fleet's push")
}

// An open breaker that falls back from the fleet stays open for the
// fleet's time, which its rejections keep giving.
func TestFleetLostWhileOpenKeepsTheOpening(t *testing.T) {
	ff := &fakeFleet{}
	f := fleetFixture(t, ff)
	ff.update(runtime.FleetState{State: runtime.StateOpen, OpenFor: 10 * time.Second, Epoch: 1}, nil)
	f.clk.Advance(4 * time.Second)
	ff.update(runtime.FleetState{}, errors.New("redis down"))
	equal(t, 6*time.Second, retryIn(t, f, "after the fallback"), "RetryIn after the fallback")
}
