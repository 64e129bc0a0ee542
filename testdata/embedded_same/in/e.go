// Package e embeds an interface of the same package.
package e

import "context"

// Reader reads; it has its own directives, which Store's wrapper ignores.
//
//resil:timeout 1s
type Reader interface {
	Read(ctx context.Context, id string) ([]byte, error)
}

// Store embeds Reader: Read gets Store's directives only.
//
//resil:breaker threshold=7
type Store interface {
	Reader
	Write(ctx context.Context, id string, b []byte) error
}
