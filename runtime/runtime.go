package runtime

// Runtime holds what all policies of one wrapper share: the clock, the
// idempotency store, the observer and the owner name. A generated constructor
// makes one with [New] and builds every breaker, bulkhead and method from it,
// once; nothing is built per call.
type Runtime struct {
	cfg config
}

// New returns a Runtime configured by opts. Unset options take their
// defaults: the system clock, a private in-memory store, no observer.
func New(opts ...Option) *Runtime {
	panic("unimplemented")
}

// Clock returns the clock the runtime reads.
func (rt *Runtime) Clock() Clock { return rt.cfg.clock }

// Store returns the idempotency store the runtime records in.
func (rt *Runtime) Store() Store { return rt.cfg.store }
