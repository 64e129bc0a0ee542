package bad

import "context"

// Answer is what Ask returns.
type Answer struct{ Text string }

func cachedAnswer(ctx context.Context, q string, err error) (*Answer, error) { return nil, nil }

// Bad's fallback returns a pointer where Ask returns a value.
//
//resil:fallback cachedAnswer
type Bad interface {
	Ask(ctx context.Context, q string) (Answer, error)
}
