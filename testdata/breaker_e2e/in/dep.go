// Package dep shows a breaker opening.
package dep

import "context"

// Dep fails a lot.
//
//resil:breaker threshold=2 window=1m timeout=1h
type Dep interface {
	Call(ctx context.Context) error
	// Ping passes through: it is skipped.
	//
	//resil:skip
	Ping(ctx context.Context) error
}
