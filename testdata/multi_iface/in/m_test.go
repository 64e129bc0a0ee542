package m

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

type dep struct {
	err   error
	calls int
	left  time.Duration
}

func (d *dep) Do(ctx context.Context) error {
	d.calls++
	if dl, ok := ctx.Deadline(); ok {
		d.left = time.Until(dl)
	}
	return d.err
}

// TestEachInterfaceHasItsOwnWrapper: the three interfaces, in two files and
// a type group, each get a wrapper with their own directive: First's
// breaker opens after 5 failures, Second (a bulkhead) passes a call, and
// Third's call has the 2s deadline.
func TestEachInterfaceHasItsOwnWrapper(t *testing.T) {
	ctx := context.Background()
	first := &dep{err: errors.New("down")}
	f := NewResilientFirst(first)
	for range 5 {
		_ = f.Do(ctx)
	}
	if err := f.Do(ctx); !errors.Is(err, runtime.ErrCircuitOpen) || first.calls != 5 {
		t.Fatalf("First after 5 failures: %v, %d calls; want ErrCircuitOpen after 5", err, first.calls)
	}

	second := &dep{}
	if err := NewResilientSecond(second).Do(ctx); err != nil || second.calls != 1 {
		t.Fatalf("Second: %v, %d calls", err, second.calls)
	}

	third := &dep{}
	if err := NewResilientThird(third).Do(ctx); err != nil || third.left > 2*time.Second || third.left < time.Second {
		t.Fatalf("Third: %v, %v left on its ctx; want about 2s", err, third.left)
	}
}
