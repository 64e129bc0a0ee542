package bad

import "context"

// Bad puts a timeout on a method without ctx.
type Bad interface {
	//resil:timeout 1s
	Get(id string) error
	Ok(ctx context.Context) error
}
