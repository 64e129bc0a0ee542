package f

import (
	"context"
	"strings"
	"testing"
)

type f struct{ called []string }

func (x *f) Next(ctx context.Context) error { x.called = append(x.called, "Next"); return nil }
func (x *f) next(ctx context.Context) error { x.called = append(x.called, "next"); return nil }
func (x *f) Type(ctx context.Context) error { x.called = append(x.called, "Type"); return nil }
func (x *f) Rt(ctx context.Context) error   { x.called = append(x.called, "Rt"); return nil }

// TestEachMethodCallsItsOwn: methods named like the wrapper's fields each
// reach the dependency's method of their name.
func TestEachMethodCallsItsOwn(t *testing.T) {
	x := &f{}
	w := NewResilientF(x)
	ctx := context.Background()
	_ = w.Next(ctx)
	_ = w.next(ctx)
	_ = w.Type(ctx)
	_ = w.Rt(ctx)
	if got := strings.Join(x.called, " "); got != "Next next Type Rt" {
		t.Fatalf("called %s, want Next next Type Rt", got)
	}
}
