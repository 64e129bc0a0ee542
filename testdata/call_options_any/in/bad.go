// Package bad passes data, not options, in a final ...any and an empty
// named interface.
package bad

import "context"

// Anything is a named interface without methods: data, not options.
type Anything interface{}

// Logger is idempotent, so its arguments are fingerprinted.
//
//resil:idempotent
type Logger interface {
	Log(ctx context.Context, format string, args ...any) error
	Put(ctx context.Context, items ...Anything) error
}
