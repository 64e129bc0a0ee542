package bad

import "context"

// Bad names one step for every method.
//
//resil:checkpoint step=load
type Bad interface {
	Get(ctx context.Context) error
	Put(ctx context.Context) error
}
