package k

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

type counter struct{ calls int }

func (c *counter) out(size int) (Out, error) { c.calls++; return Out{Size: size}, nil }

// sizeOf is p's size; nil params have none.
func sizeOf(p *Input) int {
	if p == nil {
		return 0
	}
	return p.Size
}

func (c *counter) ByToken(ctx context.Context, p *Input) (Out, error) { return c.out(sizeOf(p)) }
func (c *counter) BySeq(ctx context.Context, p *Input) (Out, error)   { return c.out(sizeOf(p)) }
func (c *counter) ByNamed(ctx context.Context, p Input) (Out, error)  { return c.out(p.Size) }
func (c *counter) ByRef(ctx context.Context, p *Input) (Out, error)   { return c.out(sizeOf(p)) }
func (c *counter) ByPtrPtr(ctx context.Context, token **string, size int) (Out, error) {
	return c.out(size)
}

func ptr[T any](v T) *T { return &v }

// call is one of Keys' methods over an *Input.
type call func(context.Context, *Input) (Out, error)

func methods(k Keys) map[string]call {
	return map[string]call{
		"ByToken": k.ByToken,
		"BySeq":   k.BySeq,
		"ByNamed": func(ctx context.Context, p *Input) (Out, error) { return k.ByNamed(ctx, *p) },
		"ByRef":   k.ByRef,
		"ByPtrPtr": func(ctx context.Context, p *Input) (Out, error) {
			if p.ClientToken == nil {
				return k.ByPtrPtr(ctx, nil, p.Size)
			}
			return k.ByPtrPtr(ctx, &p.ClientToken, p.Size)
		},
	}
}

// keyed sets the one key field that method reads.
func keyed(method string, p Input) *Input {
	switch method {
	case "ByToken", "ByPtrPtr":
		p.ClientToken = ptr("tok-1")
	case "BySeq":
		p.Seq = ptr(int64(42))
	case "ByNamed":
		p.Token = ptr(Token("named"))
	case "ByRef":
		p.Ref = &Ref{N: 7}
	}
	return &p
}

// TestSameTokenOtherParametersConflict: a key behind a pointer is the key.
func TestSameTokenOtherParametersConflict(t *testing.T) {
	for name, do := range methods(NewResilientKeys(&counter{})) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, err := do(ctx, keyed(name, Input{Size: 1})); err != nil {
				t.Fatal(err)
			}
			if _, err := do(ctx, keyed(name, Input{Size: 2})); !errors.Is(err, runtime.ErrIdempotencyConflict) {
				t.Fatalf("same key, other size: err = %v, want ErrIdempotencyConflict", err)
			}
		})
	}
}

// TestNilOrEmptyKeyKeysByTheArguments: a nil pointer on the path, or an
// empty key, is as if key= were not written.
func TestNilOrEmptyKeyKeysByTheArguments(t *testing.T) {
	next := &counter{}
	for name, do := range methods(NewResilientKeys(next)) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			before := next.calls
			for _, size := range []int{1, 1, 2, 2} {
				out, err := do(ctx, &Input{Size: size})
				if err != nil || out.Size != size {
					t.Fatalf("nil key, size %d: %v, %v", size, out, err)
				}
			}
			if got := next.calls - before; got != 2 {
				t.Fatalf("%d calls for two distinct argument lists with a nil key, want 2", got)
			}
		})
	}
	k := NewResilientKeys(next)
	before := next.calls
	for _, size := range []int{3, 3, 4} {
		if _, err := k.ByToken(context.Background(), &Input{ClientToken: ptr(""), Size: size}); err != nil {
			t.Fatalf("empty token, size %d: %v", size, err)
		}
	}
	if got := next.calls - before; got != 2 {
		t.Fatalf("%d calls for two distinct argument lists with an empty token, want 2", got)
	}
	if _, err := k.ByToken(context.Background(), nil); err != nil {
		t.Fatalf("nil params: %v", err)
	}
}
