package main

import (
	"context"
	"errors"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// simLogs is a log service in memory with CloudWatch Logs' manners: it
// throttles bursts ("Rate exceeded") and counts the requests it receives,
// so the program can show which reads reached it.
type simLogs struct {
	mu     sync.Mutex
	events map[string][]Event // by log group
	// throttle is the number of upcoming requests that are throttled.
	throttle int
	// down makes every request fail, as during an outage.
	down bool
	// requests counts the requests received, by operation.
	requests map[string]int
}

// throttlingError is the service refusing a request over its rate limit,
// with the HTTP response's Retry-After header.
type throttlingError struct{ op, retryAfter string }

func (e *throttlingError) Error() string {
	return e.op + ": ThrottlingException: Rate exceeded"
}

// throttleDelay reads the Retry-After of a throttled request: seconds, or
// an HTTP date. //resil:retry after=throttleDelay on LogSource waits at
// least that long before the next try.
func throttleDelay(err error) (time.Duration, bool) {
	var te *throttlingError
	if errors.As(err, &te) {
		return runtime.ParseRetryAfter(te.retryAfter, time.Now())
	}
	return 0, false
}

// ErrorType names the error for OpenTelemetry's error.type attribute.
func (e *throttlingError) ErrorType() string { return "ThrottlingException" }

// unavailableError is the service answering 503 during an outage.
type unavailableError struct{ op string }

func (e *unavailableError) Error() string {
	return e.op + ": ServiceUnavailableException: 503"
}

// ErrorType names the error for OpenTelemetry's error.type attribute.
func (e *unavailableError) ErrorType() string { return "ServiceUnavailableException" }

// newSimLogs returns a service holding the logs of a night when the checkout
// service ran out of memory and lost its database.
func newSimLogs(incident time.Time) *simLogs {
	s := &simLogs{events: map[string][]Event{}, requests: map[string]int{}}
	add := func(group, stream string, at time.Duration, every time.Duration, n int, msg string) {
		for i := range n {
			s.events[group] = append(s.events[group], Event{
				Time: incident.Add(at + time.Duration(i)*every), Stream: stream, Message: msg,
			})
		}
	}
	add("/eks/shop/checkout", "checkout-7d9f5", 0, 40*time.Second, 18, "ERROR container killed: OOMKilled (limit 512Mi)")
	add("/eks/shop/checkout", "checkout-7d9f5", 3*time.Minute, 15*time.Second, 40, "ERROR payment capture failed: dial tcp 10.0.3.12:5432: connect: connection refused")
	add("/eks/shop/checkout", "checkout-7d9f5", 0, time.Minute, 30, "INFO GET /healthz 200")
	add("/eks/shop/cart", "cart-5c2fb", 4*time.Minute, 30*time.Second, 12, "ERROR reserve stock: context deadline exceeded")
	add("/eks/shop/cart", "cart-5c2fb", 0, time.Minute, 30, "INFO GET /healthz 200")
	add("/rds/orders-db", "orders-db-1", 2*time.Minute+30*time.Second, time.Minute, 3, "FATAL: remaining connection slots are reserved for non-replication superuser connections")
	add("/rds/orders-db", "orders-db-1", 0, 5*time.Minute, 6, "LOG: checkpoint complete")
	return s
}

// request counts a request to op and throttles it when a burst is due.
func (s *simLogs) request(op string) error {
	s.requests[op]++
	if s.down {
		return &unavailableError{op: op}
	}
	if s.throttle > 0 {
		s.throttle--
		return &throttlingError{op: op, retryAfter: "1"}
	}
	return nil
}

// Groups implements LogSource.
func (s *simLogs) Groups(ctx context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.request("DescribeLogGroups"); err != nil {
		return nil, err
	}
	var groups []string
	for g := range s.events {
		if strings.HasPrefix(g, prefix) {
			groups = append(groups, g)
		}
	}
	sort.Strings(groups)
	return groups, nil
}

// Filter implements LogSource. The pattern is a plain substring, the
// simplest of CloudWatch's filter patterns.
func (s *simLogs) Filter(ctx context.Context, q Query) ([]Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.request("FilterLogEvents"); err != nil {
		return nil, err
	}
	var out []Event
	for _, e := range s.events[q.Group] {
		if !e.Time.Before(q.Start) && e.Time.Before(q.End) && strings.Contains(e.Message, q.Pattern) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// throttleNext makes the next n requests fail with ThrottlingException.
func (s *simLogs) throttleNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// setDown starts or ends an outage: while down, every request fails.
func (s *simLogs) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Requests returns how many requests the service received, by operation,
// throttled ones included.
func (s *simLogs) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}
