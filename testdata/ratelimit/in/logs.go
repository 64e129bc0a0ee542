// Package logs queries a log service that limits its clients' rate and
// answers 429 with a Retry-After.
package logs

import (
	"context"
	"errors"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// ThrottledError is the service's 429, with its Retry-After header.
type ThrottledError struct{ RetryAfter string }

func (e *ThrottledError) Error() string { return "429 Too Many Requests" }

// throttleHint reads the Retry-After of a ThrottledError.
func throttleHint(err error) (time.Duration, bool) {
	var e *ThrottledError
	if errors.As(err, &e) {
		return runtime.ParseRetryAfter(e.RetryAfter, time.Now())
	}
	return 0, false
}

// Logs shares one limit among its methods (shared: one for the fleet once
// there is one, this process's until then); Export has a stricter one of
// its own, and waits for its token.
//
//resil:ratelimit rate=5 per=1s burst=5 shared
//resil:readonly
type Logs interface {
	//resil:retry attempts=3 base=100ms jitter=none after=throttleHint
	Query(ctx context.Context, q string) ([]string, error)
	Tail(ctx context.Context, group string) (string, error)
	//resil:ratelimit rate=1 per=1m burst=1 wait=10s
	Export(ctx context.Context, group string) error
}
