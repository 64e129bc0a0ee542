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
	// ended are the calls that ended while closed, for rate mode.
	ended []endedCall
}

// endedCall is a call that ended while the model was closed.
type endedCall struct {
	at     time.Time
	failed bool
}

// bucket is the number of the tenth of the window that holds t, counted
// from the epoch the breaker was made at.
func (m *breakerModel) bucket(t time.Time) int64 {
	return int64(t.Sub(epoch) / (m.cfg.Window / 10))
}

func (m *breakerModel) to(s runtime.State, now time.Time) {
	m.state, m.gen = s, m.gen+1
	switch s {
	case runtime.StateClosed:
		m.failures, m.ended = nil, nil
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
		if m.cfg.Rate > 0 {
			m.doneRate(failed, now)
			return
		}
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

// doneRate is a call ending while closed in rate mode: it opens when it
// failed and, counting it, the calls that ended in the last ten buckets
// are at least Min and failed at least Rate percent of the time.
func (m *breakerModel) doneRate(failed bool, now time.Time) {
	m.ended = append(m.ended, endedCall{now, failed})
	if !failed {
		return
	}
	total, failures := 0, 0
	for _, c := range m.ended {
		if m.bucket(now)-m.bucket(c.at) < 10 {
			total++
			if c.failed {
				failures++
			}
		}
	}
	min := m.cfg.Min
	if min == 0 {
		min = 20
	}
	if total >= min && 100*failures >= m.cfg.Rate*total {
		m.to(runtime.StateOpen, now)
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
			checkAgainstModel(t, r, cfg)
		})
	}
}

// TestRateBreakerAgainstModel checks rate mode the same way: random calls,
// some held in flight, and clock moves, against the model's rate rule.
func TestRateBreakerAgainstModel(t *testing.T) {
	for seed := range uint64(60) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 3))
			cfg := runtime.BreakerConfig{
				Rate:     1 + r.IntN(100),
				Min:      1 + r.IntN(8),
				Window:   time.Duration(1+r.IntN(10)) * time.Second,
				Timeout:  time.Duration(1+r.IntN(10)) * time.Second,
				HalfOpen: 1 + r.IntN(3),
			}
			checkAgainstModel(t, r, cfg)
		})
	}
}

// checkAgainstModel runs 300 random steps on a breaker made with cfg and on
// the model, and compares their states after each.
func checkAgainstModel(t *testing.T, r *rand.Rand, cfg runtime.BreakerConfig) {
	t.Helper()
	// Rate mode moves in smaller steps, so that calls share a window.
	maxStep := 3000
	if cfg.Rate > 0 {
		maxStep = int(cfg.Window/time.Millisecond)/3 + 1
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
			f.clk.Advance(time.Duration(r.IntN(maxStep)) * time.Millisecond)
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
}
