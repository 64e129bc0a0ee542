// Package k keys idempotency through pointers and Stringers.
package k

import (
	"context"
	"strconv"
)

// ID is a Stringer.
type ID struct{ N int }

// String makes ID a fmt.Stringer.
func (id ID) String() string { return "id-" + strconv.Itoa(id.N) }

// Customer is reached through a pointer.
type Customer struct {
	Ref  *ID
	Name string
}

// Req is passed by pointer.
type Req struct {
	Customer *Customer
	ID       ID
}

// Keys uses paths through pointers.
type Keys interface {
	//resil:idempotent key=req.Customer.Name
	ByName(ctx context.Context, req *Req) (int, error)
	//resil:idempotent key=req.ID
	ByID(ctx context.Context, req *Req) (int, error)
	//resil:idempotent key=req.Customer.Ref
	ByRef(ctx context.Context, req Req) (int, error)
}
