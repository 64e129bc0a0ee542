package bad

import "context"

// Result has a func field.
type Result struct {
	Name string
	Done func()
}

// Bad records a struct holding a func.
type Bad interface {
	//resil:checkpoint
	Load(ctx context.Context) (*Result, error)
}
