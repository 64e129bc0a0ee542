package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// Health is the generated gRPC client of the standard health service, in
// its own signature: healthpb.NewHealthClient(conn) implements it. The call
// options (opts ...grpc.CallOption) pass through to every attempt.
//
// A check only reads: it is retried while the server is unavailable.
//
//resil:readonly
//resil:retry attempts=3 base=20ms max=200ms if=transient
//resil:breaker threshold=5 timeout=10s if=transient
type Health interface {
	// Check asks whether a service is serving.
	Check(ctx context.Context, in *healthpb.HealthCheckRequest, opts ...grpc.CallOption) (*healthpb.HealthCheckResponse, error)
}

// CachedHealth is the same client, with each service's answer recorded
// for a second: a caller polling many times a second sends one request a
// second per service. The response, a protobuf message, is recorded in
// protobuf's own encoding. Call options are not part of the record's key.
//
//resil:idempotent ttl=1s
//resil:retry attempts=3 base=20ms max=200ms if=transient
type CachedHealth interface {
	// Check asks whether a service is serving.
	Check(ctx context.Context, in *healthpb.HealthCheckRequest, opts ...grpc.CallOption) (*healthpb.HealthCheckResponse, error)
}

// Both are the generated client's own.
var (
	_ Health       = healthpb.HealthClient(nil)
	_ CachedHealth = healthpb.HealthClient(nil)
)

// transient reports whether err is a gRPC status worth another attempt:
// the server unavailable or out of resources. NotFound (an unknown
// service) and the caller's own deadline are answers.
func transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted:
		return true
	}
	return false
}
