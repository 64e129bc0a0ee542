// Package r has results of every shape.
package r

import "context"

// Shapes returns none but error, one, several, and named results.
//
//resil:retry unsafe attempts=2
type Shapes interface {
	None(ctx context.Context) error
	One(ctx context.Context) (int, error)
	Several(ctx context.Context) (string, []byte, map[string]int, error)
	Named(ctx context.Context) (n int, s string, err error)
	// NoResults passes through: it has no directives of its own and skip
	// keeps the type's away.
	//
	//resil:skip
	NoResults(ctx context.Context)
}
