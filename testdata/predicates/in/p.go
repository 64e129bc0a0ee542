// Package p passes predicates to the breaker and the retry.
package p

import (
	"context"
	"errors"
)

// ErrBadInput is the caller's fault.
var ErrBadInput = errors.New("bad input")

func countsAsFailure(err error) bool { return !errors.Is(err, ErrBadInput) }

func retryable(err error) bool { return !errors.Is(err, ErrBadInput) }

// P uses if= on the breaker and the retry.
//
//resil:breaker if=countsAsFailure
//resil:retry if=retryable
//resil:readonly
type P interface {
	Get(ctx context.Context, id string) (string, error)
}
