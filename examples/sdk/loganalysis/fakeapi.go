package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// fakeAPI is a local stand-in for the Anthropic Messages API, so that the
// SDK's own client runs its whole request path (encoding, headers, HTTP,
// decoding) against it. It counts requests, checks the API key, notes the
// headers the call options added, and can answer 529 Overloaded.
type fakeAPI struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	requests int
	overload int
	betas    []string
}

// newFakeAPI starts a fake API on 127.0.0.1 that accepts key. Close it.
func newFakeAPI(key string) *fakeAPI {
	f := &fakeAPI{key: key}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// overloadNext makes the next n requests fail with 529 Overloaded.
func (f *fakeAPI) overloadNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overload = n
}

// Requests returns how many requests the API received.
func (f *fakeAPI) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Betas returns the anthropic-beta header of each request, in order.
func (f *fakeAPI) Betas() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.betas...)
}

// request is what the fake reads of a Messages request.
type request struct {
	Model     string `json:"model"`
	MaxTokens int    `json:"max_tokens"`
	Messages  []struct {
		Role    string `json:"role"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	} `json:"messages"`
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.betas = append(f.betas, r.Header.Get("anthropic-beta"))
	overloaded := f.overload > 0
	if overloaded {
		f.overload--
	}
	f.mu.Unlock()
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/messages":
		apiError(w, http.StatusNotFound, "not_found_error", fmt.Sprintf("%s %s: no such endpoint", r.Method, r.URL.Path))
		return
	case r.Header.Get("x-api-key") != f.key && r.Header.Get("Authorization") != "Bearer "+f.key:
		// The v2 SDK sends its API key as a bearer token.
		apiError(w, http.StatusUnauthorized, "authentication_error", "invalid API key")
		return
	case overloaded:
		apiError(w, 529, "overloaded_error", "Overloaded")
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 || req.MaxTokens <= 0 {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("bad request body: %v", err))
		return
	}
	var prompt strings.Builder
	for _, m := range req.Messages {
		for _, c := range m.Content {
			prompt.WriteString(c.Text)
		}
	}
	text := summarise(prompt.String())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", fmt.Sprintf("req_%04d", f.Requests()))
	json.NewEncoder(w).Encode(map[string]any{
		"id":            fmt.Sprintf("msg_01%022d", f.Requests()),
		"type":          "message",
		"role":          "assistant",
		"model":         req.Model,
		"content":       []map[string]any{{"type": "text", "text": text}},
		"stop_reason":   "end_turn",
		"stop_sequence": nil,
		"usage":         map[string]any{"input_tokens": len(prompt.String()) / 4, "output_tokens": len(text) / 4},
	})
}

// summarise is the fake model: it names the earliest error line of the
// prompt as the likely cause.
func summarise(prompt string) string {
	lines := 0
	first := ""
	for _, l := range strings.Split(prompt, "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "FATAL") {
			lines++
			if first == "" {
				first = l
			}
		}
	}
	if lines == 0 {
		return "No errors in these logs."
	}
	return fmt.Sprintf("%d error lines. The earliest, likely the cause: %s", lines, strings.TrimSpace(first))
}

// apiError writes an error as the Messages API does.
func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
}
