package faults_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
	"github.com/resilgen/resilgen/runtime/faults"
)

// counter is a dependency that counts the calls that reached it.
type counter struct{ n int }

func (c *counter) call(context.Context) error { c.n++; return nil }

// method builds a wrapper's method Svc.name on a runtime with opts.
func method(name string, cfg runtime.MethodConfig, opts ...runtime.Option) *runtime.Method {
	cfg.Interface, cfg.Name = "Svc", name
	return runtime.New(opts...).NewMethod(cfg)
}

// outcomes runs n calls and returns which of them failed, as a string of
// '.' and 'x'.
func outcomes(m *runtime.Method, n int, dep *counter) string {
	var b strings.Builder
	for range n {
		if err := m.Do(context.Background(), dep.call); err != nil {
			b.WriteByte('x')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// TestErrorRate checks that an error fault fails about its rate of the
// attempts, never calls the dependency when it fails one, counts what it
// injected, and returns ErrInjected.
func TestErrorRate(t *testing.T) {
	f := faults.Error(0.3)
	dep := &counter{}
	m := method("Get", runtime.MethodConfig{}, runtime.WithRand(rand.NewPCG(1, 2)), runtime.WithFaults(f))
	const n = 10000
	got := outcomes(m, n, dep)
	failed := strings.Count(got, "x")
	if failed < 2800 || failed > 3200 {
		t.Errorf("%d of %d calls failed, want about 30%%", failed, n)
	}
	if int(f.Injected()) != failed {
		t.Errorf("Injected() = %d, want the %d failures", f.Injected(), failed)
	}
	if dep.n != n-failed {
		t.Errorf("the dependency got %d calls, want %d: an injected error must not call through", dep.n, n-failed)
	}
	err := m.Do(context.Background(), func(context.Context) error { return nil })
	for err == nil {
		err = m.Do(context.Background(), func(context.Context) error { return nil })
	}
	if !errors.Is(err, faults.ErrInjected) {
		t.Errorf("injected error %v is not ErrInjected", err)
	}
}

// TestSeededReproduces checks that two runtimes seeded alike inject the
// same faults into the same calls, and that another seed injects others.
func TestSeededReproduces(t *testing.T) {
	run := func(seed uint64) string {
		m := method("Get", runtime.MethodConfig{}, runtime.WithRand(rand.NewPCG(seed, 2)), runtime.WithFaults(faults.Error(0.5)))
		return outcomes(m, 64, &counter{})
	}
	a, b, c := run(1), run(1), run(7)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
}

// TestForOneMethod checks that a fault For one method leaves the others,
// and the other interfaces, alone.
func TestForOneMethod(t *testing.T) {
	f := faults.Error(1, faults.For("Svc", "Put"))
	opts := []runtime.Option{runtime.WithFaults(f)}
	if got := outcomes(method("Get", runtime.MethodConfig{}, opts...), 10, &counter{}); got != ".........." {
		t.Errorf("Svc.Get, not targeted: %s, want no failure", got)
	}
	if got := outcomes(method("Put", runtime.MethodConfig{}, opts...), 10, &counter{}); got != "xxxxxxxxxx" {
		t.Errorf("Svc.Put, targeted at rate 1: %s, want every call failed", got)
	}
	all := faults.Error(1, faults.For("Svc", ""))
	if !all.For("Svc", "Anything") || all.For("Other", "Get") {
		t.Errorf("For(Svc, \"\") must match every method of Svc and nothing else")
	}
}

// TestRetryAndBreakerSeeFaults checks that faults are the dependency's
// failures to the policies above them: retried, and counted by the
// breaker once per call whose attempts all failed.
func TestRetryAndBreakerSeeFaults(t *testing.T) {
	rt := runtime.New(runtime.WithRand(rand.NewPCG(3, 4)), runtime.WithFaults(faults.Error(1)))
	b := rt.NewBreaker("Svc", runtime.BreakerConfig{Threshold: 2})
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Breaker: b,
		Retry: &runtime.RetryConfig{Attempts: 3, Base: time.Nanosecond, Max: time.Nanosecond}})
	dep := &counter{}
	var re *runtime.RetryError
	if err := m.Do(context.Background(), dep.call); !errors.As(err, &re) || re.Attempts != 3 || !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("first call: %v, want a RetryError of 3 injected failures", err)
	}
	if b.State() != runtime.StateClosed {
		t.Fatalf("breaker %v after one failed call of threshold 2, want closed", b.State())
	}
	_ = m.Do(context.Background(), dep.call)
	if b.State() != runtime.StateOpen {
		t.Fatalf("breaker %v after two failed calls of threshold 2, want open", b.State())
	}
	if dep.n != 0 {
		t.Errorf("the dependency got %d calls, want none", dep.n)
	}
}

// TestLatency checks that a latency fault waits on the runtime's clock
// and then calls through.
func TestLatency(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := method("Get", runtime.MethodConfig{}, runtime.WithClock(clk), runtime.WithFaults(faults.Latency(1, 3*time.Second)))
	dep := &counter{}
	waits, err := clocktest.Drive(t, clk, func() error { return m.Do(context.Background(), dep.call) })
	if err != nil || dep.n != 1 {
		t.Fatalf("Do: %v after %d calls, want success after one", err, dep.n)
	}
	if len(waits) != 1 || waits[0] != 3*time.Second {
		t.Errorf("waits %v, want one of 3s", waits)
	}
}

// TestLatencyPastTimeout checks that a delay longer than the per-attempt
// timeout times the attempt out, and the dependency is not called.
func TestLatencyPastTimeout(t *testing.T) {
	m := method("Get", runtime.MethodConfig{Timeout: 5 * time.Millisecond}, runtime.WithFaults(faults.Latency(1, time.Hour)))
	dep := &counter{}
	err := m.Do(context.Background(), dep.call)
	if err == nil || !strings.Contains(err.Error(), "timed out after 5ms") || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("Do: %v, want the attempt timed out during the injected latency", err)
	}
	if dep.n != 0 {
		t.Errorf("the dependency got %d calls, want none", dep.n)
	}
}

// TestPanic checks that a panic fault panics through the wrapper.
func TestPanic(t *testing.T) {
	m := method("Get", runtime.MethodConfig{}, runtime.WithFaults(faults.Panic(1)))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "injected fault") {
			t.Fatalf("recovered %v, want the injected panic", r)
		}
	}()
	_ = m.Do(context.Background(), (&counter{}).call)
	t.Fatal("Do returned; want a panic")
}

// TestAfterCall checks that AfterCall lets the call through and fails the
// attempt anyway, with the error WithError gives.
func TestAfterCall(t *testing.T) {
	errLost := errors.New("connection reset")
	m := method("Put", runtime.MethodConfig{}, runtime.WithFaults(faults.Error(1, faults.AfterCall(), faults.WithError(errLost))))
	dep := &counter{}
	err := m.Do(context.Background(), dep.call)
	if !errors.Is(err, faults.ErrInjected) || !errors.Is(err, errLost) || !strings.Contains(err.Error(), "response lost") {
		t.Errorf("Do: %v, want an injected lost response wrapping %v", err, errLost)
	}
	if dep.n != 1 {
		t.Errorf("the dependency got %d calls, want 1", dep.n)
	}
}

// TestBadRate checks that a rate outside [0, 1] is refused with the value.
func TestBadRate(t *testing.T) {
	for _, rate := range []float64{-0.1, 1.5} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "outside [0, 1]") {
					t.Errorf("Error(%v): recovered %v, want a rate refusal", rate, r)
				}
			}()
			faults.Error(rate)
		}()
	}
}

// TestString checks the description a demo prints.
func TestString(t *testing.T) {
	if got := faults.Error(0.3, faults.For("Cloud", "CreateVPC")).String(); got != "error 30% of Cloud.CreateVPC" {
		t.Errorf("String() = %q", got)
	}
}

// attempts records the errors of the attempts an observer heard of.
type attempts struct{ errs []error }

func (a *attempts) Observe(_ context.Context, e runtime.Event) {
	if e.Kind == runtime.EventAttempt {
		a.errs = append(a.errs, e.Err)
	}
}

// TestObservedAttempts checks that faults reach an observed method's
// attempts too, and that the observer sees them as the attempts' errors.
func TestObservedAttempts(t *testing.T) {
	obs := &attempts{}
	m := method("Get", runtime.MethodConfig{}, runtime.WithObserver(obs), runtime.WithFaults(faults.Error(1)))
	dep := &counter{}
	if err := m.Do(context.Background(), dep.call); !errors.Is(err, faults.ErrInjected) {
		t.Fatalf("Do: %v, want the injected error", err)
	}
	if len(obs.errs) != 1 || !errors.Is(obs.errs[0], faults.ErrInjected) || dep.n != 0 {
		t.Errorf("observed attempts %v and %d calls, want one injected failure and none", obs.errs, dep.n)
	}
}
