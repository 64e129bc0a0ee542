package openaichat

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// fakeAPI is a local stand-in for the chat completions endpoint, so that
// the SDK's own client runs its whole request path against it. It answers
// the first limited requests with 429, and notes each request's headers.
type fakeAPI struct {
	*httptest.Server

	mu      sync.Mutex
	calls   int
	limited int
	traces  []string
}

func newFakeAPI(t *testing.T, limited int) *fakeAPI {
	f := &fakeAPI{limited: limited}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls++
		f.traces = append(f.traces, r.Header.Get("X-Trace"))
		limited := f.limited > 0
		if limited {
			f.limited--
		}
		f.mu.Unlock()
		if r.URL.Path != "/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if limited {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"message":"slow down","type":"rate_limit_error"}}`))
			return
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1764720000, "model": req.Model,
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": "answer to " + req.Messages[0].Content},
			}},
			"usage": map[string]any{"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
		})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, append([]string(nil), f.traces...)
}

func question(q string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    openai.ChatModelGPT4oMini,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
	}
}

// TestRecordedCompletion runs the SDK's real client against the local API:
// a 429 is retried, the completion is recorded, and the same question with
// other request options is answered from the record (content, usage, id)
// without a request; another question is a request of its own.
func TestRecordedCompletion(t *testing.T) {
	api := newFakeAPI(t, 1)
	client := openai.NewClient(option.WithBaseURL(api.URL), option.WithAPIKey("sk-test"), option.WithMaxRetries(0))
	// The system clock: the one backoff after the 429 is at most 100ms.
	chat := NewResilientCompletions(&client.Chat.Completions)
	ctx := context.Background()

	first, err := chat.New(ctx, question("why is the pod restarting?"), option.WithHeader("X-Trace", "a"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := chat.New(ctx, question("why is the pod restarting?"), option.WithHeader("X-Trace", "b"))
	if err != nil {
		t.Fatal(err)
	}
	n, traces := api.requests()
	if n != 2 || traces[0] != "a" || traces[1] != "a" {
		t.Fatalf("the API got %d requests with traces %q; want the 429 and its retry, both with the first call's option", n, traces)
	}
	if again == first {
		t.Fatal("the hit returned the first call's own pointer, want a decoded copy")
	}
	if again.ID != "chatcmpl-1" || len(again.Choices) != 1 ||
		again.Choices[0].Message.Content != "answer to why is the pod restarting?" ||
		again.Choices[0].FinishReason != "stop" || again.Usage.TotalTokens != 17 || again.Usage.PromptTokens != 12 {
		t.Fatalf("the recorded completion decoded as %+v", again)
	}
	if again.Choices[0].Message.Content != first.Choices[0].Message.Content || again.Usage.TotalTokens != first.Usage.TotalTokens {
		t.Fatalf("the hit differs from the live completion:\n%+v\n%+v", again, first)
	}

	if _, err := chat.New(ctx, question("and the node?")); err != nil {
		t.Fatal(err)
	}
	if n, _ := api.requests(); n != 3 {
		t.Fatalf("another question made %d requests in all, want 3", n)
	}
}
