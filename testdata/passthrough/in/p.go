// Package p wraps only one method; the rest pass straight through.
package p

import "context"

// Mixed has directives on one method only.
type Mixed interface {
	// Get is retried.
	//
	//resil:readonly
	//resil:retry
	Get(ctx context.Context, id string) (string, error)
	Name() string
	Close()
	Len(ctx context.Context) int
}
