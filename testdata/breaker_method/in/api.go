// Package api gives one method its own breaker.
package api

import "context"

// API has a shared breaker and one method with its own.
//
//resil:breaker threshold=3 window=1m
type API interface {
	// Fetch shares the interface's breaker.
	Fetch(ctx context.Context, id string) ([]byte, error)
	// Upload has its own breaker; threshold overrides, window is the type's.
	//
	//resil:breaker threshold=10 halfopen=1
	Upload(ctx context.Context, data []byte) error
}

// Scoped gives every method its own breaker.
//
//resil:breaker scope=method timeout=30s
type Scoped interface {
	A(ctx context.Context) error
	B(ctx context.Context) error
}
