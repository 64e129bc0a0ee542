// Command grpchealth checks services through the generated gRPC client of
// the standard health service, wrapped by resilgen, against a real gRPC
// server it starts on 127.0.0.1 (or the one -addr names). The server is
// unavailable for its first check, which is retried; the call options
// (here grpc.Header, which reads the response's header) pass through.
//
//	go run ./grpchealth
//	go run ./grpchealth -addr=localhost:50051 -service=shop.Checkout
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/resilgen/resilgen/runtime"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "grpchealth:", err)
		os.Exit(1)
	}
}

// run checks the service the flags name, twice: through Health, then
// through CachedHealth polling.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("grpchealth", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "", "a health server to check (default: start one on 127.0.0.1)")
	service := fs.String("service", "shop.Checkout", "the service to check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" {
		hs := &healthServer{name: "local-1", services: map[string]healthpb.HealthCheckResponse_ServingStatus{
			"shop.Checkout": healthpb.HealthCheckResponse_SERVING,
			"shop.Payments": healthpb.HealthCheckResponse_NOT_SERVING,
		}}
		hs.failNext(1)
		a, stop, err := serve(hs)
		if err != nil {
			return err
		}
		defer stop()
		defer func() { fmt.Fprintf(out, "the server answered %d checks\n", hs.Checks()) }()
		*addr = a
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dialing %s: %w", *addr, err)
	}
	defer conn.Close()
	obs := runtime.WithObserver(runtime.ObserverFunc(func(ctx context.Context, e runtime.Event) {
		switch e.Kind {
		case runtime.EventRetry:
			fmt.Fprintf(out, "    retry: %s.%s attempt %d failed: %v\n", e.Interface, e.Method, e.Attempt, e.Err)
		case runtime.EventIdempotentHit:
			fmt.Fprintf(out, "    %s.%s answered from its record: no request\n", e.Interface, e.Method)
		}
	}))
	client := healthpb.NewHealthClient(conn)
	health := NewResilientHealth(client, obs)

	var header metadata.MD
	res, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: *service}, grpc.Header(&header))
	if err != nil {
		return fmt.Errorf("checking %s at %s: %w", *service, *addr, err)
	}
	fmt.Fprintf(out, "%s at %s: %s (served by %q)\n", *service, *addr, res.GetStatus(), header.Get("x-served-by"))

	cached := NewResilientCachedHealth(client, obs)
	for range 3 {
		res, err := cached.Check(ctx, &healthpb.HealthCheckRequest{Service: *service})
		if err != nil {
			return fmt.Errorf("polling %s: %w", *service, err)
		}
		fmt.Fprintf(out, "poll %s: %s\n", *service, res.GetStatus())
	}
	return nil
}
