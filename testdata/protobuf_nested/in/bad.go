// Package bad records messages inside other types.
package bad

import (
	"context"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Wrapped holds a message in a field.
type Wrapped struct {
	Name  string
	Value *structpb.Value
}

// Bad records messages inside a struct and a slice.
//
//resil:idempotent
type Bad interface {
	Get(ctx context.Context, id string) (Wrapped, error)
	List(ctx context.Context, id string) ([]*timestamppb.Timestamp, error)
	Put(ctx context.Context, w Wrapped) error
}
