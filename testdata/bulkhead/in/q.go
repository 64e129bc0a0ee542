// Package q caps calls in flight.
package q

import "context"

// Queue has a shared bulkhead, and one method with its own.
//
//resil:bulkhead max=4 wait=50ms
type Queue interface {
	Push(ctx context.Context, msg string) error
	// Drain has its own, stricter bulkhead.
	//
	//resil:bulkhead max=1
	Drain(ctx context.Context) (int, error)
}
