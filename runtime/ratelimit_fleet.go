package runtime

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// fleetLimit ties a Shared rate limiter to its fleet limiter: every attempt
// takes its token from the fleet, one round trip each (a limit for the
// whole fleet cannot be kept locally). When the fleet fails, the limiter
// limits this process alone, with the same settings, and asks the fleet
// again after fleetRetry.
type fleetLimit struct {
	fl       FleetLimiter
	observer Observer
	iface    string
	method   string
	// downUntil is when to ask the fleet again, as Unix nanoseconds of the
	// runtime's clock; zero while the fleet answers.
	downUntil atomic.Int64
}

// fleetRetry is how long a limiter whose fleet failed limits locally
// before it asks the fleet again.
const fleetRetry = time.Second

// joinFleet makes l one limit for the fleet f.
func (l *RateLimiter) joinFleet(f Fleet, observer Observer) {
	fl, err := f.JoinRateLimiter(l.name, l.cfg)
	l.fleet = &fleetLimit{fl: fl, observer: observer}
	l.fleet.iface, l.fleet.method = splitName(l.name)
	if err != nil {
		l.fleet.fl = nil
		l.reportFleet(context.Background(), EventFleetFallback, err)
	}
}

// takeFleet takes a token from the fleet; handled is false when the fleet
// is down and the local limiter decides.
func (l *RateLimiter) takeFleet(ctx context.Context) (waited time.Duration, handled bool, err error) {
	f := l.fleet
	if f.fl == nil {
		return 0, false, nil
	}
	now := l.clock.Now()
	down := f.downUntil.Load()
	if down != 0 && now.UnixNano() < down {
		return 0, false, nil
	}
	maxWait := l.cfg.Wait
	if dl, ok := ctx.Deadline(); ok {
		// A context's deadline is a time of the system clock.
		maxWait = min(maxWait, time.Until(dl))
	}
	wait, ok, err := f.fl.Take(ctx, max(maxWait, 0))
	if err != nil {
		if f.downUntil.Swap(now.Add(fleetRetry).UnixNano()) == 0 {
			l.reportFleet(ctx, EventFleetFallback, err)
		}
		return 0, false, nil
	}
	if down != 0 && f.downUntil.CompareAndSwap(down, 0) {
		l.reportFleet(ctx, EventFleetRejoin, nil)
	}
	if !ok {
		return 0, true, fmt.Errorf("rate limiter %q (%d per %v, shared by the fleet): next token in %v, beyond the wait of %v: %w",
			l.name, l.cfg.Rate, l.cfg.Per, wait, maxWait, ErrRateLimited)
	}
	if wait <= 0 {
		return 0, true, nil
	}
	if !sleep(ctx, l.clock, wait) {
		return 0, true, l.abandoned(ctx)
	}
	return wait, true, nil
}

// reportFleet tells the observer that the limiter fell back from its fleet
// (EventFleetFallback, with err) or rejoined it.
func (l *RateLimiter) reportFleet(ctx context.Context, kind EventKind, err error) {
	f := l.fleet
	if f.observer == nil {
		return
	}
	f.observer.Observe(ctx, Event{
		Kind:      kind,
		Time:      l.clock.Now(),
		Interface: f.iface,
		Method:    f.method,
		Policy:    "ratelimit",
		Err:       err,
	})
}
