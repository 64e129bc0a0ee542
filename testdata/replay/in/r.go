// Package r has idempotent methods of the shapes Replay answers on a hit
// (scalar arguments and results) beside some it leaves to the slow path.
package r

import "context"

// Options stands for an SDK's options, changed by a call's optFns.
type Options struct{ Region string }

// Point is a result Replay does not decode.
type Point struct{ X, Y int }

// Lookup is idempotent, by key or by arguments.
//
//resil:idempotent
type Lookup interface {
	// Get is the common shape: a string key, an int result.
	//
	//resil:idempotent key=id
	Get(ctx context.Context, id string) (int, error)
	// ByToken is keyed through a pointer: a nil token keys the call by
	// its arguments.
	//
	//resil:idempotent key=token
	ByToken(ctx context.Context, token *string, n int64) (string, error)
	// ByNumber is keyed by an integer, formatted once.
	//
	//resil:idempotent key=n
	ByNumber(ctx context.Context, n int64) (bool, error)
	// ByArgs is keyed by its arguments.
	ByArgs(ctx context.Context, a int, on bool) (int32, error)
	// Put has no result but the error.
	//
	//resil:idempotent key=id
	Put(ctx context.Context, id string) error
	// WithOpts passes its call options on, outside the fingerprint.
	//
	//resil:idempotent key=id
	WithOpts(ctx context.Context, id string, optFns ...func(*Options)) (string, error)
	// Cached falls back when the breaker rejects.
	//
	//resil:idempotent key=id
	//resil:breaker threshold=1 timeout=1m
	//resil:retry attempts=1 unsafe
	//resil:fallback cachedZero
	Cached(ctx context.Context, id string) (int, error)
	// Where has a struct result: no Replay.
	Where(ctx context.Context, id string) (Point, error)
	// Bounded has a bulkhead, which comes before the lookup: no Replay.
	//
	//resil:bulkhead max=1
	Bounded(ctx context.Context, id string) (int, error)
}

// cachedZero is Cached's fallback.
func cachedZero(ctx context.Context, id string, err error) (int, error) { return -1, nil }
