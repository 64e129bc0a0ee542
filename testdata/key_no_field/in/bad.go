package bad

import "context"

// Bad keys by a field Req lacks.
type Bad interface {
	//resil:idempotent key=req.Id
	Get(ctx context.Context, req Req) (string, error)
}

// Req is a request.
type Req struct{ ID string }
