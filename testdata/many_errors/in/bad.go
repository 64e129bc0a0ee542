package bad

import "context"

// Bad has several problems, all reported, sorted by position.
//
//resil:breaker threshold=0
type Bad interface {
	//resil:timeout 1s
	Get(id string) error
	//resil:idempotent key=x
	Put(ctx context.Context, id string) error
}
