package bad

import "context"

// Bad says breaker twice.
//
//resil:breaker threshold=3
//resil:breaker window=1m
type Bad interface {
	Get(ctx context.Context) error
}
