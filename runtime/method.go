package runtime

import (
	"context"
	"time"
)

// MethodConfig is what a generated wrapper knows of one method: its names and
// the policies its directives ask for. A nil policy is left out of the chain.
type MethodConfig struct {
	// Interface and Name name the method in events and errors.
	Interface, Name string
	// Bulkhead, when set, caps the method's calls in flight. Methods of one
	// interface share the interface's bulkhead unless they have their own.
	Bulkhead *Bulkhead
	// Breaker, when set, guards the method. Methods of one interface share
	// the interface's breaker unless they have their own.
	Breaker *Breaker
	// Retry, when set, retries failed attempts.
	Retry *RetryConfig
	// Timeout, when positive, is the deadline of each attempt.
	Timeout time.Duration
	// Idempotent, when set, records successful results by key in the
	// runtime's store and returns them to later calls with that key.
	Idempotent *IdempotencyConfig
	// Step, when not empty, makes the method a checkpointed workflow step
	// of that name: inside a Workflow its result is journaled and replayed.
	Step string
}

// Method runs the calls of one wrapped method through its policies. It is
// built once, by [Runtime.NewMethod], and is safe for concurrent use.
type Method struct {
	cfg MethodConfig
}

// NewMethod builds the policy chain of one method, once.
func (rt *Runtime) NewMethod(cfg MethodConfig) *Method {
	panic("unimplemented")
}

// Do runs call through the method's bulkhead, breaker, retry and timeout, in
// that order, and returns its error. call gets the attempt's context (with
// the per-attempt deadline) and must store its results itself. On the happy
// path of a closed breaker, Do allocates nothing and reads no clock.
func (m *Method) Do(ctx context.Context, call func(context.Context) error) error {
	panic("unimplemented")
}

// Recording is what [Method.DoRecorded] needs to record a call's results and
// to give them back without calling through.
type Recording struct {
	// Key is the idempotency key. Empty: a hash of Args is the key.
	Key string
	// Args are the call's arguments but the context; their JSON encoding is
	// the fingerprint that tells a reused key from a repeated call.
	Args []any
	// Results are pointers to the call's results but the error. They are
	// encoded as a JSON array after a success, and decoded into on a hit.
	Results []any
}

// DoRecorded is Do for a method that is idempotent or checkpointed or both.
// Inside a workflow a checkpointed method first looks in the journal; then an
// idempotent one looks up its record; only then does the call go through Do.
// A hit fills rec.Results and returns without calling through.
func (m *Method) DoRecorded(ctx context.Context, rec Recording, call func(context.Context) error) error {
	panic("unimplemented")
}
