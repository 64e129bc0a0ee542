package bad

import "context"

// Bad asks a method-level breaker to be the interface's.
type Bad interface {
	//resil:breaker scope=interface
	Get(ctx context.Context) error
}
