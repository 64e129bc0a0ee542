// Package f has methods whose names clash with the wrapper's fields.
package f

import "context"

// F has methods named next, Next and Type.
//
//resil:breaker
type F interface {
	Next(ctx context.Context) error
	next(ctx context.Context) error
	Type(ctx context.Context) error
	Rt(ctx context.Context) error
}
