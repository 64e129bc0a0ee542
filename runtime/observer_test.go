package runtime_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

func TestObserverMayCallBackIntoTheBreaker(t *testing.T) {
	clk := clocktest.New(epoch)
	var b *runtime.Breaker
	var seen []runtime.State
	obs := runtime.ObserverFunc(func(_ context.Context, e runtime.Event) {
		if e.Kind == runtime.EventStateChange {
			// Would deadlock if the breaker still held its lock.
			seen = append(seen, b.State())
		}
	})
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(obs))
	b = rt.NewBreaker("Svc", runtime.BreakerConfig{Threshold: 1, Timeout: time.Second, HalfOpen: 1})
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: b})
	isErr(t, m.Do(context.Background(), func(context.Context) error { return errBoom }), errBoom)
	clk.Advance(time.Second)
	noErr(t, m.Do(context.Background(), func(context.Context) error { return nil }))
	want := []runtime.State{runtime.StateOpen, runtime.StateHalfOpen, runtime.StateClosed}
	equal(t, len(want), len(seen), "state changes")
	for i := range want {
		equal(t, want[i], seen[i], "state seen from the observer")
	}
}

func TestStateChangeEvents(t *testing.T) {
	obs := &recorder{}
	clk := clocktest.New(epoch)
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(obs))
	b := rt.NewBreaker("Svc.Call", runtime.BreakerConfig{Threshold: 1})
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call", Breaker: b})
	_ = m.Do(context.Background(), func(context.Context) error { return errBoom })
	changes := obs.kind(runtime.EventStateChange)
	equal(t, 1, len(changes), "state changes")
	e := changes[0]
	equal(t, runtime.StateClosed, e.From, "from")
	equal(t, runtime.StateOpen, e.To, "to")
	equal(t, "Svc.Call", e.Breaker, "breaker")
	equal(t, "Svc", e.Interface, "interface")
	equal(t, "Call", e.Method, "method of a method's own breaker")
	equal(t, epoch, e.Time, "time from the runtime's clock")

	attempts := obs.kind(runtime.EventAttempt)
	equal(t, 1, len(attempts), "attempt events")
	equal(t, errBoom, attempts[0].Err, "attempt error")
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[runtime.EventKind]string{
		runtime.EventStateChange:   "state_change",
		runtime.EventRetry:         "retry",
		runtime.EventRejected:      "rejected",
		runtime.EventIdempotentHit: "idempotent_hit",
		runtime.EventStepReplayed:  "step_replayed",
		runtime.EventStepRecorded:  "step_recorded",
		runtime.EventAttempt:       "attempt",
		runtime.EventCall:          "call",
		runtime.EventKind(0):       "EventKind(0)",
	} {
		equal(t, want, k.String(), "event kind name")
	}
}

func TestRuntimeDefaults(t *testing.T) {
	rt := runtime.New()
	if rt.Store() == nil || rt.Clock() == nil || rt.Owner() == "" {
		t.Fatal("New left a default unset")
	}
	if runtime.New().Owner() == rt.Owner() {
		t.Fatal("two runtimes got the same default owner")
	}
	equal(t, "me", runtime.New(runtime.WithOwner("me")).Owner(), "owner")
	if d := time.Since(runtime.SystemClock().Now()); d < 0 || d > time.Minute {
		t.Fatalf("system clock is %v off", d)
	}
	tm := runtime.SystemClock().NewTimer(time.Hour)
	equal(t, true, tm.Stop(), "stopped a pending system timer")
}

// named is an observer that appends its name to a shared log.
type named struct {
	name string
	log  *[]string
}

func (n named) Observe(_ context.Context, e runtime.Event) {
	*n.log = append(*n.log, n.name+":"+e.Kind.String())
}

func TestObserversOfNoneOrOneAddNothing(t *testing.T) {
	if o := runtime.Observers(); o != nil {
		t.Fatalf("Observers() = %v, want nil", o)
	}
	if o := runtime.Observers(nil, nil); o != nil {
		t.Fatalf("Observers(nil, nil) = %v, want nil", o)
	}
	rec := &recorder{}
	if o := runtime.Observers(nil, rec, nil); o != runtime.Observer(rec) {
		t.Fatalf("Observers(nil, rec, nil) = %#v, want rec itself", o)
	}
}

func TestObserversSendsEveryEventToEachInOrder(t *testing.T) {
	var log []string
	a, b, c := named{"a", &log}, named{"b", &log}, named{"c", &log}
	obs := runtime.Observers(a, nil, runtime.Observers(b, c))
	rt := runtime.New(runtime.WithClock(clocktest.New(epoch)), runtime.WithObserver(obs))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call"})
	noErr(t, m.Do(context.Background(), func(context.Context) error { return nil }))
	want := []string{"a:attempt", "b:attempt", "c:attempt", "a:call", "b:call", "c:call"}
	equal(t, len(want), len(log), "events observed")
	for i := range want {
		equal(t, want[i], log[i], "event")
	}
}

func TestWithObserverLaterWins(t *testing.T) {
	first, second := &recorder{}, &recorder{}
	rt := runtime.New(runtime.WithObserver(first), runtime.WithObserver(second))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call"})
	noErr(t, m.Do(context.Background(), func(context.Context) error { return nil }))
	equal(t, 0, len(first.kind(runtime.EventCall)), "calls seen by the replaced observer")
	equal(t, 1, len(second.kind(runtime.EventCall)), "calls seen by the later observer")
}

// countingClock counts the reads of a clock.
type countingClock struct {
	runtime.Clock
	mu    sync.Mutex
	reads int
}

func (c *countingClock) Now() time.Time {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.Clock.Now()
}

func TestObservedCallReadsTheClockOncePerTimestamp(t *testing.T) {
	// An observed call that succeeds at once has four instants to stamp:
	// the call's start and end and its attempt's start and end. Each event
	// takes its Time from them rather than reading the clock again.
	clk := &countingClock{Clock: clocktest.New(epoch)}
	var events []runtime.Event
	rt := runtime.New(runtime.WithClock(clk), runtime.WithObserver(runtime.ObserverFunc(func(_ context.Context, e runtime.Event) {
		events = append(events, e)
	})))
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Call",
		Breaker: rt.NewBreaker("Svc", runtime.BreakerConfig{}), Retry: &runtime.RetryConfig{}})
	clk.reads = 0 // building the breaker reads it too
	noErr(t, m.Do(context.Background(), func(context.Context) error { return nil }))
	equal(t, 4, clk.reads, "clock reads")
	equal(t, 2, len(events), "events (attempt, call)")
	for _, e := range events {
		if e.Time.IsZero() {
			t.Fatalf("%v event without a time", e.Kind)
		}
	}
}
