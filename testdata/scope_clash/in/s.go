// Package s declares names that the generated code would import.
package s

import "context"

// runtime, time and errors are package-level names here, so the generated
// file must import those packages under other names.
var (
	runtime = "mine"
	time    = 1
)

func errors() string { return runtime }

// S is wrapped in a file whose imports must not clash with the above.
//
//resil:breaker window=90s
//resil:idempotent
type S interface {
	//resil:idempotent key=n
	Get(ctx context.Context, n uint64) (string, error)
	//resil:idempotent key=p
	Small(ctx context.Context, p int8) (string, error)
}
