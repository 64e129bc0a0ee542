package bad

import "context"

// Bad writes an option without a value.
//
//resil:breaker threshold
type Bad interface {
	Get(ctx context.Context) error
}
