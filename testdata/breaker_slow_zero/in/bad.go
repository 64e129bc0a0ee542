package bad

import "context"

// Bad's slow is zero.
//
//resil:breaker rate=50 slow=0s
type Bad interface {
	Get(ctx context.Context) error
}
