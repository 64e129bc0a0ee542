// Package k keys by a named string type and a promoted field.
package k

import "context"

// Token is a named string.
type Token string

// Base is embedded by pointer.
type Base struct {
	RequestID string
}

// Req embeds *Base, so RequestID is promoted through a pointer.
type Req struct {
	*Base
	Token Token
}

// Named keys by a named string and by a promoted field.
type Named interface {
	//resil:idempotent key=t
	ByToken(ctx context.Context, t Token) (bool, error)
	//resil:idempotent key=req.RequestID
	ByPromoted(ctx context.Context, req Req) (bool, error)
}
