// Package t has two annotated interfaces; -type picks one.
package t

import "context"

// A is wrapped.
//
//resil:breaker
type A interface {
	Get(ctx context.Context) error
}

// B is not, with -type A.
//
//resil:breaker
type B interface {
	Get(ctx context.Context) error
}
