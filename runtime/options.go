package runtime

import "math/rand/v2"

// Option configures a [Runtime], and through it every policy of a generated
// wrapper. Options are applied in order; a later one wins.
type Option func(*config)

// config is what the options set. It is copied into the Runtime once.
type config struct {
	store    Store
	clock    Clock
	observer Observer
	owner    string
	rand     *lockedRand
	budget   *RetryBudget
	fleet    Fleet
	faults   []Fault
}

// WithStore sets the store for idempotency records. Without it, a wrapper keeps
// its records in a private in-memory store ([NewMemoryStore]), which does not
// survive a restart and is not shared between replicas. Checkpointed steps are
// journaled in the store of the [Workflow] they run in, not in this one.
func WithStore(s Store) Option { return func(c *config) { c.store = s } }

// WithClock sets the clock that breakers, backoff waits and leases read.
// Tests pass a manual clock (package runtime/clocktest); the default is the
// system clock.
func WithClock(c Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithObserver sets the observer that receives every resilience event (state
// changes, retries, rejections, idempotent hits, replayed steps). The default
// observes nothing and costs nothing. A later WithObserver replaces an
// earlier one; to send events to several observers, combine them with
// [Observers].
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// WithOwner sets the name this process claims idempotency keys and journal
// entries under. It must differ between processes sharing one store; the
// default is the host name, the process id and a random suffix.
func WithOwner(owner string) Option { return func(c *config) { c.owner = owner } }

// WithRand sets the source the jitter of retry waits is drawn from, so that
// a test or a demo can reproduce its waits: runtimes given sources in the
// same state, such as rand.NewPCG(1, 2) each, wait the same times when their
// calls fail in the same order. Calls failing concurrently take their draws
// in whatever order they fail.
//
// A [rand.Source] is not safe for concurrent use, so the runtime draws from
// src under a mutex of its own; only a failed attempt that is retried draws,
// so the happy path never takes it (but in the methods [WithFaults] injects
// into, where every attempt draws whether it is hit). src belongs to the runtime from then on:
// do not draw from it elsewhere. One WithRand option given to several
// runtimes shares its source, and its mutex, between them.
//
// The default, and a nil src, is the global source of math/rand/v2, which
// is seeded at random and takes no lock.
func WithRand(src rand.Source) Option {
	var r *lockedRand
	if src != nil {
		r = &lockedRand{r: rand.New(src)}
	}
	return func(c *config) { c.rand = r }
}
