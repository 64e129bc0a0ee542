package bad

import "context"

// Secret has unexported fields only.
type Secret struct {
	value string
}

// Bad records a struct JSON would leave empty.
type Bad interface {
	//resil:idempotent
	Load(ctx context.Context, id string) (Secret, error)
}
