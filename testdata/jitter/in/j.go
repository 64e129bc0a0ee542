// Package j uses every jitter.
package j

import "context"

// J has one method per jitter kind.
//
//resil:retry unsafe=true
type J interface {
	//resil:retry jitter=equal
	Equal(ctx context.Context) error
	//resil:retry jitter=decorrelated base=50ms max=1s
	Decorrelated(ctx context.Context) error
	//resil:retry jitter=none attempts=10
	None(ctx context.Context) error
	Full(ctx context.Context) error
}
