package bad

import "context"

// Bad writes an option without =VALUE.
//
//resil:breaker threshold
type Bad interface {
	Get(ctx context.Context) error
}
