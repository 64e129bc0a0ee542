package o

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// drive runs call, firing on clk each timer it starts (its backoffs, and
// the renewals of its idempotency lease), and returns its error.
func drive(t *testing.T, clk *clocktest.Clock, call func() error) error {
	t.Helper()
	_, err := clocktest.Drive(t, clk, call)
	return err
}

// dep fails while err is set, counts calls per method and records the time
// left on each call's context.
type dep struct {
	err   error
	calls map[string]int
	left  map[string]time.Duration
}

func (d *dep) note(name string, ctx context.Context) {
	d.calls[name]++
	if dl, ok := ctx.Deadline(); ok {
		d.left[name] = time.Until(dl)
	}
}

func (d *dep) A(ctx context.Context, id string) (string, error) {
	d.note("A", ctx)
	return "a" + id, d.err
}
func (d *dep) B(ctx context.Context, id string) (string, error) {
	d.note("B", ctx)
	return "b" + id, d.err
}
func (d *dep) C(ctx context.Context, id string) error { d.note("C", ctx); return d.err }

func newDep(err error) *dep {
	return &dep{err: err, calls: map[string]int{}, left: map[string]time.Duration{}}
}

// TestMethodAttemptsOverrideTheTypes: A's attempts=2 wins over the type's
// 5, which C keeps.
func TestMethodAttemptsOverrideTheTypes(t *testing.T) {
	d := newDep(errors.New("down"))
	clk := clocktest.New(time.Unix(0, 0))
	o := NewResilientO(d, runtime.WithClock(clk))
	ctx := context.Background()
	if err := drive(t, clk, func() error { _, err := o.A(ctx, "1"); return err }); !errors.Is(err, d.err) {
		t.Fatalf("A: %v", err)
	}
	if err := drive(t, clk, func() error { return o.C(ctx, "1") }); !errors.Is(err, d.err) {
		t.Fatalf("C: %v", err)
	}
	if d.calls["A"] != 2 || d.calls["C"] != 5 {
		t.Fatalf("attempts A=%d C=%d, want A=2 (its own) and C=5 (the type's)", d.calls["A"], d.calls["C"])
	}
}

// TestMethodTimeoutOverridesTheTypes: B's 100ms wins over the type's 5s,
// which A and C keep.
func TestMethodTimeoutOverridesTheTypes(t *testing.T) {
	d := newDep(nil)
	o := NewResilientO(d)
	ctx := context.Background()
	_, _ = o.A(ctx, "1")
	_, _ = o.B(ctx, "1")
	_ = o.C(ctx, "1")
	for name, want := range map[string]time.Duration{"A": 5 * time.Second, "B": 100 * time.Millisecond, "C": 5 * time.Second} {
		if left := d.left[name]; left > want || left < want/2 {
			t.Errorf("%s: %v left on its context, want about %v", name, left, want)
		}
	}
}

// TestMethodKeyOverridesAndTypeTTLStays: B is keyed by id (its own key=),
// so a second call with the same id is answered from the record, for the
// type's ttl=1h and not after it. (B's only argument is id, so key=id and
// the fingerprint of the arguments key the same calls: this cannot tell
// them apart.)
func TestMethodKeyOverridesAndTypeTTLStays(t *testing.T) {
	d := newDep(nil)
	clk := clocktest.New(time.Unix(0, 0))
	o := NewResilientO(d, runtime.WithClock(clk))
	ctx := context.Background()
	for range 2 {
		if r, err := o.B(ctx, "k"); err != nil || r != "bk" {
			t.Fatalf("B = %q, %v", r, err)
		}
	}
	if d.calls["B"] != 1 {
		t.Fatalf("B called %d times for one key, want 1", d.calls["B"])
	}
	clk.Advance(59 * time.Minute)
	_, _ = o.B(ctx, "k")
	if d.calls["B"] != 1 {
		t.Fatal("B's record was gone before the type's ttl=1h")
	}
	clk.Advance(2 * time.Minute)
	_, _ = o.B(ctx, "k")
	if d.calls["B"] != 2 {
		t.Fatal("B's record outlived the type's ttl=1h")
	}
}
