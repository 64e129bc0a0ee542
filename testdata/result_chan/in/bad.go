package bad

import "context"

// Bad records a channel.
type Bad interface {
	//resil:idempotent
	Watch(ctx context.Context, id string) (<-chan string, error)
}
