// Package p has parameters named after Go's predeclared identifiers, which
// the generated code refers to: any in a Recording, error in its locals,
// string and int64 in key conversions, nil in nil checks.
package p

import (
	"context"

	anyp "github.com/resilgen/resilgen/testdata/predeclared_names/in/any"
)

// Req is keyed through a pointer, so the key path needs a nil check.
type Req struct {
	ID string
	N  int32
}

// Predeclared names parameters after predeclared identifiers.
//
//resil:breaker
//resil:retry unsafe
type Predeclared interface {
	//resil:idempotent
	A(ctx context.Context, any string, comparable int, error bool) (string, error)
	//resil:idempotent key=nil.ID
	B(ctx context.Context, nil *Req, string int) (int, error)
	//resil:idempotent key=int64.N
	C(ctx context.Context, int64 Req, len, cap, make, new, append []int) error
	//resil:checkpoint
	D(ctx context.Context, true, false bool, iota, min, max, clear int) (bool, error)
	E(context context.Context, string, int64 string, uint64 uint64) (any, error)
	//resil:skip
	F(any, error int) (string, int)
	// G names a package called any, which the generated file must import
	// under another name: it says []any.
	//resil:idempotent
	G(ctx context.Context, v anyp.T) error
}
