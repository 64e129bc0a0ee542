// Package m has several interfaces in several files.
package m

import "context"

// First is wrapped first.
//
//resil:breaker
type First interface {
	Do(ctx context.Context) error
}
