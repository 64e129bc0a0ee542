// Command loganalysis is the chapter's Scenario 3: an agent that reads the
// logs around an incident and suggests fixes. Its calls only read, so they
// are retried freely (5 tries) behind a breaker (10 failures open it for
// 30s), and the results of a query over a closed time window are cached
// under the query, through resilgen's idempotency: a second look at the
// same incident costs no request. The agent keeps itself under the
// service's quota (5 requests a second, retries included) and, when the
// service throttles it anyway, waits as long as its Retry-After says. When
// the log service goes down, each read falls back to the last answer the
// agent got (//resil:fallback), so a third look still answers.
//
//	go run ./examples/loganalysis
//
// The log service is simulated: it throttles the first requests of a burst
// and counts every request it receives, which the program prints.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loganalysis:", err)
		os.Exit(1)
	}
}

// run analyses the incident twice, as an agent does when it is asked a
// follow-up question, and prints the findings and the service's request
// counts after each.
func run(ctx context.Context, out io.Writer) error {
	incident := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	svc := newSimLogs(incident)
	logs := NewResilientLogSource(svc, runtime.WithObserver(eventPrinter{out}))
	// The agent keeps the last answers it got, for the fallbacks.
	ctx = withAnswers(ctx, newAnswers())
	window := [2]time.Time{incident.Add(-5 * time.Minute), incident.Add(25 * time.Minute)}

	fmt.Fprintf(out, "== analysis of the incident of %s (the service throttles the first 2 requests)\n", incident.Format(time.DateTime))
	svc.throttleNext(2)
	before := svc.Requests()
	if err := analyse(ctx, logs, window, out); err != nil {
		return err
	}
	printRequests(out, before, svc.Requests())

	fmt.Fprintf(out, "\n== follow-up: \"is the database the root cause?\" reads the same window again\n")
	before = svc.Requests()
	if err := analyse(ctx, logs, window, out); err != nil {
		return err
	}
	printRequests(out, before, svc.Requests())

	fmt.Fprintf(out, "\n== the log service is down: the group list falls back to the last one read\n")
	svc.setDown(true)
	defer svc.setDown(false)
	before = svc.Requests()
	if err := analyse(ctx, logs, window, out); err != nil {
		return err
	}
	printRequests(out, before, svc.Requests())
	return nil
}

// printRequests prints the requests the log service received between two
// counts: the dependency's own view of what the analysis cost.
func printRequests(out io.Writer, before, after map[string]int) {
	fmt.Fprintf(out, "log service requests for this analysis: DescribeLogGroups %d, FilterLogEvents %d\n",
		after["DescribeLogGroups"]-before["DescribeLogGroups"], after["FilterLogEvents"]-before["FilterLogEvents"])
}

// analyse reads the error events of every group in window and prints what
// they suggest.
func analyse(ctx context.Context, logs LogSource, window [2]time.Time, out io.Writer) error {
	groups, err := logs.Groups(ctx, "/")
	if err != nil {
		return fmt.Errorf("listing log groups: %w", err)
	}
	answersFrom(ctx).keepGroups("/", groups)
	for _, g := range groups {
		var events []Event
		for _, pattern := range []string{"ERROR", "FATAL"} {
			ev, err := logs.Filter(ctx, Query{Group: g, Pattern: pattern, Start: window[0], End: window[1]})
			if err != nil {
				return fmt.Errorf("reading %s events of %s: %w", pattern, g, err)
			}
			answersFrom(ctx).keepEvents(Query{Group: g, Pattern: pattern, Start: window[0], End: window[1]}, ev)
			events = append(events, ev...)
		}
		fmt.Fprintf(out, "%s: %d error events\n", g, len(events))
		for _, f := range findings(events) {
			fmt.Fprintf(out, "  %s\n", f)
		}
	}
	return nil
}

// rules map a telltale substring of a log message to what it suggests.
var rules = []struct{ match, finding string }{
	{"OOMKilled", "out of memory: raise the memory limit (the pod remediation agent can set it)"},
	{"connection refused", "cannot reach its database: check that the database accepts connections"},
	{"remaining connection slots are reserved", "the database ran out of connections: lower the clients' pool sizes or raise max_connections"},
	{"context deadline exceeded", "calls time out: look at what it calls (likely the same database)"},
}

// findings returns one line per rule the events match, with how many events
// matched it and when the first did, earliest first: the first symptom is
// the best guess at the cause.
func findings(events []Event) []string {
	type hit struct {
		finding string
		n       int
		first   time.Time
	}
	var hits []hit
	for _, r := range rules {
		h := hit{finding: r.finding}
		for _, e := range events {
			if strings.Contains(e.Message, r.match) {
				if h.n == 0 || e.Time.Before(h.first) {
					h.first = e.Time
				}
				h.n++
			}
		}
		if h.n > 0 {
			hits = append(hits, h)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].first.Before(hits[j].first) })
	lines := make([]string, len(hits))
	for i, h := range hits {
		lines[i] = fmt.Sprintf("%dx since %s: %s", h.n, h.first.Format(time.TimeOnly), h.finding)
	}
	return lines
}

// eventPrinter prints the retries and the cache hits.
type eventPrinter struct{ out io.Writer }

// Observe implements runtime.Observer.
func (p eventPrinter) Observe(ctx context.Context, e runtime.Event) {
	switch e.Kind {
	case runtime.EventRetry:
		fmt.Fprintf(p.out, "    retry: %s.%s attempt %d failed: %v\n", e.Interface, e.Method, e.Attempt, e.Err)
	case runtime.EventRetryAfter:
		fmt.Fprintf(p.out, "    the service asks to retry %s.%s after %v\n", e.Interface, e.Method, e.Delay)
	case runtime.EventRateLimited:
		// The wait's length depends on the machine's speed; that there
		// was one does not.
		fmt.Fprintf(p.out, "    %s.%s waited for its turn under the rate limit\n", e.Interface, e.Method)
	case runtime.EventIdempotentHit:
		fmt.Fprintf(p.out, "    %s.%s(%s) answered from the cache: no request\n", e.Interface, e.Method, e.Key)
	case runtime.EventStateChange:
		fmt.Fprintf(p.out, "    breaker %s: %v -> %v\n", e.Breaker, e.From, e.To)
	case runtime.EventFallback:
		fmt.Fprintf(p.out, "    %s.%s failed (%v): answered by its fallback\n", e.Interface, e.Method, e.Err)
	}
}
