package bad

import "context"

// Client is a struct: directives on it would do nothing.
//
//resil:breaker
type Client struct{}

// Get gets.
func (Client) Get(ctx context.Context) error { return nil }
