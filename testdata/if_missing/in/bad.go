package bad

import "context"

func isTransient(err error) bool { return true }

// Bad names a function that does not exist.
//
//resil:readonly
//resil:retry if=isTransent
type Bad interface {
	Get(ctx context.Context) error
}
