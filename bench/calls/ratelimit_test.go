package calls_test

import (
	"context"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/ratelimiter"
	"golang.org/x/time/rate"

	"github.com/resilgen/resilgen/bench/calls"
)

// rateLimitAllow is the wrapper a golang.org/x/time/rate user writes by
// hand: Allow, then the call.
type rateLimitAllow struct {
	next calls.Getter
	lim  *rate.Limiter
}

func (g *rateLimitAllow) Get(ctx context.Context, key string, n int, opts ...calls.Option) (int, error) {
	if !g.lim.Allow() {
		return 0, ratelimiter.ErrExceeded
	}
	return g.next.Get(ctx, key, n, opts...)
}

// plenty is calls.RateLimited's rate: a token is always there.
const plenty = 1_000_000_000

// rateLimitCases call the dependency through a rate limiter with a token
// available, the hand-written x/time/rate wrapper first.
var rateLimitCases = []callCase{
	{"x-time-rate-allow", func(g calls.Getter) calls.Getter {
		return &rateLimitAllow{next: g, lim: rate.NewLimiter(rate.Limit(plenty), plenty)}
	}},
	{"resilgen-ratelimit", func(g calls.Getter) calls.Getter { return calls.NewResilientRateLimited(g) }},
	{"failsafe-ratelimit", func(g calls.Getter) calls.Getter {
		return &failsafeGetter{next: g, exec: failsafe.With[int](ratelimiter.NewBursty[int](plenty, time.Second))}
	}},
}

// BenchmarkRateLimit is a call through a rate limiter with a token
// available, sequential and in parallel.
func BenchmarkRateLimit(b *testing.B) {
	for _, mode := range []string{"seq", "par"} {
		b.Run(mode, func(b *testing.B) {
			for _, c := range rateLimitCases {
				b.Run(c.name, func(b *testing.B) { benchCall(b, mode, asGetter(c.wrap(okGetter{})), nil) })
			}
		})
	}
}
