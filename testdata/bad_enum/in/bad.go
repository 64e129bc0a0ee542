package bad

import "context"

// Bad has an unknown jitter.
//
//resil:retry unsafe jitter=fill
type Bad interface {
	Get(ctx context.Context) error
}
