package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
)

// simLogs is CloudWatch Logs in memory: log groups holding the events
// around an incident, answered with the SDK's own output types. It counts
// the requests it receives and can throttle.
type simLogs struct {
	groups []string
	events map[string][]types.FilteredLogEvent

	mu       sync.Mutex
	requests map[string]int
	throttle int
}

var _ Logs = (*simLogs)(nil)

// newSimLogs returns a service holding the logs of an incident at t: the
// orders database runs out of connections, then checkout cannot reach it,
// then a worker is OOM-killed.
func newSimLogs(t time.Time) *simLogs {
	s := &simLogs{events: map[string][]types.FilteredLogEvent{}, requests: map[string]int{}}
	add := func(group, stream string, after time.Duration, msg string) {
		if _, ok := s.events[group]; !ok {
			s.groups = append(s.groups, group)
		}
		ts := t.Add(after).UnixMilli()
		s.events[group] = append(s.events[group], types.FilteredLogEvent{
			EventId:       aws.String(fmt.Sprintf("%d%04d", ts, len(s.events[group]))),
			LogStreamName: aws.String(stream),
			Message:       aws.String(msg),
			Timestamp:     aws.Int64(ts),
			IngestionTime: aws.Int64(ts + 800),
		})
	}
	add("/aws/rds/orders-db", "postgresql", -2*time.Minute, "LOG: checkpoint complete")
	add("/aws/rds/orders-db", "postgresql", 0, "FATAL: remaining connection slots are reserved for roles with the SUPERUSER attribute")
	add("/aws/rds/orders-db", "postgresql", 40*time.Second, "FATAL: remaining connection slots are reserved for roles with the SUPERUSER attribute")
	add("/ecs/checkout", "checkout/web/1a2b", 30*time.Second, "ERROR dial tcp 10.0.3.12:5432: connect: connection refused")
	add("/ecs/checkout", "checkout/web/1a2b", 90*time.Second, "ERROR POST /orders: context deadline exceeded")
	add("/ecs/checkout", "checkout/web/1a2b", 2*time.Minute, "INFO GET /health 200")
	add("/ecs/worker", "worker/7f3c", 5*time.Minute, "ERROR container killed: OOMKilled")
	add("/ecs/worker", "worker/7f3c", time.Hour, "ERROR container killed: OOMKilled")
	return s
}

// throttleNext makes the next n requests fail with ThrottlingException.
func (s *simLogs) throttleNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Requests returns how many requests each operation received.
func (s *simLogs) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.requests))
	for op, n := range s.requests {
		m[op] = n
	}
	return m
}

// request counts a request to op and returns the error of a throttled one.
func (s *simLogs) request(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[op]++
	if s.throttle > 0 {
		s.throttle--
		return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded", Fault: smithy.FaultClient}
	}
	return nil
}

// DescribeLogGroups implements Logs.
func (s *simLogs) DescribeLogGroups(ctx context.Context, params *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	if err := s.request("DescribeLogGroups"); err != nil {
		return nil, err
	}
	out := &cloudwatchlogs.DescribeLogGroupsOutput{}
	for _, g := range s.groups {
		if strings.HasPrefix(g, aws.ToString(params.LogGroupNamePrefix)) {
			out.LogGroups = append(out.LogGroups, types.LogGroup{LogGroupName: aws.String(g), LogGroupClass: types.LogGroupClassStandard, RetentionInDays: aws.Int32(30)})
		}
	}
	return out, nil
}

// FilterLogEvents implements Logs. A pattern is terms that must all occur
// in a message, or, each prefixed with ?, of which one must, as in
// CloudWatch's filter syntax for unstructured logs.
func (s *simLogs) FilterLogEvents(ctx context.Context, params *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	if err := s.request("FilterLogEvents"); err != nil {
		return nil, err
	}
	group := aws.ToString(params.LogGroupName)
	events, ok := s.events[group]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "The specified log group does not exist.", Fault: smithy.FaultClient}
	}
	out := &cloudwatchlogs.FilterLogEventsOutput{}
	for _, e := range events {
		ts := aws.ToInt64(e.Timestamp)
		if params.StartTime != nil && ts < *params.StartTime || params.EndTime != nil && ts >= *params.EndTime {
			continue
		}
		if matches(aws.ToString(params.FilterPattern), aws.ToString(e.Message)) {
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

// matches reports whether msg matches the filter pattern.
func matches(pattern, msg string) bool {
	terms := strings.Fields(pattern)
	any, all := false, true
	for _, t := range terms {
		if alt, ok := strings.CutPrefix(t, "?"); ok {
			any = any || strings.Contains(msg, alt)
			continue
		}
		all = all && strings.Contains(msg, t)
		any = true
	}
	return len(terms) == 0 || any && all
}
