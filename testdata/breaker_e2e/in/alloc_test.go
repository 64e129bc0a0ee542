package dep

import (
	"context"
	"testing"
)

type ok struct{}

func (ok) Call(ctx context.Context) error { return nil }
func (ok) Ping(ctx context.Context) error { return nil }

func TestDoPathAllocatesNothing(t *testing.T) {
	d := NewResilientDep(ok{})
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _ = d.Call(ctx) }); n != 0 {
		t.Fatalf("%v allocations a call through a closed breaker, want 0", n)
	}
}
