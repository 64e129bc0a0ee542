package s

import (
	"context"
	"testing"
	"time"
)

type dep struct{ left time.Duration }

func (d *dep) Get(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok {
		d.left = time.Until(dl)
	}
	return nil
}

// TestRegeneratedWrapperHasTheTimeout: the case is about generating over a
// broken old output; the new one wraps Get with its 1s timeout.
func TestRegeneratedWrapperHasTheTimeout(t *testing.T) {
	d := &dep{}
	if err := NewResilientS(d).Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.left > time.Second || d.left < time.Second/2 {
		t.Fatalf("%v left on the call's ctx, want about 1s", d.left)
	}
}
