package bad

import "context"

// Bad counts failures both ways.
//
//resil:breaker threshold=5 rate=50
type Bad interface {
	Get(ctx context.Context) error
}
