package bad

import "context"

// Bad uses a type that does not exist.
//
//resil:breaker
type Bad interface {
	Get(ctx context.Context) (Missing, error)
}
