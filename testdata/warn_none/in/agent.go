// Package agent annotates each operation for its risk, as the chapter
// advises, and warns about nothing.
package agent

import "context"

// Infra provisions. Every method is retried before the breaker counts it.
//
//resil:breaker threshold=5 timeout=60s
//resil:retry attempts=3 base=100ms max=2s
type Infra interface {
	// Describe reads: breaker and retry.
	//
	//resil:readonly
	Describe(ctx context.Context, id string) (string, error)
	// Create is a journaled step, idempotent by name.
	//
	//resil:checkpoint
	//resil:idempotent key=name
	Create(ctx context.Context, name string) (string, error)
	// Lookup is a journaled read.
	//
	//resil:checkpoint
	//resil:readonly
	Lookup(ctx context.Context, name string) (string, error)
	// Close passes through.
	//
	//resil:skip
	Close() error
}
