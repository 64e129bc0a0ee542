package bad

import "context"

// Bad gives min without rate.
//
//resil:breaker threshold=3 min=10
type Bad interface {
	Get(ctx context.Context) error
}
