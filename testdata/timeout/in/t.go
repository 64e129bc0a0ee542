// Package t sets per-attempt deadlines.
package t

import "context"

// Slow has a positional timeout on the type and d= on a method.
//
//resil:timeout 1500ms
type Slow interface {
	Wait(ctx context.Context) error
	// Long may take longer.
	//
	//resil:timeout d=2m
	Long(ctx context.Context, n int) (bool, error)
	// Brief gives up quickly, and tries twice.
	//
	//resil:timeout 5ms
	//resil:retry attempts=2 base=1ms max=1ms unsafe
	Brief(ctx context.Context) (string, error)
	// Once gives up quickly, and tries once.
	//
	//resil:timeout 5ms
	Once(ctx context.Context) error
}
