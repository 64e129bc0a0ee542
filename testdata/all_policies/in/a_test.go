package a

import (
	"context"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type shop struct{ placed int }

func (s *shop) Place(ctx context.Context, key string, items []string) (Order, error) {
	s.placed++
	return Order{ID: "o-" + key, Total: int64(len(items))}, nil
}

func TestPlaceOnceInAndOutOfAWorkflow(t *testing.T) {
	s := &shop{}
	w := NewResilientShop(s)
	ctx := context.Background()
	store := runtime.NewMemoryStore()
	body := func(ctx context.Context) error {
		o, err := w.Place(ctx, "k1", []string{"a", "b"})
		if err != nil {
			return err
		}
		if o.ID != "o-k1" || o.Total != 2 {
			t.Errorf("Place = %+v", o)
		}
		return nil
	}
	for i := 0; i < 2; i++ {
		if err := runtime.NewWorkflow(store, "wf").Run(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	if o, err := w.Place(ctx, "k1", []string{"a", "b"}); err != nil || o.ID != "o-k1" {
		t.Fatalf("outside the workflow: %+v, %v", o, err)
	}
	if s.placed != 1 {
		t.Fatalf("placed %d times, want 1: replayed in the workflow, then answered from the record", s.placed)
	}
}
