// Package sub exposes in/internal/tok through an exported interface.
package sub

import (
	"context"

	"github.com/resilgen/resilgen/testdata/internal_importable/in/internal/tok"
)

// Client names tok.T, which package in may name as well.
type Client interface {
	Token(ctx context.Context) (tok.T, error)
}
