package bad

import "context"

// Bad hedges a call that has an effect.
type Bad interface {
	//resil:hedge delay=100ms
	Charge(ctx context.Context, cents int) error
	//resil:readonly
	//resil:hedge
	Balance() (int, error)
}
