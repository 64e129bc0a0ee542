package bad

import "context"

// Bad names a fallback that is not declared.
type Bad interface {
	//resil:fallback cachedAnswer
	Ask(ctx context.Context, q string) (string, error)
}
