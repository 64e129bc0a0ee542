// Package store has readonly methods that retry safely.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is not worth retrying.
var ErrNotFound = errors.New("not found")

// Store reads items.
//
//resil:readonly
//resil:retry attempts=4 base=1ms max=5ms jitter=none
type Store interface {
	// Get reads one item.
	Get(ctx context.Context, id string) (string, error)
	// List reads many; it retries only twice.
	//
	//resil:retry attempts=2
	List(ctx context.Context, prefix string, limit int) ([]string, error)
}
