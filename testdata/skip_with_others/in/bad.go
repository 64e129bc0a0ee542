package bad

import "context"

// Bad skips a method and gives it a policy.
type Bad interface {
	//resil:skip
	//resil:timeout 1s
	Get(ctx context.Context) error
}
