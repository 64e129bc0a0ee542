package s

import (
	"context"
	"fmt"
	"testing"
)

type dep struct{ calls int }

func (d *dep) Get(ctx context.Context, n uint64) (string, error) {
	d.calls++
	return fmt.Sprint("get", n), nil
}
func (d *dep) Small(ctx context.Context, p int8) (string, error) {
	d.calls++
	return fmt.Sprint("small", p), nil
}

// TestKeyedByIntegers: the case is about import names that clash with the
// package's own (compiling proves them); the test also checks its
// directives: Get and Small, keyed by their integers, run once per key.
func TestKeyedByIntegers(t *testing.T) {
	d := &dep{}
	w := NewResilientS(d)
	ctx := context.Background()
	for _, n := range []uint64{7, 7, 1 << 63} {
		if r, err := w.Get(ctx, n); err != nil || r != fmt.Sprint("get", n) {
			t.Fatalf("Get(%d) = %q, %v", n, r, err)
		}
	}
	for _, p := range []int8{-1, -1} {
		if r, err := w.Small(ctx, p); err != nil || r != "small-1" {
			t.Fatalf("Small(%d) = %q, %v", p, r, err)
		}
	}
	if d.calls != 3 {
		t.Fatalf("%d calls through, want 3: two Get keys and one Small key", d.calls)
	}
	if runtime != "mine" || time != 1 || errors() != "mine" {
		t.Fatal("the package's own names changed")
	}
}
