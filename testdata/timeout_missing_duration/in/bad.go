package bad

import "context"

// Bad gives a timeout no duration.
//
//resil:timeout
type Bad interface {
	Get(ctx context.Context) error
}
