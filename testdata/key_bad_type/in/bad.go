package bad

import "context"

// Bad keys by a float.
type Bad interface {
	//resil:idempotent key=req.Amount
	Get(ctx context.Context, req Req) (string, error)
}

// Req is a request.
type Req struct{ Amount float64 }
