// Package logs answers from a cache when the log API is down.
package logs

import (
	"context"
	"errors"
)

// Summary is what Query returns.
type Summary struct {
	Lines  int
	Cached bool
}

// Logs reads a log API.
type Logs interface {
	// Query falls back when the breaker rejects the call.
	//
	//resil:breaker threshold=1 timeout=1m
	//resil:fallback cachedSummary
	Query(ctx context.Context, service string) (Summary, error)
	// Tail falls back on any failure.
	//
	//resil:fallback lastLines on=failed
	Tail(ctx context.Context, service string, n int) ([]string, int, error)
	// Ping has no results but its error.
	//
	//resil:fallback pingDown on=failed
	Ping(ctx context.Context) error
	// Summarize is a workflow step: its fallback's answer is not
	// journaled, so a resumed workflow calls through again.
	//
	//resil:checkpoint
	//resil:fallback cachedSummary on=failed
	Summarize(ctx context.Context, service string) (Summary, error)
	// Grep is variadic, and has no ctx.
	//
	//resil:fallback grepNothing on=failed
	Grep(pattern string, services ...string) ([]string, error)
}

// cachedSummary is Query's last good answer.
func cachedSummary(ctx context.Context, service string, err error) (Summary, error) {
	return Summary{Lines: 7, Cached: true}, nil
}

func lastLines(ctx context.Context, service string, n int, err error) ([]string, int, error) {
	return []string{"cached"}, n, nil
}

// ErrDown is what pingDown reports.
var ErrDown = errors.New("log API down")

func pingDown(ctx context.Context, err error) error { return errors.Join(ErrDown, err) }

func grepNothing(pattern string, services []string, err error) ([]string, error) {
	return append([]string{pattern}, services...), nil
}
