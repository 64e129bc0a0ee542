package repo

import (
	"context"
	"testing"
)

type mem[T any] struct{ m map[string]T }

func (r *mem[T]) Get(ctx context.Context, id string) (T, error) { return r.m[id], nil }
func (r *mem[T]) Put(ctx context.Context, id string, v T) error { r.m[id] = v; return nil }
func (r *mem[T]) All(ctx context.Context) ([]T, error) {
	var all []T
	for _, v := range r.m {
		all = append(all, v)
	}
	return all, nil
}

func TestGenericWrapper(t *testing.T) {
	var r Repo[int] = NewResilientRepo[int](&mem[int]{m: map[string]int{}})
	ctx := context.Background()
	if err := r.Put(ctx, "a", 7); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "a"); err != nil || v != 7 {
		t.Fatalf("Get = %v, %v", v, err)
	}
}
