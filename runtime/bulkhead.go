package runtime

import "time"

// BulkheadConfig sets a bulkhead. A zero Max takes the default 10.
type BulkheadConfig struct {
	// Max is the most calls in flight at once. Default 10.
	Max int
	// Wait is how long a call waits for a slot before it fails with
	// ErrBulkheadFull. Default 0: fail at once.
	Wait time.Duration
}

// Bulkhead caps the calls in flight through it. It is safe for concurrent use.
type Bulkhead struct {
	name string
}

// NewBulkhead returns a bulkhead named name (the interface, or
// "Interface.Method" for a method's own), reporting rejections to the
// runtime's observer.
func (rt *Runtime) NewBulkhead(name string, cfg BulkheadConfig) *Bulkhead {
	panic("unimplemented")
}

// Name returns the name the bulkhead was made with.
func (b *Bulkhead) Name() string { return b.name }

// InFlight returns the number of calls holding a slot now.
func (b *Bulkhead) InFlight() int { panic("unimplemented") }
