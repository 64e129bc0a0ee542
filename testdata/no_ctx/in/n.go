// Package n wraps methods without a context.
package n

// Legacy predates context.
//
//resil:breaker
//resil:bulkhead
type Legacy interface {
	Fetch(id string) (string, error)
	Ping() error
	//resil:readonly
	//resil:retry attempts=5
	Count(kind string, more ...string) (int, error)
}
