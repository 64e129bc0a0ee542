// Package v has variadic methods.
package v

import "context"

// Option tweaks a call.
type Option func(*int)

// Logger takes variadic arguments.
//
//resil:breaker
type Logger interface {
	Log(ctx context.Context, format string, args ...any) error
	With(ctx context.Context, opts ...Option) (int, error)
	// Plain passes through.
	//
	//resil:skip
	Plain(parts ...string) string
}
