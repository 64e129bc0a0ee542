package e

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type store struct {
	reads       int
	hadDeadline bool
}

func (s *store) Read(ctx context.Context, id string) ([]byte, error) {
	s.reads++
	_, s.hadDeadline = ctx.Deadline()
	return nil, errors.New("down")
}
func (s *store) Write(ctx context.Context, id string, b []byte) error { return nil }

// TestEmbeddedMethodTakesTheEmbeddersDirectives: Read, embedded from
// Reader, gets Store's breaker (threshold=7) and not Reader's timeout;
// Reader's own wrapper does have the timeout.
func TestEmbeddedMethodTakesTheEmbeddersDirectives(t *testing.T) {
	s := &store{}
	w := NewResilientStore(s)
	ctx := context.Background()
	for i := range 7 {
		if _, err := w.Read(ctx, "x"); errors.Is(err, runtime.ErrCircuitOpen) {
			t.Fatalf("Read %d: breaker open before threshold=7", i+1)
		}
	}
	if _, err := w.Read(ctx, "x"); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("Read after 7 failures: %v, want ErrCircuitOpen", err)
	}
	if s.hadDeadline {
		t.Fatal("Store's Read had a deadline: Reader's timeout leaked into Store's wrapper")
	}
	r := &store{}
	_, _ = NewResilientReader(r).Read(ctx, "x")
	if !r.hadDeadline {
		t.Fatal("Reader's Read had no deadline, want its 1s timeout")
	}
}
