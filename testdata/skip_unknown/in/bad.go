package bad

import "context"

// Bad skips a method it does not have.
//
//resil:breaker
//resil:skip Nmae
type Bad interface {
	Get(ctx context.Context) error
	Name() string
}
