package bad

import "context"

// Bad has a duration Go cannot read.
//
//resil:breaker window=2minutes
type Bad interface {
	Get(ctx context.Context) error
}
