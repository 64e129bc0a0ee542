// Package p has parameters named like packages and like the wrapper's
// locals.
package p

import (
	"context"
	"encoding/json"
)

// Clash names parameters after everything the generated code uses.
//
//resil:breaker
//resil:retry unsafe
type Clash interface {
	A(ctx context.Context, runtime string, time int, json json.RawMessage) error
	B(context context.Context, errors, strconv string) (string, error)
	C(ctx context.Context, w, err, r0, rt string) (int, error)
	D(ctx context.Context, next, opts, breaker string) error
	//resil:idempotent key=r0
	E(ctx context.Context, r0 string, w int) (string, error)
	F(c context.Context, ctx int) error
}
