package bad

import "context"

// ResilientBad is hand-written and takes the wrapper's name.
type ResilientBad struct{}

// Bad cannot be wrapped under its usual name.
//
//resil:breaker
type Bad interface {
	Get(ctx context.Context) error
}
