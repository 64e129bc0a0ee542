// Package a stacks every policy on one method.
package a

import "context"

// Order is what Place returns.
type Order struct {
	ID    string
	Total int64
}

// Shop places orders.
//
//resil:bulkhead max=8 wait=10ms
//resil:breaker threshold=4
type Shop interface {
	// Place is journaled in a workflow and idempotent by its key.
	//
	//resil:idempotent key=key ttl=48h
	//resil:checkpoint step=place-order
	//resil:retry attempts=4 base=20ms
	//resil:timeout 3s
	Place(ctx context.Context, key string, items []string) (Order, error)
}
