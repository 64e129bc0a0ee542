package bad

import "context"

// Bad is idempotent without ctx.
type Bad interface {
	//resil:idempotent key=id
	Get(id string) (string, error)
	Ok(ctx context.Context) error
}
