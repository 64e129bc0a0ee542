// Package files reads files through more patterns than a read needs.
package files

import "context"

// Files reads configuration.
//
//resil:breaker
//resil:retry attempts=3
type Files interface {
	// Read stacks every pattern on a read: warned about.
	//
	//resil:readonly
	//resil:idempotent key=path ttl=1h
	//resil:checkpoint
	//resil:timeout 2s
	Read(ctx context.Context, path string) ([]byte, error)
	// Stat has what a read needs, a breaker and a retry: no warning.
	//
	//resil:readonly
	Stat(ctx context.Context, path string) (int64, error)
	// Cached reads through an idempotency record, a cache the chapter
	// recommends for reads: no warning.
	//
	//resil:readonly
	//resil:idempotent key=path ttl=5m
	Cached(ctx context.Context, path string) ([]byte, error)
}
