package bad

import "context"

// Bad wraps a method that cannot fail.
//
//resil:breaker
type Bad interface {
	Get(ctx context.Context) error
	Name() string
}
