package redisfleet

import (
	"context"
	"fmt"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// limiter is one replica's handle on a rate limit shared by the fleet.
type limiter struct {
	f        *Fleet
	name     string
	keys     []string
	interval int64 // µs between tokens
	burst    int
}

// JoinRateLimiter implements runtime.Fleet.
func (f *Fleet) JoinRateLimiter(name string, cfg runtime.RateLimitConfig) (runtime.FleetLimiter, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if cfg.Rate <= 0 || cfg.Per <= 0 || cfg.Burst <= 0 {
		return nil, fmt.Errorf("redisfleet: rate limiter %q: rate %d per %v, burst %d: want all positive", name, cfg.Rate, cfg.Per, cfg.Burst)
	}
	return &limiter{
		f:        f,
		name:     name,
		keys:     []string{"resilgen:" + f.ns + ":ratelimit:{" + name + "}"},
		interval: max(cfg.Per.Microseconds()/int64(cfg.Rate), 1),
		burst:    cfg.Burst,
	}, nil
}

// Take implements runtime.FleetLimiter.
func (l *limiter) Take(ctx context.Context, maxWait time.Duration) (time.Duration, bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.f.cfg.timeout)
	defer cancel()
	v, err := gcraScript.Run(ctx, l.f.rdb, l.keys, l.interval, l.burst, maxWait.Microseconds()).Int64Slice()
	if err == nil && (len(v) != 2 || v[0] < 0 || v[0] > 1 || v[1] < 0) {
		err = fmt.Errorf("unexpected script reply %v", v)
	}
	if err != nil {
		return 0, false, fmt.Errorf("redisfleet: rate limiter %q on %s: %w", l.name, l.f.rdb.Options().Addr, err)
	}
	return time.Duration(v[1]) * time.Microsecond, v[0] == 1, nil
}
