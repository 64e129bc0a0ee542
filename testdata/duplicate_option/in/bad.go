package bad

import "context"

// Bad gives one option twice.
//
//resil:breaker threshold=3 threshold=4
type Bad interface {
	Get(ctx context.Context) error
}
