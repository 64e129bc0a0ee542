package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// Messages is the Anthropic SDK's MessageService.New, which the agent asks
// to summarise what the logs show, in the SDK's own signature:
// &client.Messages implements it.
//
// A summary is idempotent by its request: the same model, prompt and log
// lines get the recorded message (content and usage) without a request,
// whatever the per-call request options. Overloaded and rate-limited
// requests are retried (give the client option.WithMaxRetries(0) to leave
// retrying to these policies), behind a breaker.
//
//resil:idempotent ttl=1h
//resil:retry attempts=3 base=100ms max=2s if=overloaded
//resil:breaker threshold=5 timeout=30s if=overloaded
type Messages interface {
	// New sends a Messages API request.
	New(ctx context.Context, params anthropic.MessageNewParams, opts ...option.RequestOption) (*anthropic.Message, error)
}

// Messages is the SDK's own.
var _ Messages = (*anthropic.MessageService)(nil)

// overloaded reports whether err is the API saying it cannot serve now:
// rate limited (429), overloaded (529) or failing (5xx).
func overloaded(err error) bool {
	var ae *anthropic.Error
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500)
}
