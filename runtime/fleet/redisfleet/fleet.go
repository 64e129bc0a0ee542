// Package redisfleet shares resilgen's breakers among the replicas of a
// service through Redis (see runtime.Fleet):
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr})
//	fleet, err := redisfleet.New(rdb, redisfleet.WithNamespace("shop"))
//	if err != nil { ... }
//	defer fleet.Close()
//	c := NewResilientCluster(k8s, runtime.WithFleet(fleet))
//
// Failures are counted in Redis by a Lua script with Redis TIME, which flips
// the fleet's state and publishes the change; every replica subscribes, and
// also reads the state of its breakers periodically in case a push was
// lost. Half-open trial slots are keys with a TTL, so the slot of a replica
// that died frees itself. No lock is held across a call, and a successful
// call of a closed breaker sends nothing to Redis.
//
// Each command waits at most the fleet's timeout (50ms by default). When
// Redis does not answer in time, or answers with a value that is not what
// this package writes, the breaker goes on as a local one with the same
// settings, reports it through the runtime's observer
// (runtime.EventFleetFallback), and rejoins the fleet once Redis answers
// again (runtime.EventFleetRejoin).
package redisfleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/resilgen/resilgen/runtime"
)

// Fleet is a runtime.Fleet on one Redis server. Make it with [New]; it is
// safe for concurrent use, and may be given to several wrappers.
type Fleet struct {
	rdb     *redis.Client
	ns      string
	channel string
	cfg     config
	// token names this replica's trial slots.
	token string

	mu      sync.Mutex
	joined  map[string][]*breaker
	started bool
	stop    chan struct{}
	// ctx ends when the fleet closes.
	ctx    context.Context
	cancel context.CancelFunc
	// ps is the subscription, once made; Close closes it, which ends a read
	// blocked on a Redis that does not answer (go-redis reads end by
	// deadline or by closing, not by a context's cancellation).
	ps *redis.PubSub
	// wg counts the sync loop, which Close waits for; the subscriber ends
	// by itself once its subscription is closed.
	wg sync.WaitGroup
}

type config struct {
	ns      string
	timeout time.Duration
	sync    time.Duration
	lease   time.Duration
}

// Option configures a [Fleet].
type Option func(*config)

// WithNamespace sets the namespace the fleet's keys and channel live under
// (default "default"): 1 to 64 letters, digits, '.', '_' or '-'. Replicas
// share breakers when they use the same Redis and namespace.
func WithNamespace(ns string) Option { return func(c *config) { c.ns = ns } }

// WithTimeout sets how long one Redis command may take before the breaker
// gives up on the fleet and goes on locally. Default 50ms.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithSyncInterval sets how often a replica reads the state of its breakers,
// as a backstop for a lost push and to notice that Redis is back. Default 1s.
func WithSyncInterval(d time.Duration) Option { return func(c *config) { c.sync = d } }

// WithTrialLease sets how long a half-open trial slot is held by a replica
// that never reports its trial's outcome (it died); then another replica may
// take it. It should exceed the longest trial call. Default 30s.
func WithTrialLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// maxNamespace is the longest namespace accepted.
const maxNamespace = 64

// New returns a Fleet on the Redis server rdb connects to. It sends its
// commands through a client of its own, made from rdb's options, whose
// commands honour their deadline and are not retried, so that no command
// waits longer than the fleet's timeout. New contacts no server: a Redis
// that does not answer shows later, as a fallback reported to the observer.
// It returns an error for a nil client, an invalid namespace or a
// non-positive duration.
func New(rdb *redis.Client, opts ...Option) (*Fleet, error) {
	if rdb == nil {
		return nil, errors.New("redisfleet: nil Redis client")
	}
	cfg := config{ns: "default", timeout: 50 * time.Millisecond, sync: time.Second, lease: 30 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := checkNamespace(cfg.ns); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"WithTimeout", cfg.timeout}, {"WithSyncInterval", cfg.sync}, {"WithTrialLease", cfg.lease}} {
		if d.d <= 0 {
			return nil, fmt.Errorf("redisfleet: %s(%v): the duration must be positive", d.name, d.d)
		}
	}
	o := *rdb.Options()
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1
	// rdb's options have been through its constructor: a config of its
	// own, disabled, keeps the two clients from sharing handlers.
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if o.DialTimeout <= 0 || o.DialTimeout > cfg.timeout {
		o.DialTimeout = cfg.timeout
	}
	var tok [8]byte
	_, _ = rand.Read(tok[:])
	ctx, cancel := context.WithCancel(context.Background())
	return &Fleet{
		ctx:     ctx,
		cancel:  cancel,
		rdb:     redis.NewClient(&o),
		ns:      cfg.ns,
		channel: "resilgen:" + cfg.ns + ":fleet",
		cfg:     cfg,
		token:   hex.EncodeToString(tok[:]),
		joined:  map[string][]*breaker{},
		stop:    make(chan struct{}),
	}, nil
}

// checkNamespace says what is wrong with ns, if anything.
func checkNamespace(ns string) error {
	if ns == "" || len(ns) > maxNamespace {
		return fmt.Errorf("redisfleet: namespace %q: want 1 to %d characters", ns, maxNamespace)
	}
	for i, r := range ns {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("redisfleet: namespace %q: character %q at %d: want letters, digits, '.', '_' or '-'", ns, r, i)
		}
	}
	return nil
}

// Close stops the fleet's subscription and sync and closes its client,
// without waiting on a Redis that does not answer. Breakers joined to it
// fall back to local ones at their next fleet call.
func (f *Fleet) Close() error {
	f.mu.Lock()
	select {
	case <-f.stop:
		f.mu.Unlock()
		return nil
	default:
	}
	close(f.stop)
	f.cancel()
	if f.ps != nil {
		_ = f.ps.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	return f.rdb.Close()
}

// JoinBreaker implements runtime.Fleet.
func (f *Fleet) JoinBreaker(name string, cfg runtime.BreakerConfig, update func(runtime.FleetState, error)) (runtime.FleetBreaker, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	b := newBreaker(f, name, cfg, update)
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.stop:
		return nil, fmt.Errorf("redisfleet: breaker %q: the fleet is closed", name)
	default:
	}
	f.joined[name] = append(f.joined[name], b)
	if !f.started {
		// The subscription and the sync run on goroutines of their own, so
		// that a Redis that does not answer never holds up a constructor.
		f.started = true
		f.wg.Add(1)
		go f.subscribe()
		go f.syncLoop()
	}
	return b, nil
}

// checkName says what is wrong with a breaker's name, if anything: it goes
// into key names and pushed messages.
func checkName(name string) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("redisfleet: breaker name %q: want 1 to 200 characters", name)
	}
	for _, r := range name {
		if r <= ' ' || r == '{' || r == '}' || r == 0x7f {
			return fmt.Errorf("redisfleet: breaker name %q: no spaces, control characters or braces", name)
		}
	}
	return nil
}

// breakers returns the joined breakers named name, or all when name is "".
func (f *Fleet) breakers(name string) []*breaker {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != "" {
		return append([]*breaker(nil), f.joined[name]...)
	}
	var all []*breaker
	for _, bs := range f.joined {
		all = append(all, bs...)
	}
	return all
}

// subscribe hands the state changes pushed on the namespace's channel to
// the breakers they name. go-redis reconnects and subscribes again after a
// lost connection; the sync covers what was pushed meanwhile.
func (f *Fleet) subscribe() {
	ps := f.rdb.Subscribe(f.ctx, f.channel)
	defer ps.Close()
	f.mu.Lock()
	select {
	case <-f.stop:
		f.mu.Unlock()
		return
	default:
		f.ps = ps
	}
	f.mu.Unlock()
	if !f.subscribed(ps) {
		return
	}
	// What was pushed before the subscription took is read now, rather
	// than at the next sync.
	f.syncAll()
	ch := ps.Channel(redis.WithChannelHealthCheckInterval(f.cfg.sync))
	for {
		select {
		case <-f.stop:
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			name, st, err := parseMessage(m.Payload)
			if err != nil {
				err = fmt.Errorf("redisfleet: channel %s: %w", f.channel, err)
				for _, b := range f.breakers("") {
					b.update(runtime.FleetState{}, err)
				}
				continue
			}
			for _, b := range f.breakers(name) {
				b.update(st, nil)
			}
		}
	}
}

// subscribed waits until Redis confirms the subscription, trying again
// while it does not answer; false when the fleet closed first.
func (f *Fleet) subscribed(ps *redis.PubSub) bool {
	for {
		ctx, cancel := context.WithTimeout(f.ctx, f.cfg.sync)
		m, err := ps.Receive(ctx)
		cancel()
		if _, ok := m.(*redis.Subscription); ok && err == nil {
			return true
		}
		t := time.NewTimer(f.cfg.timeout)
		select {
		case <-f.stop:
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// syncAll reads the state of every joined breaker and hands it over.
func (f *Fleet) syncAll() {
	for _, b := range f.breakers("") {
		st, _, err := b.run(context.Background(), readScript)
		b.update(st, err)
	}
}

// syncLoop reads the state of every joined breaker each sync interval.
func (f *Fleet) syncLoop() {
	defer f.wg.Done()
	t := time.NewTicker(f.cfg.sync)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		f.syncAll()
	}
}
