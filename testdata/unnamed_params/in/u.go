// Package u has unnamed and blank parameters.
package u

import "context"

// U names nothing.
//
//resil:bulkhead max=2
type U interface {
	A(context.Context, string, int) (string, error)
	B(_ context.Context, _ string, n int) error
	C(ctx context.Context, _, _ []byte) error
}
