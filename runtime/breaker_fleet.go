package runtime

import (
	"context"
	"sync/atomic"
	"time"
)

// fleetLink ties a breaker to its fleet breaker (see [Fleet]). While shared,
// the breaker's local state mirrors the fleet's: the closed path stays one
// atomic load, and only failures, trial admissions and trial outcomes go to
// the fleet. After a fleet error it runs as a local breaker with the same
// settings until the fleet answers again.
type fleetLink struct {
	fb FleetBreaker
	// shared is true while the fleet answers.
	shared atomic.Bool
	// epoch is the fleet epoch the local state mirrors, and fresh says the
	// next state from the fleet is taken whatever its epoch (after joining
	// or rejoining: a new Redis counts epochs from zero). Both under b.mu.
	epoch uint64
	fresh bool
	// fullUntil is when, as a duration since the breaker's base, a
	// half-open breaker whose trial slots the fleet found all taken asks
	// again; until then it rejects without a round trip. Zero: ask.
	fullUntil atomic.Int64
}

// fleetFullRecheck is how long a half-open breaker rejects locally after
// the fleet said every trial slot was taken: a slot frees only when its
// holder's outcome is ignored or its lease ends, and the end of half-open
// comes by push, so asking on every call would only load Redis.
const fleetFullRecheck = 50 * time.Millisecond

// joinFleet makes b one breaker of the fleet f. A rate-mode breaker stays
// local: counting its successes in the fleet would cost a round trip each.
func (b *Breaker) joinFleet(f Fleet) {
	if b.cfg.Rate > 0 {
		return
	}
	l := &fleetLink{fresh: true}
	l.shared.Store(true)
	b.fleet = l
	fb, err := f.JoinBreaker(b.name, b.cfg, b.fleetUpdate)
	if err != nil {
		l.shared.Store(false)
		b.reportFleet(context.Background(), EventFleetFallback, err)
		return
	}
	l.fb = fb
}

// fleetUpdate is what the fleet calls when it learns the breaker's state,
// or fails to.
func (b *Breaker) fleetUpdate(fs FleetState, err error) {
	if err != nil {
		b.fleetLost(context.Background(), err)
		return
	}
	b.fleetApply(context.Background(), fs)
}

// fleetLost falls back to the local breaker, once per loss, and reports it.
// The local breaker goes on from the state it mirrored, in a new generation,
// so that outcomes of calls admitted under the fleet are dropped.
func (b *Breaker) fleetLost(ctx context.Context, err error) {
	if !b.fleet.shared.CompareAndSwap(true, false) {
		return
	}
	b.mu.Lock()
	st, _ := unpack(b.word.Load())
	if st == StateOpen {
		// The opening goes on, with its time and so with its error.
		until, err := b.openUntil.Load(), b.openErr.Load()
		b.setState(StateOpen, b.clock.Now())
		b.openErr.Store(err)
		b.openUntil.Store(until)
	} else {
		b.setState(st, b.clock.Now())
	}
	b.mu.Unlock()
	b.reportFleet(ctx, EventFleetFallback, err)
}

// fleetApply makes the local state the fleet's state fs, unless fs is older
// than what the breaker mirrors, and rejoins the fleet if it had fallen
// back.
func (b *Breaker) fleetApply(ctx context.Context, fs FleetState) {
	rejoined := b.rejoin()
	b.mu.Lock()
	ev := b.fleetApplyLocked(fs)
	b.mu.Unlock()
	b.report(ctx, ev)
	if rejoined {
		b.reportFleet(ctx, EventFleetRejoin, nil)
	}
}

// rejoin marks the fleet as answering again and reports whether it had
// not been.
func (b *Breaker) rejoin() bool {
	l := b.fleet
	if l.shared.Load() || !l.shared.CompareAndSwap(false, true) {
		return false
	}
	b.mu.Lock()
	l.fresh = true
	b.mu.Unlock()
	return true
}

// fleetApplyLocked is fleetApply's state change, with mu held.
func (b *Breaker) fleetApplyLocked(fs FleetState) stateChange {
	l := b.fleet
	if !l.fresh && fs.Epoch == l.epoch && fs.State == StateOpen {
		// Still open by the fleet's clock: the local one may have run ahead.
		if st, _ := unpack(b.word.Load()); st == StateOpen {
			b.setOpenUntil(b.clock.Now().Add(fs.OpenFor))
		}
		return stateChange{}
	}
	if !l.fresh && fs.Epoch <= l.epoch {
		// Already mirrored, or older than what is: a sync's answer that
		// crossed a push.
		return stateChange{}
	}
	l.fresh, l.epoch = false, fs.Epoch
	l.fullUntil.Store(0)
	now := b.clock.Now()
	ev := b.setState(fs.State, now)
	if fs.State == StateOpen {
		// The fleet's time left, counted from now on the local clock: a
		// replica's clock only measures the duration, so its skew does not
		// matter.
		b.setOpenUntil(now.Add(fs.OpenFor))
	}
	return ev
}

// allowFleet is allowSlow for a breaker in a fleet, found in state st, open
// or half-open: an open breaker rejects locally until its time is up; then
// the fleet decides which replicas' calls are its trials.
func (b *Breaker) allowFleet(ctx context.Context, st State) (ticket, error) {
	if st == StateOpen {
		if left := b.openFor(); left > 0 {
			return ticket{}, b.openErr.Load()
		}
	}
	l := b.fleet
	if st == StateHalfOpen {
		if until := l.fullUntil.Load(); until != 0 && b.clock.Now().Sub(b.base) < time.Duration(until) {
			return ticket{}, b.fullErr
		}
	}
	fs, ok, err := l.fb.Trial(ctx)
	if err != nil {
		b.fleetLost(ctx, err)
		return b.allow(ctx)
	}
	rejoined := b.rejoin()
	b.mu.Lock()
	ev := b.fleetApplyLocked(fs)
	cur, gen := unpack(b.word.Load())
	left, openErr := b.openFor(), b.openErr.Load()
	if cur == StateHalfOpen && !ok {
		l.fullUntil.Store(int64(b.clock.Now().Sub(b.base) + fleetFullRecheck))
	}
	b.mu.Unlock()
	b.report(ctx, ev)
	if rejoined {
		b.reportFleet(ctx, EventFleetRejoin, nil)
	}
	switch {
	case cur == StateClosed:
		return ticket{StateClosed, gen}, nil
	case cur == StateHalfOpen && ok:
		return ticket{StateHalfOpen, gen}, nil
	case cur == StateOpen && left > 0:
		return ticket{}, openErr
	}
	return ticket{}, b.fullErr
}

// recordFleet reports the outcome o of a call admitted with t to the fleet:
// a failure while closed, or any outcome of a trial.
func (b *Breaker) recordFleet(ctx context.Context, t ticket, o outcome) {
	l := b.fleet
	b.mu.Lock()
	_, gen := unpack(b.word.Load())
	epoch := l.epoch
	b.mu.Unlock()
	if gen != t.gen {
		// Admitted under a state the breaker has left; a trial slot it held
		// was freed by the fleet's change of state.
		return
	}
	var fs FleetState
	var err error
	if t.state == StateClosed {
		fs, err = l.fb.Failure(ctx)
	} else {
		fs, err = l.fb.TrialDone(ctx, epoch, fleetOutcome(o))
	}
	if err != nil {
		b.fleetLost(ctx, err)
		if t.state == StateClosed {
			// The failure still counts, for the local breaker now.
			if st, gen := unpack(b.word.Load()); st == StateClosed {
				b.record(ctx, ticket{StateClosed, gen}, o)
			}
		}
		return
	}
	b.fleetApply(ctx, fs)
}

func fleetOutcome(o outcome) FleetOutcome {
	switch o {
	case outcomeSuccess:
		return FleetSuccess
	case outcomeFailure:
		return FleetFailure
	}
	return FleetIgnored
}

// reportFleet tells the observer that the breaker fell back from the fleet
// (kind EventFleetFallback, with err) or rejoined it.
func (b *Breaker) reportFleet(ctx context.Context, kind EventKind, err error) {
	if b.observer == nil {
		return
	}
	b.observer.Observe(ctx, Event{
		Kind:      kind,
		Time:      b.clock.Now(),
		Interface: b.iface,
		Method:    b.ownMethod,
		Policy:    "fleet",
		Breaker:   b.name,
		Err:       err,
	})
}
