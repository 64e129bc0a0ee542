// Package catalog hedges its slow reads.
package catalog

import "context"

// Item is what Get returns.
type Item struct {
	ID, Name string
}

// Catalog reads items.
type Catalog interface {
	// Get is hedged after 50ms, with two more tries at most.
	//
	//resil:readonly
	//resil:hedge delay=50ms max=2
	Get(ctx context.Context, id string) (Item, int, error)
	// Reserve is idempotent, so it may be hedged too, with the defaults.
	//
	//resil:idempotent key=id
	//resil:hedge
	Reserve(ctx context.Context, id string) (string, error)
	// Release has no result but its error.
	//
	//resil:readonly
	//resil:hedge
	Release(ctx context.Context, id string) error
}
