package bad

import "context"

// Bad forgets per and burst on the type, and burst on a method.
//
//resil:ratelimit rate=5
type Bad interface {
	Get(ctx context.Context) error
	//resil:ratelimit per=1s
	Put(ctx context.Context) error
}
