package bad

import "context"

// Bad's rate is no percentage.
//
//resil:breaker rate=150
type Bad interface {
	Get(ctx context.Context) error
}
