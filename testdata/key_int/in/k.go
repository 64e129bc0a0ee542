// Package k keys idempotency by integers.
package k

import "context"

// OrderNo is a named integer.
type OrderNo uint32

// Req carries numbers.
type Req struct {
	Seq   int64
	Order OrderNo
}

// Orders are idempotent by integer keys.
//
//resil:idempotent
type Orders interface {
	//resil:idempotent key=id
	ByInt(ctx context.Context, id int) (string, error)
	//resil:idempotent key=req.Seq
	BySeq(ctx context.Context, req Req) (string, error)
	//resil:idempotent key=req.Order ttl=1h lease=10s
	ByOrder(ctx context.Context, req Req) (string, error)
	ByAll(ctx context.Context, a, b int) (string, error)
}
