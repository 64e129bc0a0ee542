package dep

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type failing struct{ calls int }

func (f *failing) Call(ctx context.Context) error { f.calls++; return errors.New("boom") }
func (f *failing) Ping(ctx context.Context) error { f.calls++; return errors.New("boom") }

func TestBreakerOpensAndRejects(t *testing.T) {
	f := &failing{}
	d := NewResilientDep(f)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := d.Call(ctx); err == nil || errors.Is(err, runtime.ErrCircuitOpen) {
			t.Fatalf("call %d: err = %v, want the dependency's error", i, err)
		}
	}
	if err := d.Call(ctx); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("third call: err = %v, want ErrCircuitOpen", err)
	}
	if f.calls != 2 {
		t.Fatalf("calls = %d, want 2: an open breaker must not call through", f.calls)
	}
	if err := d.Ping(ctx); errors.Is(err, runtime.ErrCircuitOpen) || f.calls != 3 {
		t.Fatalf("Ping: err = %v, calls = %d; a skipped method passes straight through", err, f.calls)
	}
}
