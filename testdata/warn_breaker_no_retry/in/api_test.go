package api

import (
	"context"
	"errors"
	"testing"
)

type flaky struct{ puts int }

func (f *flaky) Get(ctx context.Context, id string) (string, error) { return "v", nil }
func (f *flaky) Put(ctx context.Context, id, v string) error {
	f.puts++
	return errors.New("connection reset")
}
func (f *flaky) Deploy(ctx context.Context, version string) error { return nil }

// TestPutWithoutRetryOpensTheBreaker shows what the warning is about: three
// transient failures of Put, never retried, open the breaker of threshold 3.
func TestPutWithoutRetryOpensTheBreaker(t *testing.T) {
	f := &flaky{}
	a := NewResilientAPI(f)
	ctx := context.Background()
	for range 3 {
		_ = a.Put(ctx, "k", "v")
	}
	if f.puts != 3 {
		t.Fatalf("Put reached the service %d times, want 3: no retry", f.puts)
	}
	if _, err := a.Get(ctx, "k"); err == nil {
		t.Fatal("Get went through; want the breaker, opened by Put's three failures, to reject it")
	}
}
