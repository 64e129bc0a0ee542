package bad

import "context"

// Bad writes a word that is no option.
//
//resil:breaker thresold
type Bad interface {
	Get(ctx context.Context) error
}
