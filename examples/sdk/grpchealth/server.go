package main

import (
	"context"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// healthServer is a health service that knows a fixed set of services,
// counts the checks it answers, can fail the next ones with Unavailable,
// and names itself in a response header (which a grpc.Header call option
// reads back).
type healthServer struct {
	healthpb.UnimplementedHealthServer
	name     string
	services map[string]healthpb.HealthCheckResponse_ServingStatus

	mu     sync.Mutex
	checks int
	fail   int
}

// Check implements healthpb.HealthServer.
func (s *healthServer) Check(ctx context.Context, in *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	s.mu.Lock()
	s.checks++
	fail := s.fail > 0
	if fail {
		s.fail--
	}
	s.mu.Unlock()
	if err := grpc.SetHeader(ctx, metadata.Pairs("x-served-by", s.name)); err != nil {
		return nil, err
	}
	if fail {
		return nil, status.Error(codes.Unavailable, "warming up")
	}
	st, ok := s.services[in.GetService()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "unknown service %q", in.GetService())
	}
	return &healthpb.HealthCheckResponse{Status: st}, nil
}

// failNext makes the next n checks fail with Unavailable.
func (s *healthServer) failNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Checks returns how many checks the server received.
func (s *healthServer) Checks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checks
}

// serve starts a gRPC server for hs on 127.0.0.1 and returns its address
// and a function that stops it.
func serve(hs *healthServer) (addr string, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listening: %w", err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(lis)
	return lis.Addr().String(), srv.Stop, nil
}
