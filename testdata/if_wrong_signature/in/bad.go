package bad

import "context"

func retryable(err error) string { return "" }

// Bad names a function of the wrong type in if=.
//
//resil:breaker if=retryable
type Bad interface {
	Get(ctx context.Context) error
}
