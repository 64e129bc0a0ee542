package bad

import "context"

// Bad skips on the type without saying what.
//
//resil:breaker
//resil:skip
type Bad interface {
	Get(ctx context.Context) error
}
