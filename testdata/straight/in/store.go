// Package store has methods on the straight path of every shape: several
// parameters with a variadic, several results, none but the error,
// unnamed parameters without a ctx, and names its helpers must avoid.
package store

import "context"

// Option tweaks a Get.
type Option func(*int)

// Store is the dependency.
//
//resil:breaker threshold=2 timeout=1h
//resil:retry attempts=3 base=1s unsafe
type Store interface {
	Get(ctx context.Context, key string, n int, opts ...Option) (string, int, error)
	// GetSlowPath's field is getSlowPath, the name Get's slow path would
	// take first.
	GetSlowPath(ctx context.Context) error
	// Put has unnamed parameters and no ctx.
	//
	//resil:fallback putLater on=failed
	Put(string, []byte) error
}

// ErrLater is putLater's answer.
type ErrLater struct{ Err error }

func (e *ErrLater) Error() string { return "put later: " + e.Err.Error() }
func (e *ErrLater) Unwrap() error { return e.Err }

func putLater(key string, value []byte, err error) error { return &ErrLater{Err: err} }
