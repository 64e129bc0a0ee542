// Package openaichat wraps the OpenAI SDK's chat completions in their own
// signature, so that an agent's repeated question is answered from its
// record instead of a second paid request.
package openaichat

//go:generate go run github.com/resilgen/resilgen/cmd/resilgen

import (
	"context"
	"errors"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Completions is the OpenAI SDK's ChatCompletionService.New:
// &client.Chat.Completions implements it.
//
// A completion is idempotent by its request: the same model and messages
// get the recorded completion (choices and usage) without a request,
// whatever the per-call request options. Rate-limited and failing requests
// are retried (give the client option.WithMaxRetries(0) to leave retrying
// to these policies), behind a breaker.
//
//resil:idempotent ttl=1h
//resil:retry attempts=3 base=100ms max=2s if=retryable
//resil:breaker threshold=5 timeout=30s if=retryable
type Completions interface {
	// New creates a chat completion.
	New(ctx context.Context, body openai.ChatCompletionNewParams, opts ...option.RequestOption) (*openai.ChatCompletion, error)
}

// Completions is the SDK's own.
var _ Completions = (*openai.ChatCompletionService)(nil)

// retryable reports whether err is the API saying it cannot serve now:
// rate limited (429) or failing (5xx). Other errors (a bad request, a bad
// key) are the caller's and neither retried nor counted by the breaker.
func retryable(err error) bool {
	var ae *openai.Error
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500)
}
