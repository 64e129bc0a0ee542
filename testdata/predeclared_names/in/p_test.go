package p

import (
	"context"
	"strconv"
	"testing"

	"github.com/resilgen/resilgen/runtime"
	anyp "github.com/resilgen/resilgen/testdata/predeclared_names/in/any"
)

type impl struct{}

func (impl) A(ctx context.Context, any string, comparable int, error bool) (string, error) {
	return any + strconv.Itoa(comparable) + strconv.FormatBool(error), nil
}
func (impl) B(ctx context.Context, nil *Req, string int) (int, error) {
	var ok error // nil is the parameter here
	return string + 1, ok
}
func (impl) C(ctx context.Context, int64 Req, len, cap, make, new, append []int) error {
	return nil
}
func (impl) D(ctx context.Context, true, false bool, iota, min, max, clear int) (bool, error) {
	return true && !false && iota+min+max+clear == 10, nil
}
func (impl) E(context context.Context, string, int64 string, uint64 uint64) (any, error) {
	return string + int64 + strconv.FormatUint(uint64, 10), nil
}
func (impl) F(any, error int) (string, int) { return "f", any + error }

func (impl) G(ctx context.Context, v anyp.T) error { return nil }

func TestPredeclaredNamesReachTheWrappedMethod(t *testing.T) {
	store := runtime.NewMemoryStore()
	c := NewResilientPredeclared(impl{}, runtime.WithStore(store))
	ctx := context.Background()
	if s, err := c.A(ctx, "a", 1, true); s != "a1true" || err != nil {
		t.Fatalf("A = %q, %v", s, err)
	}
	if n, err := c.B(ctx, &Req{ID: "k"}, 2); n != 3 || err != nil {
		t.Fatalf("B = %d, %v", n, err)
	}
	if err := c.C(ctx, Req{N: 7}, nil, nil, nil, nil, nil); err != nil {
		t.Fatalf("C: %v", err)
	}
	err := runtime.NewWorkflow(store, "wf").Run(ctx, func(ctx context.Context) error {
		if ok, err := c.D(ctx, true, false, 1, 2, 3, 4); !ok || err != nil {
			t.Fatalf("D = %v, %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.E(ctx, "x", "y", 5); v != "xy5" || err != nil {
		t.Fatalf("E = %v, %v", v, err)
	}
	if err := c.G(ctx, 1); err != nil {
		t.Fatalf("G: %v", err)
	}
	if s, n := c.F(2, 3); s != "f" || n != 5 {
		t.Fatalf("F = %q, %d", s, n)
	}
}
