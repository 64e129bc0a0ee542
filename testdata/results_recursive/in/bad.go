// Package bad returns two types that reach each other, one of which holds
// a channel: every method whose results reach it is refused.
package bad

import "context"

// A holds the channel.
type A struct {
	B *B
	C chan int
}

// B reaches the channel only through A.
type B struct {
	A *A
}

// Steps journals both.
type Steps interface {
	//resil:checkpoint
	First(ctx context.Context) (A, error)
	//resil:checkpoint
	Second(ctx context.Context) (B, error)
}
