package e

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type conn struct{ sends, closes, strings int }

func (c *conn) Send(ctx context.Context, b []byte) (int, error) {
	c.sends++
	return 0, errors.New("down")
}
func (c *conn) Close() error   { c.closes++; return nil }
func (c *conn) String() string { c.strings++; return "conn" }

// TestEmbeddedMethodsShareTheBreaker: Close, from io.Closer, goes through
// the breaker Send's failures open; String, skipped, is called directly.
func TestEmbeddedMethodsShareTheBreaker(t *testing.T) {
	c := &conn{}
	w := NewResilientConn(c)
	for range 5 {
		_, _ = w.Send(context.Background(), nil)
	}
	if err := w.Close(); !errors.Is(err, runtime.ErrCircuitOpen) || c.closes != 0 {
		t.Fatalf("Close with the breaker open: %v, %d calls; want ErrCircuitOpen", err, c.closes)
	}
	if s := w.String(); s != "conn" || c.strings != 1 {
		t.Fatalf("String = %q after %d calls, want it called straight through", s, c.strings)
	}
}
