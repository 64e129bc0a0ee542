package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
)

// Runtime holds what all policies of one wrapper share: the clock, the
// idempotency store, the observer and the owner name. A generated constructor
// makes one with [New] and builds every breaker, bulkhead and method from it,
// once; nothing is built per call.
type Runtime struct {
	cfg config

	// flights lets concurrent duplicates of one idempotent call in this
	// process wait for the first instead of polling the store.
	flights flightGroup
}

// New returns a Runtime configured by opts. Unset options take their
// defaults: the system clock, a private in-memory store, no observer.
func New(opts ...Option) *Runtime {
	cfg := newConfig(opts)
	if cfg.store == nil {
		cfg.store = NewMemoryStore()
	}
	return &Runtime{cfg: cfg}
}

// newConfig applies opts and fills what they left unset, but the store,
// whose default depends on who asks.
func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.clock == nil {
		c.clock = SystemClock()
	}
	if c.owner == "" {
		c.owner = defaultOwner()
	}
	return c
}

// Clock returns the clock the runtime reads.
func (rt *Runtime) Clock() Clock { return rt.cfg.clock }

// Store returns the idempotency store the runtime records in.
func (rt *Runtime) Store() Store { return rt.cfg.store }

// Owner returns the name this runtime claims idempotency keys and journal
// entries under (see [WithOwner]).
func (rt *Runtime) Owner() string { return rt.cfg.owner }

// defaultOwner names this process: host, pid, and a random suffix so that
// two runtimes of one process, or a restarted process that got the same pid,
// never mistake each other's claims for their own.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var b [6]byte
	// crypto/rand.Read never returns an error (Go 1.24+); it panics instead.
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// flightGroup tracks idempotent calls in flight in this process, by store
// key. A call registers a flight only once it holds the store's claim of the
// key (lead), so that a hit never touches the group; a duplicate that finds
// the key claimed by this runtime before its claimer registered starts the
// flight itself (await) for the claimer to take over.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one idempotent call in flight, or awaited. done is closed when
// it ends; then ok says whether it recorded result. It is made by the first
// waiter (await), under the group's mu: most flights have none, and a call
// that leads one pays no channel.
type flight struct {
	fingerprint string
	done        chan struct{}
	// led says that a call holding the store's claim runs the flight and
	// will end it; ended that done is closed. Both are guarded by the
	// group's mu.
	led, ended bool
	// ok and result are written before done is closed, read after.
	ok     bool
	result []byte
}

// lead registers the caller, which has just claimed key in the store with
// fingerprint, as the leader of key's flight, and returns the flight it must
// end with finish. It takes over a flight that duplicates started for it.
func (g *flightGroup) lead(key, fingerprint string) *flight {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f := g.m[key]; f != nil && !f.led {
		if f.fingerprint == fingerprint {
			f.led = true
			return f
		}
		// Awaited for a claim of other arguments that ended: its waiters
		// look again, and will find this claim.
		g.endLocked(key, f, false, nil)
	}
	// A led flight still in the map is a leader's whose claim lapsed while
	// it ran; it ends its own flight, and this one is the key's from now on.
	if g.m == nil {
		g.m = make(map[string]*flight)
	}
	f := &flight{fingerprint: fingerprint, led: true}
	g.m[key] = f
	return f
}

// await returns the flight to wait on for a call with fingerprint that found
// key claimed by this runtime, and whether it is led. When there is none it
// starts one (made true) for the claimer to take over; the caller must drop
// it if none does. A nil flight means that the flight in the map is for
// other arguments.
func (g *flightGroup) await(key, fingerprint string) (f *flight, led, made bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f = g.m[key]; f == nil {
		if g.m == nil {
			g.m = make(map[string]*flight)
		}
		f = &flight{fingerprint: fingerprint, done: make(chan struct{})}
		g.m[key] = f
		return f, false, true
	}
	if f.fingerprint != fingerprint {
		return nil, false, false
	}
	if f.done == nil {
		f.done = make(chan struct{})
	}
	return f, f.led, false
}

// finish ends the flight of key, handing result (ok false: failed) to its
// waiters.
func (g *flightGroup) finish(key string, f *flight, ok bool, result []byte) {
	g.mu.Lock()
	g.endLocked(key, f, ok, result)
	g.mu.Unlock()
}

// drop ends f, a flight the caller started with await, unless a leader took
// it over: its waiters then look again.
func (g *flightGroup) drop(key string, f *flight) {
	g.mu.Lock()
	if !f.led {
		g.endLocked(key, f, false, nil)
	}
	g.mu.Unlock()
}

// endLocked removes f from the group and wakes its waiters, once. Called
// with mu held.
func (g *flightGroup) endLocked(key string, f *flight, ok bool, result []byte) {
	if f.ended {
		return
	}
	f.ended = true
	if g.m[key] == f {
		delete(g.m, key)
	}
	f.ok, f.result = ok, result
	if f.done != nil {
		close(f.done)
	}
}
