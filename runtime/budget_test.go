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

// budgetCall is a call whose first attempt waits for fail and then fails;
// its retry reports on retrying and then succeeds.
type budgetCall struct {
	entered, fail chan struct{}
	done          chan error
}

func startBudgetCall(m *runtime.Method, retrying chan<- struct{}) *budgetCall {
	h := &budgetCall{entered: make(chan struct{}), fail: make(chan struct{}), done: make(chan error, 1)}
	first := true
	go func() {
		h.done <- m.Do(context.Background(), func(context.Context) error {
			if first {
				first = false
				close(h.entered)
				<-h.fail
				return errBoom
			}
			retrying <- struct{}{}
			return nil
		})
	}()
	return h
}

// TestRetryBudgetModel holds calls in flight and fails them one at a time,
// and checks each decision against the budget's rule: a retry is admitted
// while fewer than min calls are in flight or the retries in flight, it
// included, stay within ratio of the calls in flight.
func TestRetryBudgetModel(t *testing.T) {
	const calls, ratio, minCalls = 8, 0.5, 4
	clk, obs := clocktest.New(epoch), &recorder{}
	budget := runtime.NewRetryBudget(ratio, minCalls)
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(obs), runtime.WithRetryBudget(budget))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query",
		Retry: &runtime.RetryConfig{Attempts: 2, Base: time.Second, Jitter: runtime.JitterNone}})

	retrying := make(chan struct{}, calls)
	held := make([]*budgetCall, calls)
	for i := range held {
		held[i] = startBudgetCall(m, retrying)
		<-held[i].entered
	}
	admitted, refused := 0, 0
	for i, h := range held {
		inFlight, retries := budget.InFlight()
		want := inFlight < minCalls || float64(retries+1) <= ratio*float64(inFlight)
		close(h.fail)
		if want {
			// Admitted: its backoff starts beside those of the calls
			// admitted before; a refusal fails this within the clock's
			// block timeout.
			clk.BlockUntilTimers(t, admitted+1)
			admitted++
			continue
		}
		var err error
		select {
		case err = <-h.done:
		case <-time.After(10 * time.Second): // a guard against a hang, not a wait
			t.Fatalf("call %d: not refused with %d calls and %d retries in flight", i, inFlight, retries)
		}
		isErr(t, err, runtime.ErrRetryBudget)
		isErr(t, err, errBoom)
		if !strings.Contains(err.Error(), "retry budget exhausted; last attempt: boom") {
			t.Fatalf("error %q does not say that the budget stopped the retries", err)
		}
		equal(t, admitted, clk.Timers(), "backoffs pending after a refusal")
		refused++
	}
	equal(t, 4, admitted, "retries admitted: ratio 0.5 of 8 calls in flight")
	equal(t, 4, refused, "retries refused")
	equal(t, 4, len(obs.kind(runtime.EventBudgetExhausted)), "budget_exhausted events")
	clk.Advance(time.Second)
	for _, h := range held[:admitted] {
		<-retrying
		noErr(t, <-h.done)
	}
	c, r := budget.InFlight()
	equal(t, [2]int{0, 0}, [2]int{c, r}, "calls and retries in flight after the calls ended")
}

func TestRetryBudgetBelowMinAdmitsEveryRetry(t *testing.T) {
	clk := clocktest.New(epoch)
	rt := runtime.New(runtime.WithClock(clk), runtime.WithRetryBudget(runtime.NewRetryBudget(0, 2)))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query",
		Retry: &runtime.RetryConfig{Attempts: 3, Base: time.Second, Jitter: runtime.JitterNone}})
	calls := 0
	waits, err := clocktest.Drive(t, clk, func() error { return m.Do(context.Background(), failing(&calls, errBoom, errBoom)) })
	noErr(t, err)
	equal(t, 2, len(waits), "retries of a lone call under a budget of min 2")
}

func TestRetryBudgetSharedByWrappers(t *testing.T) {
	clk := clocktest.New(epoch)
	budget := runtime.NewRetryBudget(0, 1)
	retry := &runtime.RetryConfig{Attempts: 3, Base: time.Second}
	a := runtime.New(runtime.WithClock(clk), runtime.WithRetryBudget(budget)).NewMethod(runtime.MethodConfig{Interface: "A", Name: "Call", Retry: retry})
	b := runtime.New(runtime.WithClock(clk), runtime.WithRetryBudget(budget)).NewMethod(runtime.MethodConfig{Interface: "B", Name: "Call", Retry: retry})
	// A call of a in flight counts for b's retries too.
	p := &pending{entered: make(chan struct{}), result: make(chan error), done: make(chan error, 1)}
	go func() {
		p.done <- a.Do(context.Background(), func(context.Context) error { close(p.entered); return <-p.result })
	}()
	<-p.entered
	c, _ := budget.InFlight()
	equal(t, 1, c, "calls in flight under the shared budget")
	calls := 0
	err := doOnce(t, clk, context.Background(), b, failing(&calls, errBoom))
	isErr(t, err, runtime.ErrRetryBudget)
	noErr(t, p.release(nil))
}

// TestRetryBudgetUnderLoad fails 64 calls at once and holds every retry
// the budget admits until all have been decided: however they interleave,
// no more retries are in flight than ratio of the 64 calls, and every slot
// is given back at the end, also by the calls that panic.
func TestRetryBudgetUnderLoad(t *testing.T) {
	const calls, ratio = 64, 0.2 // room for 12 retries
	budget := runtime.NewRetryBudget(ratio, 5)
	rt := runtime.New(runtime.WithRetryBudget(budget))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Logs", Name: "Query",
		Retry: &runtime.RetryConfig{Attempts: 2, Base: time.Nanosecond, Max: time.Nanosecond}})
	var together, wg sync.WaitGroup
	together.Add(calls)
	decided := make(chan bool, calls) // true: in a retry; false: refused
	hold := make(chan struct{})
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }()
			n := 0
			err := m.Do(context.Background(), func(context.Context) error {
				n++
				if n == 1 {
					// Every first attempt fails once all are in flight,
					// so that their retries compete for the budget.
					together.Done()
					together.Wait()
					return errBoom
				}
				decided <- true
				<-hold
				if i%8 == 0 {
					panic("dependency panicked in a retry")
				}
				return nil
			})
			if errors.Is(err, runtime.ErrRetryBudget) {
				decided <- false
			}
		}()
	}
	inRetry := 0
	for range calls {
		select {
		case admitted := <-decided:
			if admitted {
				inRetry++
			}
		case <-time.After(10 * time.Second): // a guard against a hang, not a wait
			t.Fatal("calls neither retried nor were refused")
		}
	}
	close(hold)
	wg.Wait()
	if limit := 12; inRetry > limit || inRetry == 0 {
		t.Fatalf("%d retries in flight at once, want 1 to %d (ratio %v of %d calls)", inRetry, limit, ratio, calls)
	}
	c, r := budget.InFlight()
	equal(t, [2]int{0, 0}, [2]int{c, r}, "calls and retries in flight after the load")
}
