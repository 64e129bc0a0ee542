// Package i embeds an interface whose methods name a type of an internal
// package that package i may not import.
package i

import (
	"context"

	"github.com/resilgen/resilgen/testdata/unnameable_internal/lib"
)

// Wrapped embeds lib.Client.
//
//resil:timeout 1s
//resil:skip Send
type Wrapped interface {
	lib.Client
	Own(ctx context.Context) error
}
