package t

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

// This case is about -type A choosing which interface is wrapped: that
// the package compiles without a NewResilientB is the check that B was
// left out (TestGolden compares the file). The test checks A's breaker.

type a struct{ gets int }

func (x *a) Get(ctx context.Context) error { x.gets++; return errors.New("down") }

func TestOnlyAIsWrapped(t *testing.T) {
	x := &a{}
	w := NewResilientA(x)
	for range 5 {
		_ = w.Get(context.Background())
	}
	if err := w.Get(context.Background()); !errors.Is(err, runtime.ErrCircuitOpen) || x.gets != 5 {
		t.Fatalf("after 5 failures: %v, %d calls; want ErrCircuitOpen", err, x.gets)
	}
}
