package api

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

var errDown = errors.New("down")

type api struct{ fetches, uploads int }

func (a *api) Fetch(ctx context.Context, id string) ([]byte, error) { a.fetches++; return nil, errDown }
func (a *api) Upload(ctx context.Context, data []byte) error        { a.uploads++; return errDown }

// TestMethodBreakerIsItsOwn: Fetch uses the type's breaker (threshold=3),
// Upload its own (threshold=10): Fetch's failures do not open Upload's,
// and Upload opens only after 10.
func TestMethodBreakerIsItsOwn(t *testing.T) {
	a := &api{}
	w := NewResilientAPI(a)
	ctx := context.Background()
	for range 3 {
		_, _ = w.Fetch(ctx, "x")
	}
	if _, err := w.Fetch(ctx, "x"); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("Fetch after 3 failures: %v, want ErrCircuitOpen", err)
	}
	for i := range 10 {
		if err := w.Upload(ctx, nil); !errors.Is(err, errDown) {
			t.Fatalf("Upload %d: %v, want the dependency's error: its breaker is not Fetch's and opens at 10", i+1, err)
		}
	}
	if err := w.Upload(ctx, nil); !errors.Is(err, runtime.ErrCircuitOpen) || a.uploads != 10 {
		t.Fatalf("Upload after 10 failures: %v, %d calls; want ErrCircuitOpen", err, a.uploads)
	}
}

type scoped struct{ a, b int }

func (s *scoped) A(ctx context.Context) error { s.a++; return errDown }
func (s *scoped) B(ctx context.Context) error { s.b++; return nil }

// TestScopeMethodGivesEachMethodABreaker: A's failures open A's breaker
// only; B goes on.
func TestScopeMethodGivesEachMethodABreaker(t *testing.T) {
	s := &scoped{}
	w := NewResilientScoped(s)
	ctx := context.Background()
	for range 5 {
		_ = w.A(ctx)
	}
	if err := w.A(ctx); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("A after 5 failures: %v, want ErrCircuitOpen", err)
	}
	if err := w.B(ctx); err != nil || s.b != 1 {
		t.Fatalf("B with A's breaker open: %v, %d calls; want it called", err, s.b)
	}
}
