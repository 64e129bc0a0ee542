package calls_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/resilgen/resilgen/bench/calls"
	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/fleet/redisfleet"
)

// The fleet benchmarks compare resilgen's fleet breaker (runtime/fleet/
// redisfleet) with gobreaker v2's DistributedCircuitBreaker on the same
// Redis, which bench/run provides through scripts/test.sh.

// callers is how many goroutines call through one replica at once.
const callers = 8

func redisAddr(b testing.TB) string {
	addr := os.Getenv("RESILGEN_REDIS_ADDR")
	if addr == "" {
		b.Skip("RESILGEN_REDIS_ADDR is not set: run through scripts/test.sh (bench/run does)")
	}
	return addr
}

func uniqueName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "bench-" + hex.EncodeToString(b[:])
}

// redisStore is gobreaker's SharedDataStore on go-redis, as a gobreaker
// user writes it: the lock is a key set if absent, with gobreaker's own
// 5s mutex timeout as its expiry.
type redisStore struct{ rdb *redis.Client }

var errLocked = errors.New("gobreaker store: locked")

func (s redisStore) Lock(name string) error {
	ok, err := s.rdb.SetNX(context.Background(), name, "1", 5*time.Second).Result()
	if err != nil {
		return err
	}
	if !ok {
		return errLocked
	}
	return nil
}

func (s redisStore) Unlock(name string) error { return s.rdb.Del(context.Background(), name).Err() }

func (s redisStore) GetData(name string) ([]byte, error) {
	b, err := s.rdb.Get(context.Background(), name).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

func (s redisStore) SetData(name string, data []byte) error {
	return s.rdb.Set(context.Background(), name, data, 0).Err()
}

// getter is what both breakers are used through.
type getter interface {
	Get(ctx context.Context, key string, n int, opts ...calls.Option) (int, error)
}

type gobreakerFleetGetter struct {
	next calls.Getter
	cb   *gobreaker.DistributedCircuitBreaker[int]
}

func (g *gobreakerFleetGetter) Get(ctx context.Context, key string, n int, opts ...calls.Option) (int, error) {
	return g.cb.Execute(func() (int, error) { return g.next.Get(ctx, key, n, opts...) })
}

// replicaMaker builds one replica's breaker around next, on its own Redis
// client, named name in the fleet.
type replicaMaker func(b testing.TB, addr, name string, next calls.Getter) getter

func resilgenReplica(b testing.TB, addr, name string, next calls.Getter) getter {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { rdb.Close() })
	f, err := redisfleet.New(rdb, redisfleet.WithNamespace(name))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return calls.NewResilientBreaker(next, runtime.WithFleet(f))
}

func gobreakerReplica(b testing.TB, addr, name string, next calls.Getter) getter {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { rdb.Close() })
	// resilgen's default breaker as far as gobreaker has it.
	cb, err := gobreaker.NewDistributedCircuitBreaker[int](redisStore{rdb}, gobreaker.Settings{
		Name:        name,
		MaxRequests: 2,
		Timeout:     60 * time.Second,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
	})
	if err != nil {
		b.Fatal(err)
	}
	return &gobreakerFleetGetter{next: next, cb: cb}
}

var fleetPeers = []struct {
	name string
	make replicaMaker
}{
	{"resilgen", resilgenReplica},
	{"gobreaker", gobreakerReplica},
}

// BenchmarkFleetClosed: 8 concurrent callers through one replica of a
// fleet breaker, the dependency healthy.
func BenchmarkFleetClosed(b *testing.B) {
	addr := redisAddr(b)
	for _, p := range fleetPeers {
		b.Run(p.name, func(b *testing.B) {
			g := p.make(b, addr, uniqueName(), asGetter(okGetter{}))
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism((callers + 1) / 2) // GOMAXPROCS 2: 8 goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := g.Get(ctx, "k", 1); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// countingDown is a dependency in an outage that counts the calls it gets.
type countingDown struct{ n atomic.Int64 }

func (d *countingDown) Get(context.Context, string, int, ...calls.Option) (int, error) {
	d.n.Add(1)
	time.Sleep(time.Millisecond) // a failing call still takes a round trip
	return 0, errDown
}

// BenchmarkFleetOutage: 6 replicas of 8 callers each meet a dependency
// that is down; each caller calls until its breaker rejects. It reports
// the calls the fleet let into the outage before every replica stopped.
func BenchmarkFleetOutage(b *testing.B) {
	addr := redisAddr(b)
	const replicas = 6
	for _, p := range fleetPeers {
		b.Run(p.name, func(b *testing.B) {
			var total int64
			for b.Loop() {
				b.StopTimer()
				dep := &countingDown{}
				name := uniqueName()
				gs := make([]getter, replicas)
				for i := range gs {
					gs[i] = p.make(b, addr, name, dep)
				}
				time.Sleep(20 * time.Millisecond) // the fleets subscribe
				b.StartTimer()
				var wg sync.WaitGroup
				for _, g := range gs {
					for range callers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for {
								_, err := g.Get(context.Background(), "k", 1)
								if errors.Is(err, runtime.ErrCircuitOpen) || errors.Is(err, gobreaker.ErrOpenState) {
									return
								}
							}
						}()
					}
				}
				wg.Wait()
				total += dep.n.Load()
			}
			b.ReportMetric(float64(total)/float64(b.N), "calls/outage")
		})
	}
}
