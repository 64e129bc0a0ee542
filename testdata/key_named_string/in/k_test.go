package k

import (
	"context"
	"testing"
)

type named struct{ byToken, byPromoted int }

func (n *named) ByToken(ctx context.Context, t Token) (bool, error) { n.byToken++; return true, nil }
func (n *named) ByPromoted(ctx context.Context, req Req) (bool, error) {
	n.byPromoted++
	return true, nil
}

// TestKeyedCallsRunOncePerKey: ByToken is keyed by its named string and
// ByPromoted by a field promoted through *Base; a repeated key is answered
// from the record, a new one calls through.
func TestKeyedCallsRunOncePerKey(t *testing.T) {
	n := &named{}
	w := NewResilientNamed(n)
	ctx := context.Background()
	for _, tok := range []Token{"a", "a", "b"} {
		if ok, err := w.ByToken(ctx, tok); err != nil || !ok {
			t.Fatalf("ByToken(%q) = %v, %v", tok, ok, err)
		}
	}
	for _, id := range []string{"r1", "r1", "r2"} {
		if ok, err := w.ByPromoted(ctx, Req{Base: &Base{RequestID: id}, Token: "t"}); err != nil || !ok {
			t.Fatalf("ByPromoted(%q) = %v, %v", id, ok, err)
		}
	}
	if n.byToken != 2 || n.byPromoted != 2 {
		t.Fatalf("calls through: ByToken %d, ByPromoted %d; want 2 each (a, b and r1, r2)", n.byToken, n.byPromoted)
	}
}
