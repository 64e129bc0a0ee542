package main

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
)

// Logs is the part of the CloudWatch Logs API the agent reads, in the AWS
// SDK's own signatures: *cloudwatchlogs.Client implements it, and so does
// the simulated service.
//
// Every call is a read: retried through throttling (5 tries; reads are
// cheap), behind a breaker that opens after 10 failures for 30s so that an
// agent stuck in a loop does not spend the account's whole rate limit on a
// service that is throttling it. Give the real client
// `func(o *cloudwatchlogs.Options) { o.Retryer = aws.NopRetryer{} }` to
// leave retrying to these policies.
//
//resil:breaker threshold=10 timeout=30s
//resil:retry attempts=5 base=50ms max=1s if=throttled
//resil:readonly
type Logs interface {
	// DescribeLogGroups lists log groups. Its answer changes as services
	// come and go, so it is not cached.
	DescribeLogGroups(ctx context.Context, params *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)

	// FilterLogEvents returns the events a query selects. The events of a
	// closed time window do not change, so the output is cached under the
	// query (the whole input; the call options are not part of it) for 15
	// minutes, without its ResultMetadata.
	//
	//resil:idempotent ttl=15m
	//resil:omit ResultMetadata
	FilterLogEvents(ctx context.Context, params *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// Logs is the SDK's own.
var _ Logs = (*cloudwatchlogs.Client)(nil)

// throttled reports whether err is CloudWatch Logs refusing a request for
// now: throttling, or the service unavailable. Others (a missing log group,
// a bad filter pattern) are answers, not retried.
func throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ThrottlingException", "LimitExceededException", "ServiceUnavailableException":
		return true
	}
	return false
}
