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

// errBoom is the failure of a dependency in these tests.
var errBoom = errors.New("boom")

// epoch is where every fake clock of these tests starts.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder is an observer that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Observe(_ context.Context, e runtime.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// kinds returns the events of kind k.
func (r *recorder) kind(k runtime.EventKind) []runtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtime.Event
	for _, e := range r.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// fixture is a runtime on a fake clock with one method guarded by a breaker.
type fixture struct {
	clk *clocktest.Clock
	rt  *runtime.Runtime
	b   *runtime.Breaker
	m   *runtime.Method
	obs *recorder
}

func newFixture(t *testing.T, bc runtime.BreakerConfig, mc runtime.MethodConfig) *fixture {
	t.Helper()
	f := &fixture{clk: clocktest.New(epoch), obs: &recorder{}}
	f.rt = runtime.New(runtime.WithClock(f.clk), runtime.WithObserver(f.obs))
	f.b = f.rt.NewBreaker("Svc", bc)
	mc.Interface, mc.Name, mc.Breaker = "Svc", "Call", f.b
	f.m = f.rt.NewMethod(mc)
	return f
}

func (f *fixture) succeed() error {
	return f.m.Do(context.Background(), func(context.Context) error { return nil })
}

func (f *fixture) fail() error {
	return f.m.Do(context.Background(), func(context.Context) error { return errBoom })
}

// pending is a call in flight, held until release.
type pending struct {
	entered chan struct{}
	result  chan error
	done    chan error
}

// start begins a call through f.m that blocks until release is called.
func (f *fixture) start(ctx context.Context) *pending {
	p := &pending{entered: make(chan struct{}), result: make(chan error), done: make(chan error, 1)}
	go func() {
		p.done <- f.m.Do(ctx, func(context.Context) error {
			close(p.entered)
			return <-p.result
		})
	}()
	return p
}

// release ends the call with err and returns what Do returned.
func (p *pending) release(err error) error {
	<-p.entered
	p.result <- err
	return <-p.done
}

// The assertions below keep the tests on the standard library: the module's
// go.sum does not carry testify's own dependencies, and the runtime should
// not need them.

// noErr stops the test when err is not nil.
func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// isErr stops the test unless errors.Is(err, target).
func isErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v (%T) does not match %v", err, err, target)
	}
}

// equal stops the test unless got == want.
func equal[T comparable](t testing.TB, want, got T, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func asCircuitOpen(err error, target **runtime.CircuitOpenError) bool {
	return errors.As(err, target)
}
