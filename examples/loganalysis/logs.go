package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"
	"time"
)

// Query selects the events of one log group that match a filter pattern
// inside a time window, as CloudWatch Logs' FilterLogEvents does.
type Query struct {
	Group   string    `json:"group"`
	Pattern string    `json:"pattern"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// String identifies the query; it is the key its results are cached under.
func (q Query) String() string {
	return q.Group + " " + q.Pattern + " " + q.Start.UTC().Format(time.RFC3339) + "/" + q.End.UTC().Format(time.RFC3339)
}

// Event is one log event.
type Event struct {
	Time    time.Time `json:"time"`
	Stream  string    `json:"stream"`
	Message string    `json:"message"`
}

// LogSource reads a log service with rate limits, the chapter's Scenario 3.
// Every call is a read: safe to retry as often as it takes (5 tries, reads
// are cheap), and guarded by a breaker that opens after 10 failures for 30s
// so that an agent stuck in a loop does not spend the account's whole rate
// limit on a service that is throttling it. When the service is down, each
// read falls back to the last answer the agent got (lastGroups, lastEvents).
//
// The agent keeps under the service's quota itself: at most 5 requests a
// second (FilterLogEvents' quota), retries included, a request waiting up
// to 2s for its turn. When the service throttles anyway and says when to
// come back (Retry-After, read by throttleDelay), the retry waits that long.
//
//resil:breaker threshold=10 timeout=30s
//resil:retry attempts=5 base=100ms max=2s after=throttleDelay
//resil:ratelimit rate=5 per=1s burst=5 wait=2s
type LogSource interface {
	// Groups lists the log groups whose names start with prefix. Its answer
	// changes as services come and go, so it is not cached.
	//
	//resil:readonly
	//resil:fallback lastGroups on=failed
	Groups(ctx context.Context, prefix string) ([]string, error)

	// Filter returns the events q selects. The result of a closed time
	// window does not change, so it is cached under the query for 15
	// minutes: reading it again, for a follow-up question about the same
	// incident, costs no request.
	//
	//resil:readonly
	//resil:idempotent key=q ttl=15m
	//resil:fallback lastEvents on=failed
	Filter(ctx context.Context, q Query) ([]Event, error)
}
