package runtime_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// hedgeFixture is a hedged method on a fake clock whose tries the test
// answers one by one.
type hedgeFixture struct {
	clk   *clocktest.Clock
	m     *runtime.Method
	b     *runtime.Breaker
	obs   *recorder
	tries chan *try
}

// try is one try of the hedged call, held until the test answers it.
type try struct {
	ctx    context.Context
	answer chan tryAnswer
	// returned is closed when the try's call has returned.
	returned chan struct{}
}

type tryAnswer struct {
	val string
	err error
}

func newHedgeFixture(t *testing.T, hc runtime.HedgeConfig, bc *runtime.BreakerConfig) *hedgeFixture {
	t.Helper()
	return newHedgeFixtureWith(t, hc, bc, nil)
}

// newHedgeFixtureWith is newHedgeFixture with runtime options added and a
// rate limit (nil: none) on the method.
func newHedgeFixtureWith(t *testing.T, hc runtime.HedgeConfig, bc *runtime.BreakerConfig, rl *runtime.RateLimitConfig, opts ...runtime.Option) *hedgeFixture {
	t.Helper()
	f := &hedgeFixture{clk: clocktest.New(epoch), obs: &recorder{}, tries: make(chan *try, 8)}
	rt := runtime.New(append([]runtime.Option{runtime.WithClock(f.clk), runtime.WithObserver(f.obs)}, opts...)...)
	mc := runtime.MethodConfig{Interface: "Svc", Name: "Get", Hedge: &hc}
	if rl != nil {
		mc.RateLimit = rt.NewRateLimiter("Svc", *rl)
	}
	if bc != nil {
		f.b = rt.NewBreaker("Svc", *bc)
		mc.Breaker = f.b
	}
	f.m = rt.NewMethod(mc)
	return f
}

// call starts a hedged call that writes its result as generated code does:
// into its own copy, then into the caller's only when it won.
func (f *hedgeFixture) call(ctx context.Context) <-chan tryAnswer {
	done := make(chan tryAnswer, 1)
	go func() {
		var r0 string
		fn := func(ctx context.Context) error {
			tr := &try{ctx: ctx, answer: make(chan tryAnswer), returned: make(chan struct{})}
			defer close(tr.returned)
			f.tries <- tr
			// A try answers when the test says, cancelled or not: the
			// test decides when a cancelled try returns.
			a := <-tr.answer
			if a.err == nil && runtime.Won(ctx) {
				r0 = a.val
			}
			return a.err
		}
		err := f.m.Do(runtime.HedgeCall(ctx, fn), fn)
		done <- tryAnswer{r0, err}
	}()
	return done
}

// next returns the next try to start, failing fast when none does.
func (f *hedgeFixture) next(t *testing.T) *try {
	t.Helper()
	select {
	case tr := <-f.tries:
		return tr
	case <-time.After(10 * time.Second):
		t.Fatal("no try started")
		return nil
	}
}

func (f *hedgeFixture) noMoreTries(t *testing.T) {
	t.Helper()
	select {
	case tr := <-f.tries:
		t.Fatalf("an unexpected try started (ctx err %v)", tr.ctx.Err())
	default:
	}
}

func TestHedgeFirstAnswersBeforeDelay(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil)
	done := f.call(context.Background())
	first := f.next(t)
	f.clk.BlockUntilTimers(t, 1)
	first.answer <- tryAnswer{val: "first"}
	got := f.result(t, done)
	noErr(t, got.err)
	equal(t, "first", got.val, "result")
	f.noMoreTries(t)
	f.clk.AssertNoTimers(t)
	equal(t, 0, len(f.obs.kind(runtime.EventHedge)), "hedge events")
}

func TestHedgeSecondWinsAndFirstIsCancelledAndAwaited(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil)
	done := f.call(context.Background())
	first := f.next(t)
	f.clk.BlockUntilTimers(t, 1)
	f.clk.Advance(time.Second)
	second := f.next(t)
	second.answer <- tryAnswer{val: "second"}
	// The first try sees its context cancelled; the call waits for it
	// while it takes its time to return. (A bounded look for a call that
	// must not have returned: no clock can say "never".)
	<-first.ctx.Done()
	select {
	case got := <-done:
		t.Fatalf("the call returned %+v while its losing try was still running", got)
	case <-time.After(100 * time.Millisecond):
	}
	first.answer <- tryAnswer{err: context.Canceled}
	got := f.result(t, done)
	noErr(t, got.err)
	equal(t, "second", got.val, "result")
	equal(t, 1, len(f.obs.kind(runtime.EventHedge)), "hedge events")
	equal(t, 1, len(f.obs.kind(runtime.EventAttempt)), "attempt events")
}

func TestHedgeStartsUpToMaxTries(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 2}, nil)
	done := f.call(context.Background())
	first := f.next(t)
	for range 2 {
		f.clk.BlockUntilTimers(t, 1)
		f.clk.Advance(time.Second)
	}
	second, third := f.next(t), f.next(t)
	f.clk.AssertNoTimers(t) // no fourth try will start
	third.answer <- tryAnswer{val: "third"}
	for _, tr := range []*try{first, second} {
		<-tr.ctx.Done()
		tr.answer <- tryAnswer{err: tr.ctx.Err()}
	}
	got := f.result(t, done)
	noErr(t, got.err)
	equal(t, "third", got.val, "result")
	f.noMoreTries(t)
}

func TestHedgeFirstFailureBeforeDelayEndsTheAttempt(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil)
	done := f.call(context.Background())
	f.next(t).answer <- tryAnswer{err: errBoom}
	got := f.result(t, done)
	isErr(t, got.err, errBoom)
	f.noMoreTries(t)
}

func TestHedgeFailsWhenEveryTryFailed(t *testing.T) {
	defer goleak.VerifyNone(t)
	errLate := errors.New("late")
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 2}, &runtime.BreakerConfig{Threshold: 2})
	done := f.call(context.Background())
	first := f.next(t)
	f.clk.BlockUntilTimers(t, 1)
	f.clk.Advance(time.Second)
	second := f.next(t)
	first.answer <- tryAnswer{err: errBoom}
	second.answer <- tryAnswer{err: errLate}
	got := f.result(t, done)
	if !errors.Is(got.err, errBoom) && !errors.Is(got.err, errLate) {
		t.Fatalf("error %v is neither try's", got.err)
	}
	f.noMoreTries(t)
	// Two tries failed, but the call counts once: threshold 2 is not met.
	equal(t, runtime.StateClosed, f.b.State(), "breaker after one hedged call")
}

func TestHedgeFailedTryLeavesTheOtherToWin(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil)
	done := f.call(context.Background())
	first := f.next(t)
	f.clk.BlockUntilTimers(t, 1)
	f.clk.Advance(time.Second)
	second := f.next(t)
	second.answer <- tryAnswer{err: errBoom}
	<-second.returned
	first.answer <- tryAnswer{val: "first"}
	got := <-done
	noErr(t, got.err)
	equal(t, "first", got.val, "result")
}

func TestHedgeCallersCancellationEndsEveryTry(t *testing.T) {
	defer goleak.VerifyNone(t)
	f := newHedgeFixture(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := f.call(ctx)
	first := f.next(t)
	f.clk.BlockUntilTimers(t, 1)
	f.clk.Advance(time.Second)
	second := f.next(t)
	cancel()
	for _, tr := range []*try{first, second} {
		<-tr.ctx.Done()
		tr.answer <- tryAnswer{err: tr.ctx.Err()}
	}
	got := f.result(t, done)
	isErr(t, got.err, context.Canceled)
}

func TestHedgePanicReachesTheCallerAfterTheOtherTries(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := clocktest.New(epoch)
	m := runtime.New(runtime.WithClock(clk)).NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Hedge: &runtime.HedgeConfig{Delay: time.Second}})
	var otherReturned atomic.Bool
	started := make(chan struct{})
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		var n atomic.Int32
		fn := func(ctx context.Context) error {
			if n.Add(1) == 1 {
				close(started)
				<-ctx.Done()
				otherReturned.Store(true)
				return ctx.Err()
			}
			panic("try 2")
		}
		_ = m.Do(runtime.HedgeCall(context.Background(), fn), fn)
	}()
	<-started
	clk.BlockUntilTimers(t, 1)
	clk.Advance(time.Second)
	equal[any](t, "try 2", <-done, "recovered")
	equal(t, true, otherReturned.Load(), "the other try returned first")
}

// TestHedgeWinnerAndLoserAtTheSameInstant answers two tries at once, many
// times, under -race: exactly one writes the result, and the caller reads
// the winner's.
func TestHedgeWinnerAndLoserAtTheSameInstant(t *testing.T) {
	defer goleak.VerifyNone(t)
	for range 200 {
		clk := clocktest.New(epoch)
		m := runtime.New(runtime.WithClock(clk)).NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Hedge: &runtime.HedgeConfig{Delay: time.Second}})
		gate := make(chan struct{})
		var entered sync.WaitGroup
		entered.Add(2)
		var wins atomic.Int32
		var n atomic.Int32
		done := make(chan string, 1)
		go func() {
			var r0 string
			fn := func(ctx context.Context) error {
				mine := "try" + string(rune('0'+n.Add(1)))
				entered.Done()
				<-gate
				if runtime.Won(ctx) {
					wins.Add(1)
					r0 = mine
				}
				return nil
			}
			err := m.Do(runtime.HedgeCall(context.Background(), fn), fn)
			noErr(t, err)
			done <- r0
		}()
		clk.BlockUntilTimers(t, 1)
		clk.Advance(time.Second)
		entered.Wait()
		close(gate)
		got := <-done
		if got != "try1" && got != "try2" {
			t.Fatalf("result %q is neither try's", got)
		}
		equal(t, int32(1), wins.Load(), "tries that won")
	}
}

func TestHedgeWithoutHedgeCallMakesPlainAttempts(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := clocktest.New(epoch)
	m := runtime.New(runtime.WithClock(clk)).NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Hedge: &runtime.HedgeConfig{Delay: time.Second}})
	calls := 0
	noErr(t, m.Do(context.Background(), func(context.Context) error { calls++; return nil }))
	equal(t, 1, calls, "calls")
	clk.AssertNoTimers(t)
}

func TestWonOutsideAHedgeIsTrue(t *testing.T) {
	equal(t, true, runtime.Won(context.Background()), "Won without a hedge")
}

// result returns what the call sent on done, failing fast when it sends
// nothing. (clocktest.Await would refuse the hedge's pending timer, which
// is the call's own and stopped as it returns.)
func (f *hedgeFixture) result(t *testing.T, done <-chan tryAnswer) tryAnswer {
	t.Helper()
	select {
	case a := <-done:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return")
		return tryAnswer{}
	}
}

func TestHedgeRefusedByTheRetryBudget(t *testing.T) {
	defer goleak.VerifyNone(t)
	// Ratio 0 and min 0: no retry, and so no hedge, is ever admitted.
	b := runtime.NewRetryBudget(0, 0)
	f := newHedgeFixtureWith(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil, nil, runtime.WithRetryBudget(b))
	done, first := f.pastDelay(t, time.Second)
	// The refusal is reported, and the first try goes on alone.
	f.awaitEvent(t, done, runtime.EventBudgetExhausted, "the call ended before the budget refused its hedge")
	f.noMoreTries(t)
	first.answer <- tryAnswer{val: "first"}
	got := f.result(t, done)
	noErr(t, got.err)
	equal(t, "first", got.val, "result")
	equal(t, 0, len(f.obs.kind(runtime.EventHedge)), "hedge events")
	calls, retries := b.InFlight()
	equal(t, 0, calls, "calls in flight after the call")
	equal(t, 0, retries, "retries in flight after the call")
}

func TestHedgeHoldsABudgetSlotWhileItRuns(t *testing.T) {
	defer goleak.VerifyNone(t)
	// One retry (or hedge) per call in flight.
	b := runtime.NewRetryBudget(1, 0)
	f := newHedgeFixtureWith(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil, nil, runtime.WithRetryBudget(b))
	done, first := f.pastDelay(t, time.Second)
	second := f.next(t)
	calls, retries := b.InFlight()
	equal(t, 1, calls, "calls in flight")
	equal(t, 1, retries, "hedges in flight")
	second.answer <- tryAnswer{val: "second"}
	<-first.ctx.Done()
	first.answer <- tryAnswer{err: context.Canceled}
	got := f.result(t, done)
	noErr(t, got.err)
	equal(t, "second", got.val, "result")
	calls, retries = b.InFlight()
	equal(t, 0, calls, "calls in flight after the call")
	equal(t, 0, retries, "hedges in flight after the call")
}

func TestEachHedgedTryTakesARateLimitToken(t *testing.T) {
	defer goleak.VerifyNone(t)
	// One token, and none for a long while: the hedge is refused by the
	// limiter and never reaches the dependency.
	rl := &runtime.RateLimitConfig{Rate: 1, Per: time.Hour, Burst: 1}
	f := newHedgeFixtureWith(t, runtime.HedgeConfig{Delay: time.Second, Max: 1}, nil, rl)
	done, first := f.pastDelay(t, time.Second)
	f.awaitEvent(t, done, runtime.EventRateLimited, "the call ended before its hedge asked for a token")
	f.noMoreTries(t)
	refused := f.obs.kind(runtime.EventRateLimited)[0]
	if !errors.Is(refused.Err, runtime.ErrRateLimited) {
		t.Fatalf("the hedge's refusal is %v, want ErrRateLimited", refused.Err)
	}
	first.answer <- tryAnswer{val: "first"}
	got := f.result(t, done)
	noErr(t, got.err)
	equal(t, "first", got.val, "result")
}

// awaitEvent waits for the first event of kind k, which a hedged try's
// goroutine reports: it fails with msg when the call ends first, and fails
// after 10s of real time rather than hang.
func (f *hedgeFixture) awaitEvent(t *testing.T, done <-chan tryAnswer, k runtime.EventKind, msg string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for len(f.obs.kind(k)) == 0 {
		select {
		case <-done:
			t.Fatal(msg)
		case <-deadline:
			t.Fatalf("no %v event within 10s", k)
		case <-time.After(time.Millisecond):
		}
	}
}

// pastDelay starts a hedged call, waits for its first try and its hedge
// timer, and moves the clock past delay, where a hedge is due.
func (f *hedgeFixture) pastDelay(t *testing.T, delay time.Duration) (<-chan tryAnswer, *try) {
	t.Helper()
	done := f.call(context.Background())
	first := f.next(t)
	f.clk.BlockUntilTimers(t, 1)
	f.clk.Advance(delay)
	return done, first
}
