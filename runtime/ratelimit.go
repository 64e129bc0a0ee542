package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// ErrRateLimited is returned, wrapped, by an attempt that a rate limiter
// refused: no token came within the limiter's wait, or before the caller's
// deadline. It is never retried, and the breaker counts it as neither a
// success nor a failure, since the dependency was not called.
var ErrRateLimited = errors.New("rate limited")

// RateLimitConfig sets a rate limiter: at most Rate attempts per Per, with
// bursts of up to Burst. A zero field takes the default written beside it.
type RateLimitConfig struct {
	// Rate is how many attempts may start per Per. Default 1.
	Rate int
	// Per is the period Rate is counted over. Default 1s.
	Per time.Duration
	// Burst is how many attempts may start at once after a quiet spell.
	// Default Rate.
	Burst int
	// Wait is how long an attempt may wait for a token before it fails with
	// ErrRateLimited. Default 0: fail at once.
	Wait time.Duration
	// Shared asks for one limit across the replicas of a fleet (see
	// WithFleet): GCRA in the fleet's store, one round trip per attempt.
	// Without a fleet it limits this process only, as without it.
	Shared bool
}

// withDefaults fills the zero fields of c.
func (c RateLimitConfig) withDefaults() RateLimitConfig {
	if c.Rate <= 0 {
		c.Rate = 1
	}
	if c.Per <= 0 {
		c.Per = time.Second
	}
	if c.Burst <= 0 {
		c.Burst = c.Rate
	}
	return c
}

// RateLimiter lets attempts through at a steady rate, with bursts: a token
// bucket (golang.org/x/time/rate) read on the runtime's Clock, so that a
// manual clock drives its refills and waits. Every attempt, retries
// included, takes a token; a call answered from a record takes none. It is
// safe for concurrent use.
type RateLimiter struct {
	name  string
	cfg   RateLimitConfig
	lim   *rate.Limiter
	clock Clock
	// fleet is the fleet's limit for a Shared limiter with a fleet; nil
	// otherwise.
	fleet *fleetLimit
}

// NewRateLimiter returns a rate limiter named name (the interface, or
// "Interface.Method" for a method's own). Methods given one limiter share
// its tokens.
func (rt *Runtime) NewRateLimiter(name string, cfg RateLimitConfig) *RateLimiter {
	cfg = cfg.withDefaults()
	every := rate.Every(cfg.Per / time.Duration(cfg.Rate))
	if cfg.Per%time.Duration(cfg.Rate) != 0 {
		// Per/Rate would round the interval down; the exact rate keeps
		// "3 per 1s" at three a second, not a little more.
		every = rate.Limit(float64(cfg.Rate) / cfg.Per.Seconds())
	}
	// The bucket starts full; it is only ever read at the clock's times.
	l := &RateLimiter{name: name, cfg: cfg, lim: rate.NewLimiter(every, cfg.Burst), clock: rt.cfg.clock}
	if cfg.Shared && rt.cfg.fleet != nil {
		l.joinFleet(rt.cfg.fleet, rt.cfg.observer)
	}
	return l
}

// Name returns the name the limiter was made with.
func (l *RateLimiter) Name() string { return l.name }

// Config returns the limiter's settings, defaults filled in.
func (l *RateLimiter) Config() RateLimitConfig { return l.cfg }

// take takes a token for one attempt, waiting up to the limiter's Wait and
// never past ctx's deadline. It returns how long it waited, and an error
// wrapping ErrRateLimited, or the context's cause when the caller gave up
// while it waited.
func (l *RateLimiter) take(ctx context.Context) (time.Duration, error) {
	if l.fleet != nil {
		if waited, ok, err := l.takeFleet(ctx); ok {
			return waited, err
		}
	}
	now := l.clock.Now()
	if l.lim.AllowN(now, 1) {
		return 0, nil
	}
	if l.cfg.Wait <= 0 {
		return 0, l.limited(0)
	}
	return l.takeWait(ctx, now)
}

// takeWait reserves the next token and waits for it on the clock. It is
// apart from take so that the reservation, which is on the heap, is paid
// only when a token is not there at once.
func (l *RateLimiter) takeWait(ctx context.Context, now time.Time) (time.Duration, error) {
	r := l.lim.ReserveN(now, 1)
	if !r.OK() {
		return 0, l.limited(0)
	}
	d := r.DelayFrom(now)
	if d > l.cfg.Wait {
		r.CancelAt(now)
		return 0, l.limited(0)
	}
	// A context's deadline is a time of the system clock, whatever clock
	// the runtime reads (see MethodConfig.Timeout).
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); d > left {
			// Waiting would outlive the caller: refuse now instead of
			// holding a token nobody will use.
			r.CancelAt(now)
			return 0, l.limited(max(left, time.Nanosecond))
		}
	}
	if d <= 0 {
		return 0, nil
	}
	if !sleep(ctx, l.clock, d) {
		// Given back, so that the next caller need not wait for a token
		// nobody used.
		r.CancelAt(l.clock.Now())
		return 0, l.abandoned(ctx)
	}
	return d, nil
}

// abandoned is the error of an attempt whose caller gave up while it
// waited for a token.
func (l *RateLimiter) abandoned(ctx context.Context) error {
	return fmt.Errorf("rate limiter %q: waiting for a token: %w", l.name, context.Cause(ctx))
}

// limited is the error of a refused attempt; left, when positive, is what
// was left of the caller's deadline, which ended the wait.
func (l *RateLimiter) limited(left time.Duration) error {
	if left > 0 {
		return fmt.Errorf("rate limiter %q (%d per %v): no token before the caller's deadline in %v: %w", l.name, l.cfg.Rate, l.cfg.Per, left, ErrRateLimited)
	}
	return fmt.Errorf("rate limiter %q (%d per %v): no token within %v: %w", l.name, l.cfg.Rate, l.cfg.Per, l.cfg.Wait, ErrRateLimited)
}
