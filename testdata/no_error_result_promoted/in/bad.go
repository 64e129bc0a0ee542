package bad

import (
	"context"
	"fmt"
)

// Bad embeds fmt.Stringer, whose String cannot fail.
//
//resil:breaker
type Bad interface {
	fmt.Stringer
	Get(ctx context.Context) error
}
