package p

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// drive runs call, firing on clk each wait it starts, and returns its
// error.
func drive(t *testing.T, clk *clocktest.Clock, call func() error) error {
	t.Helper()
	_, err := clocktest.Drive(t, clk, call)
	return err
}

type ctxKey struct{}

// mixed fails Get's first two calls and records what every method got.
type mixed struct {
	gets          int
	named, closed int
	lenCtx        context.Context
}

func (m *mixed) Get(ctx context.Context, id string) (string, error) {
	m.gets++
	if m.gets < 3 {
		return "", errors.New("flaky")
	}
	return "v" + id, nil
}
func (m *mixed) Name() string                { m.named++; return "mixed" }
func (m *mixed) Close()                      { m.closed++ }
func (m *mixed) Len(ctx context.Context) int { m.lenCtx = ctx; return 7 }

// TestOnlyGetIsWrapped: Get is retried (3 attempts by default); Name, Close
// and Len, without directives, are called once, directly, Len with the
// caller's own context.
func TestOnlyGetIsWrapped(t *testing.T) {
	m := &mixed{}
	clk := clocktest.New(time.Unix(0, 0))
	w := NewResilientMixed(m, runtime.WithClock(clk))
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	var got string
	err := drive(t, clk, func() (err error) { got, err = w.Get(ctx, "1"); return err })
	if err != nil || got != "v1" || m.gets != 3 {
		t.Fatalf("Get = %q, %v after %d calls; want v1 on the third", got, err, m.gets)
	}
	if w.Name() != "mixed" || m.named != 1 {
		t.Fatalf("Name called %d times, want 1", m.named)
	}
	w.Close()
	if m.closed != 1 {
		t.Fatalf("Close called %d times, want 1", m.closed)
	}
	if n := w.Len(ctx); n != 7 || m.lenCtx != ctx {
		t.Fatalf("Len = %d with ctx %v; want 7 with the caller's ctx itself", n, m.lenCtx)
	}
}
