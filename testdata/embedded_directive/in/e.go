// Package e puts directives where Go attaches them to an embedded
// interface, where they would apply to nothing.
package e

import (
	"context"
	"fmt"
	"io"
)

// Getter is embedded from this package.
type Getter interface {
	Get(ctx context.Context) error
}

// Conn has directives on its embedded lines.
//
//resil:breaker
//resil:skip String
type Conn interface {
	//resil:retry unsafe
	io.Closer
	// Stringer is passed through.
	//resil:bogus
	fmt.Stringer
	Getter                                    //resil:timeout 1s
	Send(ctx context.Context, b []byte) error //resil:timeout 2s
}
