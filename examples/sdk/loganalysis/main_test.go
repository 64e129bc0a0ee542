package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go/middleware"

	"github.com/resilgen/resilgen/runtime"
)

// newMessages returns the wrapped MessageService of an SDK client talking
// to a new fake API, and the API.
func newMessages(t *testing.T) (*ResilientMessages, *fakeAPI) {
	t.Helper()
	api := newFakeAPI(fakeKey)
	t.Cleanup(api.Close)
	client := anthropic.NewClient(option.WithBaseURL(api.URL), option.WithAPIKey(fakeKey), option.WithMaxRetries(0))
	return NewResilientMessages(&client.Messages, runtime.WithStore(runtime.NewMemoryStore())), api
}

// TestSummaryRecorded checks that a recorded *anthropic.Message decodes
// with its content and usage on a hit: the same request with other request
// options is answered without a request, and the options of the call that
// ran reached the API.
func TestSummaryRecorded(t *testing.T) {
	ctx := context.Background()
	msgs, api := newMessages(t)
	params := summaryRequest("12:00:01 /ecs/checkout ERROR connection refused\n")

	first, err := msgs.New(ctx, params, option.WithHeader("anthropic-beta", "first-call"))
	if err != nil {
		t.Fatal(err)
	}
	if text(first) == "" || first.Usage.InputTokens == 0 || first.Usage.OutputTokens == 0 {
		t.Fatalf("the live message has no text or usage: %+v", first)
	}
	hit, err := msgs.New(ctx, params, option.WithHeader("anthropic-beta", "second-call"), option.WithRequestTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if n := api.Requests(); n != 1 {
		t.Errorf("the API got %d requests, want 1: the second call is a hit", n)
	}
	if got := api.Betas(); !reflect.DeepEqual(got, []string{"first-call"}) {
		t.Errorf("anthropic-beta headers the API saw: %q, want the first call's option", got)
	}
	if hit == first {
		t.Fatal("the hit returned the live *Message itself: it proves nothing about decoding")
	}
	if got, want := text(hit), text(first); got != want {
		t.Errorf("recorded text %q, want %q", got, want)
	}
	if len(hit.Content) != 1 || hit.Content[0].Type != "text" {
		t.Errorf("recorded content %+v, want one text block", hit.Content)
	}
	if hit.ID != first.ID || hit.Model != first.Model || hit.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("recorded id %q model %q stop %q, want %q %q end_turn", hit.ID, hit.Model, hit.StopReason, first.ID, first.Model)
	}
	if hit.Usage.InputTokens != first.Usage.InputTokens || hit.Usage.OutputTokens != first.Usage.OutputTokens {
		t.Errorf("recorded usage %d/%d, want %d/%d", hit.Usage.InputTokens, hit.Usage.OutputTokens, first.Usage.InputTokens, first.Usage.OutputTokens)
	}

	// Another prompt is another request.
	if _, err := msgs.New(ctx, summaryRequest("no errors\n")); err != nil {
		t.Fatal(err)
	}
	if n := api.Requests(); n != 2 {
		t.Errorf("the API got %d requests, want 2 after another prompt", n)
	}
}

// TestOverloadRetried checks that a 529 from the API is retried by the
// wrapper (the SDK's own retries are off) and that a 400 is not.
func TestOverloadRetried(t *testing.T) {
	ctx := context.Background()
	msgs, api := newMessages(t)
	api.overloadNext(1)
	if _, err := msgs.New(ctx, summaryRequest("x\n")); err != nil {
		t.Fatalf("after one 529: %v", err)
	}
	if n := api.Requests(); n != 2 {
		t.Errorf("the API got %d requests, want 2: one 529, one retry", n)
	}
	bad := summaryRequest("x\n")
	bad.MaxTokens = 0 // the fake answers 400
	if _, err := msgs.New(ctx, bad); err == nil || overloaded(err) {
		t.Fatalf("max_tokens 0: %v, want a 400", err)
	}
	if n := api.Requests(); n != 3 {
		t.Errorf("the API got %d requests, want 3: a 400 is not retried", n)
	}
}

// TestQueryCached checks FilterLogEvents' cache: the same query with other
// call options is answered from the record, without ResultMetadata; a
// throttled request is retried.
func TestQueryCached(t *testing.T) {
	ctx := context.Background()
	incident := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	svc := newSimLogs(incident)
	logs := NewResilientLogs(svc)
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:  aws.String("/ecs/checkout"),
		FilterPattern: aws.String("ERROR"),
		StartTime:     aws.Int64(incident.Add(-time.Minute).UnixMilli()),
		EndTime:       aws.Int64(incident.Add(time.Hour).UnixMilli()),
	}
	svc.throttleNext(1)
	first, err := logs.FilterLogEvents(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	first.ResultMetadata.Set("request", "live")
	again, err := logs.FilterLogEvents(ctx, in, func(o *cloudwatchlogs.Options) { o.Region = "eu-central-1" })
	if err != nil {
		t.Fatal(err)
	}
	if n := svc.Requests()["FilterLogEvents"]; n != 2 {
		t.Errorf("FilterLogEvents got %d requests, want 2: one throttled, one retry, then a hit", n)
	}
	if len(again.Events) != 2 || aws.ToString(again.Events[1].Message) != aws.ToString(first.Events[1].Message) {
		t.Errorf("recorded events %+v, want the first call's %+v", again.Events, first.Events)
	}
	if !reflect.DeepEqual(again.ResultMetadata, middleware.Metadata{}) {
		t.Errorf("recorded ResultMetadata %+v, want zero", again.ResultMetadata)
	}
}

// TestRun runs the program: the first analysis retries the throttled log
// requests and the overloaded model call; the follow-up costs no log query
// and no model call.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), "", &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	t.Logf("output:\n%s", &out)
	first, followUp, ok := strings.Cut(out.String(), "== follow-up")
	if !ok {
		t.Fatalf("no follow-up in\n%s", &out)
	}
	for _, want := range []string{
		"retry: Logs.DescribeLogGroups attempt 1 failed: api error ThrottlingException",
		"retry: Messages.New attempt 1 failed:",
		"/aws/rds/orders-db: 2 error events",
		"earliest, likely the cause: 02:00:00 /aws/rds/orders-db FATAL: remaining connection slots",
		"cost: DescribeLogGroups 3, FilterLogEvents 3, Messages API 2 requests",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first analysis: no %q", want)
		}
	}
	for _, want := range []string{
		"Logs.FilterLogEvents answered from its record: no request",
		"Messages.New answered from its record: no request",
		"cost: DescribeLogGroups 1, FilterLogEvents 0, Messages API 0 requests",
	} {
		if !strings.Contains(followUp, want) {
			t.Errorf("follow-up: no %q", want)
		}
	}
}
