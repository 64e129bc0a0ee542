package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// breakerModel is the breaker of DESIGN.md written as plainly as possible,
// with no concurrency to care for: the reference the real one is checked
// against over random sequences of calls and clock moves.
type breakerModel struct {
	cfg       runtime.BreakerConfig
	state     runtime.State
	gen       int
	failures  []time.Time
	openUntil time.Time
	trials    int
	successes int
}

func (m *breakerModel) to(s runtime.State, now time.Time) {
	m.state, m.gen = s, m.gen+1
	switch s {
	case runtime.StateClosed:
		m.failures = nil
	case runtime.StateOpen:
		m.openUntil = now.Add(m.cfg.Timeout)
	case runtime.StateHalfOpen:
		m.trials, m.successes = 0, 0
	}
}

func (m *breakerModel) stateAt(now time.Time) runtime.State {
	if m.state == runtime.StateOpen && !now.Before(m.openUntil) {
		m.to(runtime.StateHalfOpen, now)
	}
	return m.state
}

// admit returns the generation and state a call is admitted under.
func (m *breakerModel) admit(now time.Time) (gen int, st runtime.State, ok bool) {
	switch m.stateAt(now) {
	case runtime.StateOpen:
		return 0, 0, false
	case runtime.StateHalfOpen:
		if m.trials >= m.cfg.HalfOpen {
			return 0, 0, false
		}
		m.trials++
	}
	return m.gen, m.state, true
}

func (m *breakerModel) done(gen int, st runtime.State, failed bool, now time.Time) {
	if gen != m.gen {
		return
	}
	switch st {
	case runtime.StateClosed:
		if !failed {
			return
		}
		m.failures = append(m.failures, now)
		inside := 0
		for _, f := range m.failures {
			if now.Sub(f) < m.cfg.Window {
				inside++
			}
		}
		if inside >= m.cfg.Threshold {
			m.to(runtime.StateOpen, now)
		}
	case runtime.StateHalfOpen:
		m.trials--
		if failed {
			m.to(runtime.StateOpen, now)
			return
		}
		m.successes++
		if m.successes >= m.cfg.HalfOpen {
			m.to(runtime.StateClosed, now)
		}
	}
}

// heldCall is a call in flight in both the breaker and the model.
type heldCall struct {
	p   *pending
	gen int
	st  runtime.State
}

func TestBreakerAgainstModel(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 2))
			cfg := runtime.BreakerConfig{
				Threshold: 1 + r.IntN(4),
				Window:    time.Duration(1+r.IntN(10)) * time.Second,
				Timeout:   time.Duration(1+r.IntN(10)) * time.Second,
				HalfOpen:  1 + r.IntN(3),
			}
			f := newFixture(t, cfg, runtime.MethodConfig{})
			model := &breakerModel{cfg: cfg}
			var held []heldCall
			for step := range 300 {
				now := f.clk.Now()
				switch op := r.IntN(6); op {
				case 0, 1: // a call that ends at once
					fail := op == 1
					gen, st, ok := model.admit(now)
					err := f.m.Do(context.Background(), func(context.Context) error {
						if fail {
							return errBoom
						}
						return nil
					})
					if !ok {
						isErr(t, err, runtime.ErrCircuitOpen)
						break
					}
					if errors.Is(err, runtime.ErrCircuitOpen) {
						t.Fatalf("step %d: breaker rejected a call the model admits (model %v)", step, model.state)
					}
					model.done(gen, st, fail, now)
				case 2: // time passes
					f.clk.Advance(time.Duration(r.IntN(3000)) * time.Millisecond)
				case 3: // a call that stays in flight
					gen, st, ok := model.admit(now)
					p := f.start(context.Background())
					select {
					case <-p.entered:
						if !ok {
							t.Fatalf("step %d: breaker admitted a held call the model rejects", step)
						}
						held = append(held, heldCall{p, gen, st})
					case err := <-p.done:
						isErr(t, err, runtime.ErrCircuitOpen)
						if ok {
							t.Fatalf("step %d: breaker rejected a held call the model admits", step)
						}
					}
				case 4, 5: // a call in flight ends
					if len(held) == 0 {
						break
					}
					i := r.IntN(len(held))
					h := held[i]
					held = append(held[:i], held[i+1:]...)
					fail := op == 5
					var want error
					if fail {
						want = errBoom
					}
					err := h.p.release(want)
					if err != want {
						t.Fatalf("step %d: held call returned %v, want %v", step, err, want)
					}
					model.done(h.gen, h.st, fail, now)
				}
				equal(t, model.stateAt(f.clk.Now()), f.b.State(), fmt.Sprintf("step %d state", step))
			}
			for _, h := range held {
				_ = h.p.release(nil)
			}
		})
	}
}
