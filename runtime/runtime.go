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

// flightGroup tracks idempotent calls in flight in this process, by store key.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one idempotent call in flight. done is closed when it ends;
// then ok says whether it recorded result.
type flight struct {
	fingerprint string
	done        chan struct{}
	ok          bool
	result      []byte
}

// join returns the flight running key, or starts one (leader true) that the
// caller must end with finish.
func (g *flightGroup) join(key, fingerprint string) (f *flight, leader bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f, ok := g.m[key]; ok {
		return f, false
	}
	if g.m == nil {
		g.m = make(map[string]*flight)
	}
	f = &flight{fingerprint: fingerprint, done: make(chan struct{})}
	g.m[key] = f
	return f, true
}

// finish ends the flight of key, handing result (nil: failed) to its waiters.
func (g *flightGroup) finish(key string, f *flight, ok bool, result []byte) {
	g.mu.Lock()
	if g.m[key] == f {
		delete(g.m, key)
	}
	g.mu.Unlock()
	f.ok, f.result = ok, result
	close(f.done)
}
