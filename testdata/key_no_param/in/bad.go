package bad

import "context"

// Bad keys by a parameter it does not have.
type Bad interface {
	//resil:idempotent key=reqq.ID
	Get(ctx context.Context, req Req) (string, error)
}

// Req is a request.
type Req struct{ ID string }
