// Package o overrides type-level directives key by key.
package o

import "context"

// O sets defaults on the type and overrides them on methods.
//
//resil:retry attempts=5 base=10ms max=1s jitter=equal
//resil:idempotent ttl=1h
//resil:timeout 5s
type O interface {
	// A overrides attempts only.
	//
	//resil:retry attempts=2
	A(ctx context.Context, id string) (string, error)
	// B overrides the key and the timeout.
	//
	//resil:idempotent key=id
	//resil:timeout 100ms
	B(ctx context.Context, id string) (string, error)
	C(ctx context.Context, id string) error
}
