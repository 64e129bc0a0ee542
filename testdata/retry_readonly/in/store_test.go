package store

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type flaky struct {
	calls, failures int
}

func (f *flaky) Get(ctx context.Context, id string) (string, error) {
	f.calls++
	if f.calls <= f.failures {
		return "", errors.New("unavailable")
	}
	return "item " + id, nil
}

func (f *flaky) List(ctx context.Context, prefix string, limit int) ([]string, error) {
	f.calls++
	return nil, errors.New("unavailable")
}

func TestRetryRetriesThenSucceeds(t *testing.T) {
	f := &flaky{failures: 3}
	s := NewResilientStore(f)
	got, err := s.Get(context.Background(), "a")
	if err != nil || got != "item a" {
		t.Fatalf("Get = %q, %v; want item a, nil", got, err)
	}
	if f.calls != 4 {
		t.Fatalf("calls = %d, want 4", f.calls)
	}
}

func TestRetryStopsAfterAttempts(t *testing.T) {
	f := &flaky{}
	s := NewResilientStore(f)
	_, err := s.List(context.Background(), "p", 10)
	var re *runtime.RetryError
	if !errors.As(err, &re) || re.Attempts != 2 {
		t.Fatalf("err = %v, want a RetryError after 2 attempts", err)
	}
	if f.calls != 2 {
		t.Fatalf("calls = %d, want 2 (method-level attempts=2 overrides the type's 4)", f.calls)
	}
}

type fine struct{}

func (fine) Get(ctx context.Context, id string) (string, error)                   { return id, nil }
func (fine) List(ctx context.Context, prefix string, limit int) ([]string, error) { return nil, nil }

func TestDoPathWithResultsAllocatesNothing(t *testing.T) {
	s := NewResilientStore(fine{})
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = s.Get(ctx, "a") }); n != 0 {
		t.Fatalf("%v allocations a successful call, want 0: results must not escape", n)
	}
}
