// Package other has an exported interface whose methods name types that
// only package other can name.
package other

import "context"

type hidden struct{ N int }

// Pair is exported; its type argument below is not.
type Pair[T any] struct{ A, B T }

// Getter is exported, but a type outside package other cannot implement
// most of it.
type Getter interface {
	Get(ctx context.Context) (*hidden, error)
	List(ctx context.Context) ([]map[string]func(hidden), error)
	Pairs(ctx context.Context) (Pair[hidden], error)
	Lit(ctx context.Context) (struct{ n int }, error)
	Iface(ctx context.Context, v interface{ tell() }) error
	Opts(ctx context.Context, opts ...func(*hidden)) error
	Fine(ctx context.Context, p Pair[int]) (struct{ N int }, error)
}
