package a

import (
	stdctx "context"
	"testing"
	tm "time"

	rt "github.com/resilgen/resilgen/runtime"
)

// This case is about import naming: the generated file must spell context,
// time and the runtime through the aliases the package uses, and
// compiling it proves that. The test only checks that results pass
// through the wrapper unchanged.

type timed struct{}

func (timed) At(ctx stdctx.Context, when tm.Time) (tm.Duration, error) {
	return when.Sub(tm.Unix(0, 0)), nil
}
func (timed) State(ctx stdctx.Context) (rt.State, error) { return rt.StateHalfOpen, nil }

func TestResultsPassThrough(t *testing.T) {
	w := NewResilientTimed(timed{})
	if d, err := w.At(stdctx.Background(), tm.Unix(5, 0)); err != nil || d != 5*tm.Second {
		t.Fatalf("At = %v, %v; want 5s", d, err)
	}
	if s, err := w.State(stdctx.Background()); err != nil || s != rt.StateHalfOpen {
		t.Fatalf("State = %v, %v; want half-open", s, err)
	}
}
