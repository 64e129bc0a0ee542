package k

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type counter struct{ calls int }

func (c *counter) ByInt(ctx context.Context, id int) (string, error) { c.calls++; return "int", nil }
func (c *counter) BySeq(ctx context.Context, req Req) (string, error) {
	c.calls++
	return "seq", nil
}
func (c *counter) ByOrder(ctx context.Context, req Req) (string, error) {
	c.calls++
	return "order", nil
}
func (c *counter) ByAll(ctx context.Context, a, b int) (string, error) { c.calls++; return "all", nil }

func TestIdempotentRunsOnce(t *testing.T) {
	c := &counter{}
	o := NewResilientOrders(c, runtime.WithStore(runtime.NewMemoryStore()))
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if s, err := o.BySeq(ctx, Req{Seq: 42}); s != "seq" || err != nil {
			t.Fatalf("BySeq = %q, %v", s, err)
		}
		if s, err := o.ByAll(ctx, 1, 2); s != "all" || err != nil {
			t.Fatalf("ByAll = %q, %v", s, err)
		}
	}
	if c.calls != 2 {
		t.Fatalf("calls = %d, want 2: repeated calls are answered from the record", c.calls)
	}
	if _, err := o.BySeq(ctx, Req{Seq: 42, Order: 9}); !errors.Is(err, runtime.ErrIdempotencyConflict) {
		t.Fatalf("same key, other arguments: err = %v, want ErrIdempotencyConflict", err)
	}
}
