package runtime

import (
	"context"
	"time"
)

// Fleet shares breaker state among the replicas of a service, so that a
// breaker of a wrapper is one breaker for every process using the same
// fleet: failures of all replicas count towards its threshold, every
// replica learns when it opens, and half-open admits its trial calls across
// the fleet. Package runtime/fleet/redisfleet implements it on Redis; pass
// one to a wrapper with [WithFleet].
//
// The runtime calls a Fleet only off the happy path: when a call fails,
// when an open breaker's timeout has passed, and when a trial call ends. A
// successful call of a closed breaker stays local. Every method must return
// within a short bound of its own (redisfleet: 50ms); an error makes the
// breaker fall back to a local breaker with the same settings until the
// fleet answers again.
type Fleet interface {
	// JoinBreaker joins the fleet's breaker called name, with cfg's
	// thresholds (defaults filled in, count mode). update is called from
	// the fleet's own goroutines whenever it learns the breaker's state (a
	// push from another replica, a periodic sync), or with the error that
	// kept it from learning it; update does not block.
	JoinBreaker(name string, cfg BreakerConfig, update func(FleetState, error)) (FleetBreaker, error)
	// JoinRateLimiter joins the fleet's rate limiter called name, with
	// cfg's settings (defaults filled in): one limit for every replica.
	JoinRateLimiter(name string, cfg RateLimitConfig) (FleetLimiter, error)
}

// FleetLimiter is one replica's handle on a fleet rate limiter.
type FleetLimiter interface {
	// Take takes a token for one attempt if one is free now, or reserves
	// the next one if it comes within maxWait, and returns how long to
	// wait for it (zero: now). ok is false when no token comes within
	// maxWait; then wait is when the next one would.
	Take(ctx context.Context, maxWait time.Duration) (wait time.Duration, ok bool, err error)
}

// FleetState is a fleet breaker's state as the fleet knows it.
type FleetState struct {
	// State is the fleet breaker's state. An open breaker whose timeout
	// passed stays StateOpen, with OpenFor zero, until a replica asks for
	// a trial call.
	State State
	// OpenFor is how long an open breaker stays open, measured by the
	// fleet's clock (Redis TIME), never by a replica's.
	OpenFor time.Duration
	// Epoch counts the fleet breaker's state changes; a state with a lower
	// epoch than one already seen is older.
	Epoch uint64
}

// FleetOutcome is how a trial call ended, for [FleetBreaker.TrialDone].
type FleetOutcome uint8

// The outcomes of a trial call.
const (
	// FleetSuccess: the trial succeeded.
	FleetSuccess FleetOutcome = iota
	// FleetFailure: the trial failed; the fleet breaker opens again.
	FleetFailure
	// FleetIgnored: the trial said nothing about the dependency (the
	// caller's cancellation, a rate-limit refusal); its slot is freed.
	FleetIgnored
)

// FleetBreaker is one replica's handle on a fleet breaker.
type FleetBreaker interface {
	// Failure reports a failure of a call admitted while closed and
	// returns the state after it: open when it crossed the threshold.
	Failure(ctx context.Context) (FleetState, error)
	// Trial asks for a trial slot. ok is true when a slot was taken, for a
	// trial call under the returned state (half-open); otherwise the state
	// says why not: still open, or half-open with every slot taken. A
	// slot whose holder never reports it frees itself after a lease.
	Trial(ctx context.Context) (st FleetState, ok bool, err error)
	// TrialDone reports how a trial taken under epoch ended, and returns
	// the state after it.
	TrialDone(ctx context.Context, epoch uint64, o FleetOutcome) (FleetState, error)
}

// WithFleet makes every count-mode breaker of the wrapper one breaker for
// the whole fleet f (see [Fleet]), and every rate limiter marked Shared
// (//resil:ratelimit ... shared) one limit for the fleet. Breakers in rate
// mode (rate=) stay local: their successes would cost a round trip each.
// Without WithFleet, each process has its own breakers and limits.
func WithFleet(f Fleet) Option { return func(c *config) { c.fleet = f } }
