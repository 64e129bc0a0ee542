package v

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

// dep records what it was called with, and fails while err is set.
type dep struct {
	err     error
	format  string
	args    []any
	opts    []Option
	parts   []string
	logs    int
	plained int
}

func (d *dep) Log(ctx context.Context, format string, args ...any) error {
	d.logs++
	d.format, d.args = format, args
	return d.err
}

func (d *dep) With(ctx context.Context, opts ...Option) (int, error) {
	d.opts = opts
	n := 0
	for _, o := range opts {
		o(&n)
	}
	return n, d.err
}

func (d *dep) Plain(parts ...string) string { d.plained++; d.parts = parts; return "plain" }

// TestVariadicArgumentsPassThroughUnchanged checks that the wrapper hands
// the dependency the caller's variadic slice itself (same elements, same
// backing array, nil stays nil), and that Plain, skipped, passes straight
// through even while the breaker is open.
func TestVariadicArgumentsPassThroughUnchanged(t *testing.T) {
	d := &dep{}
	l := NewResilientLogger(d)
	ctx := context.Background()

	args := []any{1, "two", nil, []int{3}}
	if err := l.Log(ctx, "%d %s %v %v", args...); err != nil {
		t.Fatal(err)
	}
	if d.format != "%d %s %v %v" || !reflect.DeepEqual(d.args, args) || &d.args[0] != &args[0] {
		t.Fatalf("Log got %q %#v, want the caller's %#v itself", d.format, d.args, args)
	}
	if err := l.Log(ctx, "none"); err != nil || d.args != nil {
		t.Fatalf("Log with no args passed %#v, %v; want nil", d.args, err)
	}

	double := func(n *int) { *n *= 2 }
	inc := func(n *int) { *n++ }
	if n, err := l.With(ctx, inc, double, inc); err != nil || n != 3 || len(d.opts) != 3 {
		t.Fatalf("With = %d, %v with %d options; want 3 from (0+1)*2+1", n, err, len(d.opts))
	}

	parts := []string{"a", "b"}
	if got := l.Plain(parts...); got != "plain" || &d.parts[0] != &parts[0] {
		t.Fatalf("Plain = %q with %v, want the caller's slice", got, d.parts)
	}

	// The breaker wraps Log (threshold 5 by default) but not Plain.
	d.err = errors.New("down")
	for range 5 {
		_ = l.Log(ctx, "x")
	}
	if err := l.Log(ctx, "x"); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("Log after 5 failures: %v, want ErrCircuitOpen", err)
	}
	if got := l.Plain("c"); got != "plain" || d.plained != 2 {
		t.Fatalf("Plain with the breaker open = %q after %d calls, want it called straight through", got, d.plained)
	}
}
