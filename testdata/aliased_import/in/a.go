// Package a imports under other names.
package a

import (
	stdctx "context"
	rt "github.com/resilgen/resilgen/runtime"
	tm "time"
)

// Timed uses aliased imports, one of them the runtime itself.
//
//resil:retry unsafe
type Timed interface {
	At(ctx stdctx.Context, when tm.Time) (tm.Duration, error)
	State(ctx stdctx.Context) (rt.State, error)
}
