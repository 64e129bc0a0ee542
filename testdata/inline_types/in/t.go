// Package t has signatures spelled with inline struct, interface, func and
// channel types, which gofmt lays out by where they stand: the generator
// formats such a file once instead of trusting its own layout.
package t

import (
	"context"
	"time"
)

// Inline takes and returns types without names.
//
//resil:retry unsafe attempts=2
type Inline interface {
	Opts(ctx context.Context, o struct {
		Name string `json:"name"`
		TTL  time.Duration
	}) error
	Sink(ctx context.Context, f func(int) error, in <-chan int, out chan<- string) (map[string][]*time.Time, error)
	Any(ctx context.Context, v interface{ Close() error }) (struct{ N int }, error)
}
