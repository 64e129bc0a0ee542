package bad

import "context"

// Bad leaves a value out.
//
//resil:bulkhead max=
type Bad interface {
	Get(ctx context.Context) error
}
