// Package bad misuses //resil:omit.
package bad

import "context"

// Metadata has unexported fields only.
type Metadata struct{ values map[string]string }

// Out is an AWS-shaped output with a callback.
type Out struct {
	ID             string
	ResultMetadata Metadata
	Done           func()
}

// A names a field no result has, misspells one, omits a func and omits on
// a method that records nothing.
//
//resil:omit ResultMetadata Metadata
type A interface {
	//resil:idempotent
	//resil:omit ResultMetadta Done
	Get(ctx context.Context, id string) (Out, error)
	//resil:checkpoint
	//resil:omit ResultMetadata
	List(ctx context.Context) ([]Out, error)
	//resil:breaker
	//resil:omit ID
	Ping(ctx context.Context) error
}

// B records nothing, so its omit applies to nothing.
//
//resil:omit ResultMetadata
//resil:breaker
type B interface {
	Ping(ctx context.Context) error
}
