package bad

import "context"

// Bad has a typo in a directive.
//
//resil:retyr attempts=3
type Bad interface {
	Get(ctx context.Context) error
}
