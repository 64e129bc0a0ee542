package catalog

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// slowFirst answers its first try only when cancelled, and every later
// try at once: the hedge's second try wins.
type slowFirst struct {
	tries    atomic.Int32
	returned chan struct{}
}

func (s *slowFirst) Get(ctx context.Context, id string) (Item, int, error) {
	n := s.tries.Add(1)
	if n == 1 {
		<-ctx.Done()
		defer close(s.returned)
		return Item{ID: id, Name: "first"}, 1, ctx.Err()
	}
	return Item{ID: id, Name: "hedge"}, int(n), nil
}

func (s *slowFirst) Reserve(ctx context.Context, id string) (string, error) {
	return "r" + string(rune('0'+s.tries.Add(1))) + "-" + id, nil
}

func (s *slowFirst) Release(ctx context.Context, id string) error { return nil }

func TestHedgedGetReturnsTheWinnersResults(t *testing.T) {
	clk := clocktest.New(time.Unix(0, 0))
	dep := &slowFirst{returned: make(chan struct{})}
	w := NewResilientCatalog(dep, runtime.WithClock(clk))
	type result struct {
		item Item
		n    int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		item, n, err := w.Get(context.Background(), "sku-1")
		done <- result{item, n, err}
	}()
	clk.BlockUntilTimers(t, 1)
	clk.Advance(50 * time.Millisecond)
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the hedged call did not return")
	}
	select {
	case <-dep.returned:
	default:
		t.Fatal("the call returned before its losing try")
	}
	if r.err != nil || r.item != (Item{ID: "sku-1", Name: "hedge"}) || r.n != 2 {
		t.Fatalf("Get = %+v, %d, %v; want the second try's results", r.item, r.n, r.err)
	}
}

func TestHedgedIdempotentRecordsTheWinnersResult(t *testing.T) {
	w := NewResilientCatalog(&slowFirst{returned: make(chan struct{})})
	for range 2 {
		got, err := w.Reserve(context.Background(), "sku-1")
		if err != nil || got != "r1-sku-1" {
			t.Fatalf("Reserve = %q, %v; want the first call's recorded r1-sku-1", got, err)
		}
	}
	if err := w.Release(context.Background(), "sku-1"); err != nil {
		t.Fatal(err)
	}
}
