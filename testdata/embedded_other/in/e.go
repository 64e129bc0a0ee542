// Package e embeds interfaces of other packages.
package e

import (
	"context"
	"fmt"
	"io"
)

// Conn embeds io.Closer (Close is wrapped) and fmt.Stringer (String has no
// error result, so the type skips it).
//
//resil:breaker
//resil:skip String
type Conn interface {
	io.Closer
	fmt.Stringer
	Send(ctx context.Context, b []byte) (int, error)
}
