// Package s has a broken old output beside it, which must not block
// regeneration.
package s

import "context"

// S lost a method since the old output was written.
//
//resil:timeout 1s
type S interface {
	Get(ctx context.Context) error
}
