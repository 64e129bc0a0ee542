// Package e has an interface whose only directive sits on an embedded
// line, so nothing would be wrapped if it were ignored.
package e

import "io"

// Closer is annotated only on its embedded line.
type Closer interface {
	//resil:breaker
	io.Closer
}

// Trailing is annotated only after a method, on the method's line.
type Trailing interface {
	Close() error //resil:breaker
}
