package runtime

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// BulkheadConfig sets a bulkhead. A zero Max takes the default 10.
type BulkheadConfig struct {
	// Max is the most calls in flight at once. Default 10.
	Max int
	// Wait is how long a call waits for a slot before it fails with
	// ErrBulkheadFull. Default 0: fail at once.
	Wait time.Duration
}

// Bulkhead caps the calls in flight through it. It is safe for concurrent use.
type Bulkhead struct {
	name  string
	max   int64
	wait  time.Duration
	clock Clock

	// inFlight counts the slots taken. Taking and giving back a slot is an
	// atomic add each (a channel semaphore costs three times as much).
	inFlight atomic.Int64
	// waiters counts the calls waiting for a slot; release wakes one
	// through freed only when there are some.
	waiters atomic.Int64
	freed   chan struct{}
}

// NewBulkhead returns a bulkhead named name (the interface, or
// "Interface.Method" for a method's own), reporting rejections to the
// runtime's observer.
func (rt *Runtime) NewBulkhead(name string, cfg BulkheadConfig) *Bulkhead {
	if cfg.Max <= 0 {
		cfg.Max = 10
	}
	return &Bulkhead{
		name:  name,
		max:   int64(cfg.Max),
		wait:  cfg.Wait,
		clock: rt.cfg.clock,
		freed: make(chan struct{}, 1),
	}
}

// Name returns the name the bulkhead was made with.
func (b *Bulkhead) Name() string { return b.name }

// InFlight returns the number of calls holding a slot now.
func (b *Bulkhead) InFlight() int { return int(b.inFlight.Load()) }

// acquire takes a slot, waiting up to the bulkhead's Wait for one. It fails
// with an error wrapping ErrBulkheadFull, or with the context's error when
// the caller gives up first.
func (b *Bulkhead) acquire(ctx context.Context) error {
	if b.tryAcquire() {
		return nil
	}
	if b.wait <= 0 {
		return b.full()
	}
	return b.acquireWait(ctx)
}

func (b *Bulkhead) tryAcquire() bool {
	for {
		n := b.inFlight.Load()
		if n >= b.max {
			return false
		}
		if b.inFlight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (b *Bulkhead) acquireWait(ctx context.Context) error {
	// Counted as a waiter before looking again, so that a release between
	// the look and the wait below is sure to signal freed.
	b.waiters.Add(1)
	defer b.waiters.Add(-1)
	t := b.clock.NewTimer(b.wait)
	defer t.Stop()
	for {
		if b.tryAcquire() {
			b.wakeWaiter()
			return nil
		}
		select {
		case <-b.freed:
		case <-t.C():
			if b.tryAcquire() {
				return nil
			}
			return b.full()
		case <-ctx.Done():
			return fmt.Errorf("bulkhead %q: waiting for a slot: %w", b.name, context.Cause(ctx))
		}
	}
}

// wakeWaiter passes a wake-up on when slots are left and others wait:
// freed holds one signal, so releases that come together may have woken
// only this waiter.
func (b *Bulkhead) wakeWaiter() {
	if b.waiters.Load() > 1 && b.inFlight.Load() < b.max {
		b.signal()
	}
}

func (b *Bulkhead) signal() {
	select {
	case b.freed <- struct{}{}:
	default:
	}
}

func (b *Bulkhead) full() error {
	return fmt.Errorf("bulkhead %q: %d calls in flight: %w", b.name, b.max, ErrBulkheadFull)
}

// release gives back a slot taken by acquire.
func (b *Bulkhead) release() {
	b.inFlight.Add(-1)
	if b.waiters.Load() > 0 {
		b.signal()
	}
}
