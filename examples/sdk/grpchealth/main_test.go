package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// start serves a health server on 127.0.0.1 and returns it and a client
// connected to it.
func start(t *testing.T) (*healthServer, healthpb.HealthClient) {
	t.Helper()
	hs := &healthServer{name: "test-1", services: map[string]healthpb.HealthCheckResponse_ServingStatus{
		"shop.Checkout": healthpb.HealthCheckResponse_SERVING,
		"shop.Payments": healthpb.HealthCheckResponse_NOT_SERVING,
	}}
	addr, stop, err := serve(hs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return hs, healthpb.NewHealthClient(conn)
}

// TestCallOptionsPassThrough checks the readonly, retried wrapper over a
// real connection: an Unavailable is retried, NotFound is not, and a
// grpc.Header call option given to the wrapper reads the response header
// of the attempt that succeeded.
func TestCallOptionsPassThrough(t *testing.T) {
	ctx := context.Background()
	hs, client := start(t)
	health := NewResilientHealth(client)

	hs.failNext(1)
	var header metadata.MD
	res, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "shop.Payments"}, grpc.Header(&header))
	if err != nil {
		t.Fatal(err)
	}
	if res.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("status %s, want NOT_SERVING", res.GetStatus())
	}
	if n := hs.Checks(); n != 2 {
		t.Errorf("the server got %d checks, want 2: Unavailable, then the retry", n)
	}
	if got := header.Get("x-served-by"); len(got) != 1 || got[0] != "test-1" {
		t.Errorf("grpc.Header read %v, want the server's x-served-by: the call option did not reach the call", header)
	}

	_, err = health.Check(ctx, &healthpb.HealthCheckRequest{Service: "shop.Nope"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown service: %v, want the server's NotFound status", err)
	}
	if n := hs.Checks(); n != 3 {
		t.Errorf("the server got %d checks, want 3: NotFound is not retried", n)
	}
}

// TestCachedByRequest checks the idempotent wrapper: the same request with
// other call options is answered from its record, a protobuf message
// decoded equal to the live one; another request goes to the server.
func TestCachedByRequest(t *testing.T) {
	ctx := context.Background()
	hs, client := start(t)
	// The record lives 1s: the clock stands still, so that a slow machine
	// cannot let it expire between the calls.
	cached := NewResilientCachedHealth(client, runtime.WithClock(clocktest.New(time.Now())))

	var live metadata.MD
	first, err := cached.Check(ctx, &healthpb.HealthCheckRequest{Service: "shop.Checkout"}, grpc.Header(&live))
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Get("x-served-by")) != 1 {
		t.Errorf("the live call's grpc.Header read %v: the call option did not reach the call", live)
	}
	var onHit metadata.MD
	hit, err := cached.Check(ctx, &healthpb.HealthCheckRequest{Service: "shop.Checkout"}, grpc.Header(&onHit), grpc.WaitForReady(true))
	if err != nil {
		t.Fatal(err)
	}
	if n := hs.Checks(); n != 1 {
		t.Errorf("the server got %d checks, want 1: the same request with other call options is a hit", n)
	}
	if hit == first || !proto.Equal(hit, first) {
		t.Errorf("hit %v (same pointer: %v), want a decoded copy of %v", hit, hit == first, first)
	}
	// A hit makes no call, so an option that reads the response reads
	// nothing.
	if onHit != nil {
		t.Errorf("grpc.Header on a hit read %v, want nothing", onHit)
	}
	other, err := cached.Check(ctx, &healthpb.HealthCheckRequest{Service: "shop.Payments"})
	if err != nil {
		t.Fatal(err)
	}
	if other.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING || hs.Checks() != 2 {
		t.Errorf("another service: %s after %d checks, want NOT_SERVING after 2", other.GetStatus(), hs.Checks())
	}
}

// TestRun runs the program against the server it starts.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	for _, want := range []string{
		"retry: Health.Check attempt 1 failed: rpc error: code = Unavailable desc = warming up",
		`SERVING (served by ["local-1"])`,
		"CachedHealth.Check answered from its record: no request",
		"the server answered 3 checks",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, &out)
		}
	}
}
