package t

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type svc struct{ runs int }

func (s *svc) Run(ctx context.Context) error { s.runs++; return errors.New("down") }

// TestConstructorTheFileAlreadyCalled: the package's Default is built by the
// generated constructor, and a wrapper of a real Svc has the breaker.
func TestConstructorTheFileAlreadyCalled(t *testing.T) {
	if Default == nil {
		t.Fatal("Default is nil")
	}
	s := &svc{}
	w := NewResilientSvc(s)
	for range 5 {
		_ = w.Run(context.Background())
	}
	if err := w.Run(context.Background()); !errors.Is(err, runtime.ErrCircuitOpen) || s.runs != 5 {
		t.Fatalf("after 5 failures: %v, %d runs; want ErrCircuitOpen", err, s.runs)
	}
}
