package k

import (
	"context"
	"sync/atomic"
	"testing"
)

type impl struct{ calls atomic.Int32 }

func (i *impl) ByName(ctx context.Context, req *Req) (int, error) { i.calls.Add(1); return 1, nil }
func (i *impl) ByID(ctx context.Context, req *Req) (int, error)   { i.calls.Add(1); return 2, nil }
func (i *impl) ByRef(ctx context.Context, req Req) (int, error)   { i.calls.Add(1); return 3, nil }

// TestNilOnTheKeyPathKeysByTheArguments: a nil pointer on the way to the
// key is not an error; the call is keyed by its arguments instead.
func TestNilOnTheKeyPathKeysByTheArguments(t *testing.T) {
	next := &impl{}
	k := NewResilientKeys(next)
	ctx := context.Background()
	for _, req := range []*Req{nil, nil, {}, {}} {
		if n, err := k.ByName(ctx, req); n != 1 || err != nil {
			t.Fatalf("ByName(%v) = %d, %v", req, n, err)
		}
	}
	if got := next.calls.Load(); got != 2 {
		t.Fatalf("%d calls for two distinct argument lists, want 2", got)
	}
	if n, err := k.ByName(ctx, &Req{Customer: &Customer{Name: "x"}}); n != 1 || err != nil {
		t.Fatalf("ByName = %d, %v", n, err)
	}
	if n, err := k.ByRef(ctx, Req{Customer: &Customer{Ref: &ID{N: 1}}}); n != 3 || err != nil {
		t.Fatalf("ByRef = %d, %v", n, err)
	}
	if n, err := k.ByRef(ctx, Req{}); n != 3 || err != nil {
		t.Fatalf("ByRef with a nil customer = %d, %v", n, err)
	}
}
