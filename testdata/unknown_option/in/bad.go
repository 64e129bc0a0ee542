package bad

import "context"

// Bad has a typo in an option.
//
//resil:readonly
//resil:retry attemps=3
type Bad interface {
	Get(ctx context.Context) error
}
