// Command loganalysis reads the CloudWatch Logs around an incident and asks
// Claude, through the Anthropic SDK, what they show. Its log queries only
// read: they are retried through throttling and, over a closed time window,
// cached by query. The summary is idempotent by its request: a follow-up
// look at the same incident costs neither log requests nor a model call.
//
//	go run ./loganalysis                          simulated logs, local API
//	ANTHROPIC_API_KEY=... go run ./loganalysis    simulated logs, real API
//
// By default the Anthropic SDK's own HTTP client talks to a local stand-in
// for the Messages API (fakeapi.go) that answers the first request with 529
// Overloaded, and the log service throttles the first two requests.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/resilgen/resilgen/runtime"
)

func main() {
	if err := run(context.Background(), os.Getenv("ANTHROPIC_API_KEY"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loganalysis:", err)
		os.Exit(1)
	}
}

// fakeKey is the API key the local API accepts.
const fakeKey = "sk-ant-api03-local-test-key"

// run analyses the incident twice, as an agent does when it is asked a
// follow-up question, and prints what each analysis cost. With an empty
// apiKey the Anthropic SDK talks to a local fake API.
func run(ctx context.Context, apiKey string, out io.Writer) error {
	incident := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	svc := newSimLogs(incident)
	svc.throttleNext(2)
	// The SDK retries on its own; leave retrying to the wrapper's policies.
	opts := []option.RequestOption{option.WithMaxRetries(0)}
	var api *fakeAPI
	if apiKey == "" {
		api = newFakeAPI(fakeKey)
		defer api.Close()
		api.overloadNext(1)
		opts = append(opts, option.WithBaseURL(api.URL), option.WithAPIKey(fakeKey))
	} else {
		opts = append(opts, option.WithAPIKey(apiKey))
	}
	client := anthropic.NewClient(opts...)

	obs := runtime.WithObserver(eventPrinter{out})
	a := analyst{logs: NewResilientLogs(svc, obs), messages: NewResilientMessages(&client.Messages, obs)}
	window := [2]time.Time{incident.Add(-5 * time.Minute), incident.Add(25 * time.Minute)}
	for i, title := range []string{
		fmt.Sprintf("analysis of the incident of %s", incident.Format(time.DateTime)),
		`follow-up: "is the database the root cause?" reads the same window again`,
	} {
		if i > 0 {
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "== %s\n", title)
		logsBefore, apiBefore := svc.Requests(), requests(api)
		summary, err := a.analyse(ctx, window, out)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "summary (%d input, %d output tokens): %s\n", summary.Usage.InputTokens, summary.Usage.OutputTokens, text(summary))
		logsAfter := svc.Requests()
		fmt.Fprintf(out, "cost: DescribeLogGroups %d, FilterLogEvents %d, Messages API %d requests\n",
			logsAfter["DescribeLogGroups"]-logsBefore["DescribeLogGroups"],
			logsAfter["FilterLogEvents"]-logsBefore["FilterLogEvents"], requests(api)-apiBefore)
	}
	return nil
}

// requests is how many requests the fake API received; 0 without one.
func requests(api *fakeAPI) int {
	if api == nil {
		return 0
	}
	return api.Requests()
}

// analyst reads logs and asks a model about them.
type analyst struct {
	logs     Logs
	messages Messages
}

// analyse reads the error lines of every log group in window, earliest
// first, and asks the model what they show.
func (a analyst) analyse(ctx context.Context, window [2]time.Time, out io.Writer) (*anthropic.Message, error) {
	groups, err := a.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/")})
	if err != nil {
		return nil, fmt.Errorf("listing log groups: %w", err)
	}
	type line struct {
		at   int64
		text string
	}
	var lines []line
	for _, g := range groups.LogGroups {
		name := aws.ToString(g.LogGroupName)
		res, err := a.logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName:  g.LogGroupName,
			FilterPattern: aws.String("?ERROR ?FATAL"),
			StartTime:     aws.Int64(window[0].UnixMilli()),
			EndTime:       aws.Int64(window[1].UnixMilli()),
		})
		if err != nil {
			return nil, fmt.Errorf("reading the errors of %s: %w", name, err)
		}
		fmt.Fprintf(out, "%s: %d error events\n", name, len(res.Events))
		for _, e := range res.Events {
			at := aws.ToInt64(e.Timestamp)
			lines = append(lines, line{at, fmt.Sprintf("%s %s %s", time.UnixMilli(at).UTC().Format(time.TimeOnly), name, aws.ToString(e.Message))})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at < lines[j].at })
	var prompt strings.Builder
	prompt.WriteString("These are the error lines of our services around an incident, earliest first. What is the likely cause?\n\n")
	for _, l := range lines {
		prompt.WriteString(l.text + "\n")
	}
	msg, err := a.messages.New(ctx, summaryRequest(prompt.String()), option.WithRequestTimeout(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("summarising %d lines: %w", len(lines), err)
	}
	return msg, nil
}

// summaryRequest is the Messages request that asks about prompt.
func summaryRequest(prompt string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.ModelClaudeHaiku4_5,
		MaxTokens: 512,
		System:    []anthropic.TextBlockParam{{Text: "You are an SRE. Answer in two sentences."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(prompt))},
	}
}

// text is the text of a message's text blocks.
func text(m *anthropic.Message) string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// eventPrinter prints the retries, breaker changes and cache hits.
type eventPrinter struct{ out io.Writer }

// Observe implements runtime.Observer.
func (p eventPrinter) Observe(ctx context.Context, e runtime.Event) {
	switch e.Kind {
	case runtime.EventRetry:
		msg, _, _ := strings.Cut(fmt.Sprint(e.Err), "\n")
		fmt.Fprintf(p.out, "    retry: %s.%s attempt %d failed: %s\n", e.Interface, e.Method, e.Attempt, msg)
	case runtime.EventIdempotentHit:
		fmt.Fprintf(p.out, "    %s.%s answered from its record: no request\n", e.Interface, e.Method)
	case runtime.EventStateChange:
		fmt.Fprintf(p.out, "    breaker %s: %v -> %v\n", e.Breaker, e.From, e.To)
	}
}
