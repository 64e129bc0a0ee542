package bad

import "context"

// Bad checkpoints every method; one has no ctx.
//
//resil:checkpoint
type Bad interface {
	Get(id string) (string, error)
	Ok(ctx context.Context) error
}
