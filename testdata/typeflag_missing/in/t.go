package t

import "context"

// Bad is annotated, but -type names another type.
//
//resil:breaker
type Bad interface {
	Get(ctx context.Context) error
}
