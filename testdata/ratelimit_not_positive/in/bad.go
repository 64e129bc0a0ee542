package bad

import "context"

// Bad gives rate, per and burst values that are not positive.
type Bad interface {
	//resil:ratelimit rate=0 per=1s burst=1
	A(ctx context.Context) error
	//resil:ratelimit rate=1 per=0s burst=1
	B(ctx context.Context) error
	//resil:ratelimit rate=1 per=1s burst=-2
	C(ctx context.Context) error
}
