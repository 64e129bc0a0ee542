// Package k keys idempotent calls by paths that end at pointers, as the
// AWS SDK's ClientToken *string does.
package k

import (
	"context"
	"strconv"
)

// Token is a named string.
type Token string

// Ref is a Stringer through its pointer.
type Ref struct{ N int }

// String makes *Ref a fmt.Stringer.
func (r *Ref) String() string { return "ref-" + strconv.Itoa(r.N) }

// Input stands for an AWS input: its token and numbers are pointers.
type Input struct {
	ClientToken *string
	Seq         *int64
	Token       *Token
	Ref         *Ref
	Size        int
}

// Out is the result.
type Out struct{ Size int }

// Keys keys by pointers at the end of the path.
//
//resil:idempotent
type Keys interface {
	//resil:idempotent key=params.ClientToken
	ByToken(ctx context.Context, params *Input) (Out, error)
	//resil:idempotent key=params.Seq
	BySeq(ctx context.Context, params *Input) (Out, error)
	//resil:idempotent key=params.Token
	ByNamed(ctx context.Context, params Input) (Out, error)
	//resil:idempotent key=params.Ref
	ByRef(ctx context.Context, params *Input) (Out, error)
	//resil:idempotent key=token
	ByPtrPtr(ctx context.Context, token **string, size int) (Out, error)
}
