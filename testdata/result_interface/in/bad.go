package bad

import "context"

// Bad journals an interface.
type Bad interface {
	//resil:checkpoint
	Load(ctx context.Context) (any, error)
}
