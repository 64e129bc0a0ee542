package redisfleet_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/fleet/redisfleet"
)

// ok is the dependency of the benchmarks, kept out of line so that every
// call pays one real call.
//
//go:noinline
func ok(context.Context) error { return nil }

// BenchmarkClosed is a successful call through a closed breaker: alone, and
// one of a fleet on Redis. The fleet's must stay local: no command, no
// allocation, within 1.5x of the unshared one.
func BenchmarkClosed(b *testing.B) {
	run := func(b *testing.B, opts ...runtime.Option) {
		rt := runtime.New(opts...)
		m := rt.NewMethod(runtime.MethodConfig{Interface: "Dep", Name: "Get", Breaker: rt.NewBreaker("Dep", runtime.BreakerConfig{})})
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			_ = m.Do(ctx, ok)
		}
	}
	b.Run("unshared", func(b *testing.B) { run(b) })
	b.Run("fleet", func(b *testing.B) {
		addr := redisAddrB(b)
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		f, err := redisfleet.New(rdb, redisfleet.WithNamespace("bench"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		run(b, runtime.WithFleet(f))
	})
}

// redisAddrB is redisAddr for a benchmark.
func redisAddrB(b *testing.B) string {
	addr := redisAddrOrEmpty()
	if addr == "" {
		b.Skip("RESILGEN_REDIS_ADDR is not set: run through scripts/test.sh for a throwaway Redis")
	}
	return addr
}
