package bad

import "context"

// Bad retries a method that may not be safe to repeat.
type Bad interface {
	//resil:retry attempts=3
	Charge(ctx context.Context, amount int) error
}
