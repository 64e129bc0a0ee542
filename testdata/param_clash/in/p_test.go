package p

import (
	"context"
	"encoding/json"
	"testing"
)

type impl struct{}

func (impl) A(ctx context.Context, runtime string, time int, json json.RawMessage) error { return nil }
func (impl) B(context context.Context, errors, strconv string) (string, error) {
	return errors + strconv, nil
}
func (impl) C(ctx context.Context, w, err, r0, rt string) (int, error) {
	return len(w + err + r0 + rt), nil
}
func (impl) D(ctx context.Context, next, opts, breaker string) error { return nil }
func (impl) E(ctx context.Context, r0 string, w int) (string, error) { return r0, nil }
func (impl) F(c context.Context, ctx int) error                      { return nil }

func TestClashingNamesReachTheWrappedMethod(t *testing.T) {
	c := NewResilientClash(impl{})
	ctx := context.Background()
	if s, err := c.B(ctx, "a", "b"); s != "ab" || err != nil {
		t.Fatalf("B = %q, %v", s, err)
	}
	if n, err := c.C(ctx, "1", "22", "333", "4444"); n != 10 || err != nil {
		t.Fatalf("C = %d, %v", n, err)
	}
	if s, err := c.E(ctx, "k", 1); s != "k" || err != nil {
		t.Fatalf("E = %q, %v", s, err)
	}
}
