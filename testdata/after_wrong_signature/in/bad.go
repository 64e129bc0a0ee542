package bad

import (
	"context"
	"time"
)

func hintSeconds(err error) (int, bool) { return 0, false }

func hintNoOK(err error) time.Duration { return 0 }

var hintVar = func(err error) (time.Duration, bool) { return 0, false }

// Bad names hint functions of the wrong type, and one that is missing.
//
//resil:readonly
type Bad interface {
	//resil:retry after=hintSeconds
	A(ctx context.Context) error
	//resil:retry after=hintNoOK
	B(ctx context.Context) error
	//resil:retry after=hintVar
	C(ctx context.Context) error
	//resil:retry after=hintMissing
	D(ctx context.Context) error
}
