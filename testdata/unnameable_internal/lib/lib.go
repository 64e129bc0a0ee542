// Package lib exposes an internal type through an exported interface.
package lib

import (
	"context"

	"github.com/resilgen/resilgen/testdata/unnameable_internal/lib/internal/sec"
)

// Client names sec.Token, which importers of lib cannot.
type Client interface {
	Token(ctx context.Context) (*sec.Token, error)
	Send(ctx context.Context, toks map[string][]sec.Token) error
	Ping(ctx context.Context) error
}
