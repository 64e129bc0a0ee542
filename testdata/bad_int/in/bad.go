package bad

import "context"

// Bad has a word where a number goes.
//
//resil:breaker threshold=five
type Bad interface {
	Get(ctx context.Context) error
}
