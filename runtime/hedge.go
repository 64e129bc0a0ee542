package runtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// HedgeConfig sets a method's hedged attempts (//resil:hedge). A zero
// field takes the default written beside it.
type HedgeConfig struct {
	// Delay is how long an attempt waits for an answer before it starts
	// another try of the same call beside the first. Default 200ms.
	Delay time.Duration
	// Max is the most tries started beside the first, one per Delay.
	// Default 1.
	Max int
}

func (c HedgeConfig) withDefaults() HedgeConfig {
	if c.Delay <= 0 {
		c.Delay = 200 * time.Millisecond
	}
	if c.Max <= 0 {
		c.Max = 1
	}
	return c
}

// Won reports whether the try of a call running under ctx is the one whose
// results the caller gets. Outside a hedged method it is always true. In a
// hedged attempt, where several tries of one call run at once, it is true
// for exactly one try, the first to ask; a try asks only once it
// succeeded, and writes the call's results only when Won says so:
//
//	call := func(ctx context.Context) error {
//		t0, err := next.Get(ctx, q)
//		if err == nil && runtime.Won(ctx) {
//			r0 = t0
//		}
//		return err
//	}
//
// Generated wrappers write their hedged attempts this way, so that each try
// fills its own copy of the results and only the winner's reaches the
// caller. Do returns only after every try has returned.
func Won(ctx context.Context) bool {
	t, ok := ctx.Value(tryKey{}).(*hedgeTry)
	if !ok {
		return true
	}
	return t.race.claim(t.n)
}

// HedgeCall returns ctx carrying call, for a hedged method's Do or
// DoRecorded to start its tries with. A generated wrapper of a hedged
// method passes it the same call it passes them:
//
//	err := m.Do(runtime.HedgeCall(ctx, call), call)
//
// The tries run call on goroutines of their own, so this copy of call lives
// on the heap; keeping it apart from Do's parameter keeps the calls of
// every method without a hedge free of allocations. Without it, a hedged
// method makes plain attempts.
func HedgeCall(ctx context.Context, call func(context.Context) error) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

// callKey is the context key of HedgeCall's call.
type callKey struct{}

// tryKey is the context key of a hedged try.
type tryKey struct{}

// hedgeTry is what a hedged try carries in its context: its number in the
// race of its attempt.
type hedgeTry struct {
	race *hedgeRace
	n    int32
}

// hedgeRace decides the winner of one hedged attempt.
type hedgeRace struct{ winner atomic.Int32 }

// claim makes try n the winner unless another try is; it reports whether
// n is the winner. Asking again gives the same answer.
func (r *hedgeRace) claim(n int32) bool {
	return r.winner.CompareAndSwap(0, n) || r.winner.Load() == n
}

// tryResult is how a hedged try ended.
type tryResult struct {
	n        int32
	err      error
	panicked bool
	panicVal any
}

// hedged runs attempt n as a race of tries: the first now, another after
// each Delay without an answer, up to Max more. The first try to succeed
// wins; the others are cancelled, and all are awaited before it returns, so
// that no try outlives the call. When every started try failed it returns
// the error of the last to fail, without starting more: retrying a failure
// is the retry's business. A try that panics ends the race, and the panic
// goes on to the caller once the other tries returned.
//
// Each try runs under the per-attempt timeout of its own. The breaker and
// the retry above see one attempt.
//
// call is only called here, on the caller's goroutine, when ctx carries no
// call of HedgeCall for the tries: passed on to a goroutine, it would
// escape, and so would the results of every method, hedged or not.
func (m *Method) hedged(ctx context.Context, n int, call func(context.Context) error) error {
	tryCall, ok := ctx.Value(callKey{}).(func(context.Context) error)
	if !ok {
		return m.single(ctx, n, call)
	}
	h := m.hedge
	race := &hedgeRace{}
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan tryResult, 1+h.Max)
	var wg sync.WaitGroup
	started := int32(0)
	// start starts a try; admitted says it holds a slot of the retry
	// budget, which it gives back when it returns.
	start := func(admitted bool) {
		started++
		t := &hedgeTry{race: race, n: started}
		tctx := context.WithValue(hctx, tryKey{}, t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if admitted {
				defer m.budget.retried()
			}
			r := tryResult{n: t.n, panicked: true}
			defer func() {
				if r.panicked {
					r.panicVal = recover()
				}
				results <- r
			}()
			r.err = m.single(tctx, n, tryCall)
			r.panicked = false
		}()
	}
	start(false)
	timer := m.clock.NewTimer(h.Delay)
	defer func() { timer.Stop() }()
	running := 1
	var err error
	for running > 0 {
		select {
		case r := <-results:
			running--
			switch {
			case r.panicked:
				cancel()
				wg.Wait()
				panic(r.panicVal)
			case r.err == nil && race.claim(r.n):
				// The winner: the others are cancelled and awaited.
				cancel()
				wg.Wait()
				return nil
			case r.err == nil:
				// A success that lost the race to a try still running.
			default:
				err = r.err
			}
		case <-timer.C():
			// A hedge is a retry's load on the dependency: the retry
			// budget, when there is one, may refuse it, and then no more
			// hedges start; the tries running go on.
			admitted := false
			if b := m.budget; b != nil {
				if !b.admit() {
					if m.observer != nil {
						m.event(ctx, Event{Kind: EventBudgetExhausted, Policy: "budget", Attempt: n})
					}
					continue
				}
				admitted = true
			}
			if m.observer != nil {
				m.event(ctx, Event{Kind: EventHedge, Policy: "hedge", Attempt: n, Delay: h.Delay})
			}
			start(admitted)
			running++
			if int(started) <= h.Max {
				timer = m.clock.NewTimer(h.Delay)
			}
		}
	}
	return err
}

// single runs one try of attempt n: a token of the rate limiter, then the
// call under the per-attempt timeout and the injected faults, so that each
// hedged try weighs on the limit and is timed and faulted as an attempt is.
func (m *Method) single(ctx context.Context, n int, call func(context.Context) error) error {
	if err := m.token(ctx, n); err != nil {
		return err
	}
	if m.cfg.Timeout > 0 {
		return m.attemptWithTimeout(ctx, n, call)
	}
	return m.invoke(ctx, call)
}
