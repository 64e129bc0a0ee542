package k

import (
	"context"
	"strings"
	"testing"
)

type impl struct{}

func (impl) ByName(ctx context.Context, req *Req) (int, error) { return 1, nil }
func (impl) ByID(ctx context.Context, req *Req) (int, error)   { return 2, nil }
func (impl) ByRef(ctx context.Context, req Req) (int, error)   { return 3, nil }

func TestNilOnTheKeyPathIsAnError(t *testing.T) {
	k := NewResilientKeys(impl{})
	ctx := context.Background()
	if _, err := k.ByName(ctx, nil); err == nil || !strings.Contains(err.Error(), "req is nil") {
		t.Fatalf("nil req: err = %v", err)
	}
	if _, err := k.ByName(ctx, &Req{}); err == nil || !strings.Contains(err.Error(), "req.Customer is nil") {
		t.Fatalf("nil customer: err = %v", err)
	}
	if n, err := k.ByName(ctx, &Req{Customer: &Customer{Name: "x"}}); n != 1 || err != nil {
		t.Fatalf("ByName = %d, %v", n, err)
	}
	if n, err := k.ByRef(ctx, Req{Customer: &Customer{Ref: &ID{N: 1}}}); n != 3 || err != nil {
		t.Fatalf("ByRef = %d, %v", n, err)
	}
}
