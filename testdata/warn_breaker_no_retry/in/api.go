// Package api has a breaker on every method and a retry on some: the
// methods without one open the breaker on transient failures.
package api

import "context"

// API talks to a flaky service.
//
//resil:breaker threshold=3
type API interface {
	// Get is retried first: no warning.
	//
	//resil:readonly
	//resil:retry
	Get(ctx context.Context, id string) (string, error)
	// Put has no retry: one dropped connection counts toward opening the
	// breaker. Warned about.
	Put(ctx context.Context, id, v string) error
	// Deploy must never be repeated, and says so with a retry of one
	// attempt: no warning.
	//
	//resil:retry attempts=1 unsafe
	Deploy(ctx context.Context, version string) error
}
