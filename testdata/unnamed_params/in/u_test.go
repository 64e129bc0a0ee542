package u

import (
	"context"
	"fmt"
	"testing"
)

type u struct{ got []string }

func (x *u) A(_ context.Context, s string, n int) (string, error) {
	x.got = append(x.got, fmt.Sprintf("A %s%d", s, n))
	return s + "!", nil
}
func (x *u) B(_ context.Context, s string, n int) error {
	x.got = append(x.got, fmt.Sprintf("B %s%d", s, n))
	return nil
}
func (x *u) C(_ context.Context, p, q []byte) error {
	x.got = append(x.got, fmt.Sprintf("C %s %s", p, q))
	return nil
}

// TestUnnamedAndBlankParametersPassThrough: the generator names unnamed and
// blank parameters; each argument reaches the dependency in its place.
func TestUnnamedAndBlankParametersPassThrough(t *testing.T) {
	x := &u{}
	w := NewResilientU(x)
	ctx := context.Background()
	if r, err := w.A(ctx, "a", 1); err != nil || r != "a!" {
		t.Fatalf("A = %q, %v", r, err)
	}
	_ = w.B(ctx, "b", 2)
	_ = w.C(ctx, []byte("p"), []byte("q"))
	want := "[A a1 B b2 C p q]"
	if got := fmt.Sprint(x.got); got != want {
		t.Fatalf("the dependency got %s, want %s", got, want)
	}
}
