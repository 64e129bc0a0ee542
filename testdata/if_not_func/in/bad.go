package bad

import "context"

var retryable = true

// Bad names a variable in if=.
//
//resil:readonly
//resil:retry if=retryable
type Bad interface {
	Get(ctx context.Context) error
}
