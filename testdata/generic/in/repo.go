// Package repo wraps generic interfaces.
package repo

import "context"

// Number is a constraint with a union.
type Number interface {
	~int | ~int64 | ~float64
}

// Repo stores values of any type.
//
//resil:breaker
//resil:retry unsafe
type Repo[T any] interface {
	Get(ctx context.Context, id string) (T, error)
	Put(ctx context.Context, id string, v T) error
	// All is idempotent over its arguments.
	//
	//resil:idempotent
	All(ctx context.Context) ([]T, error)
}

// Pair has two type parameters with constraints.
//
//resil:timeout 1s
type Pair[K comparable, V Number] interface {
	Sum(ctx context.Context, m map[K]V) (V, error)
}
