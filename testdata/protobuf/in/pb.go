// Package pb wraps a gRPC-shaped client whose messages are protobuf's own
// well-known types: structpb.Value has a oneof, which JSON would lose.
package pb

import (
	"context"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CallOption stands for grpc.CallOption.
type CallOption interface {
	apply()
}

// Values takes and returns messages.
//
//resil:idempotent
type Values interface {
	Get(ctx context.Context, in *structpb.Value, opts ...CallOption) (*structpb.Value, error)
	At(ctx context.Context, ts *timestamppb.Timestamp, name string) (*timestamppb.Timestamp, *structpb.Value, error)
	// Plain passes through.
	//
	//resil:skip
	Plain(ctx context.Context, in *structpb.Value) (*structpb.Value, error)
}

// Steps is checkpointed.
type Steps interface {
	//resil:checkpoint
	Step(ctx context.Context, in *structpb.Value) (*structpb.Value, int, error)
}
