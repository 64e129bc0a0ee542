package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestAnalysis runs the agent and checks that throttled reads were retried,
// that both analyses found the same thing, and that the second one read the
// cached queries without a request to the log service.
func TestAnalysis(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	got := out.String()
	t.Log("\n" + got)

	first, second, ok := strings.Cut(got, "== follow-up")
	if !ok {
		t.Fatal("no follow-up analysis in the output")
	}
	second, down, ok := strings.Cut(second, "== the log service is down")
	if !ok {
		t.Fatal("no analysis during the outage in the output")
	}
	// Down: Groups fails after its 5 attempts and falls back to the last
	// list read; the queries are answered from the idempotency cache.
	for _, s := range []string{
		"LogSource.Groups failed (all 5 attempts failed; last attempt: DescribeLogGroups: ServiceUnavailableException: 503): answered by its fallback",
		"log service requests for this analysis: DescribeLogGroups 5, FilterLogEvents 0",
	} {
		if !strings.Contains(down, s) {
			t.Errorf("analysis during the outage lacks %q", s)
		}
	}
	if strings.Contains(first+second, "answered by its fallback") {
		t.Errorf("a fallback answered while the service was up")
	}
	for _, s := range []string{
		// The service's Retry-After of 1s sets the wait, not the 100ms
		// backoff.
		"the service asks to retry LogSource.Groups after 1s",
		"retry: LogSource.Groups attempt 1 failed: DescribeLogGroups: ThrottlingException: Rate exceeded",
		"retry: LogSource.Groups attempt 2 failed: DescribeLogGroups: ThrottlingException: Rate exceeded",
		// 2 throttled + 1 answered; 3 groups x 2 patterns.
		"log service requests for this analysis: DescribeLogGroups 3, FilterLogEvents 6",
	} {
		if !strings.Contains(first, s) {
			t.Errorf("first analysis lacks %q", s)
		}
	}
	// 9 requests, 5 a second with bursts of 5: after the burst and the
	// tokens that came during the hinted waits, some queries wait.
	if !strings.Contains(first, "LogSource.Filter waited for its turn under the rate limit") {
		t.Errorf("first analysis never waited under the rate limit")
	}
	// The group list is not cached; the six queries are.
	if !strings.Contains(second, "log service requests for this analysis: DescribeLogGroups 1, FilterLogEvents 0") {
		t.Errorf("second analysis called through for cached queries")
	}
	if n := strings.Count(second, "answered from the cache: no request"); n != 6 {
		t.Errorf("second analysis had %d cache hits, want 6", n)
	}
	if strings.Contains(first, "answered from the cache") {
		t.Errorf("first analysis had a cache hit before anything was read")
	}
	// Same findings both times.
	findingLines := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "x since ") || strings.Contains(l, "error events") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if a, b := findingLines(first), findingLines(second); a != b || a == "" {
		t.Errorf("findings differ between the analyses:\n%s\n---\n%s", a, b)
	}
	if a, c := findingLines(first), findingLines(down); a != c {
		t.Errorf("findings differ during the outage:\n%s\n---\n%s", a, c)
	}
	if !strings.Contains(first, "3x since 02:02:30: the database ran out of connections") {
		t.Errorf("the database's connection exhaustion was not found")
	}
}
