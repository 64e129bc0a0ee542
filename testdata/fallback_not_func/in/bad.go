package bad

import "context"

var cachedAnswer = "42"

// Bad names a variable as its fallback.
type Bad interface {
	//resil:fallback cachedAnswer on=failed
	Ask(ctx context.Context, q string) (string, error)
}
