package bad

import "context"

// Bad fingerprints a func argument.
type Bad interface {
	//resil:idempotent
	Run(ctx context.Context, name string, fn func() error) error
}
