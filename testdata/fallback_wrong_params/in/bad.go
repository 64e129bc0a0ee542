package bad

import "context"

func cachedAnswer(ctx context.Context, q string) (string, error) { return "", nil }

// Bad's fallback forgets the err parameter.
type Bad interface {
	//resil:fallback cachedAnswer
	Ask(ctx context.Context, q string, opts ...int) (string, error)
}
