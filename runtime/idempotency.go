package runtime

import "time"

// IdempotencyConfig sets how long a method's records live. A zero field takes
// the default of the //resil:idempotent directive written beside it.
type IdempotencyConfig struct {
	// TTL is how long a successful result is kept and returned. Default 24h.
	TTL time.Duration
	// Lease is how long a claim holds a key while its call runs; it is
	// renewed while the call runs, so a claimer that died gives up the key
	// after at most Lease. Default 30s.
	Lease time.Duration
}
