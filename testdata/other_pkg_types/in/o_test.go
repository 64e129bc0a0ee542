package o

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

type client struct{ resolves int }

func (c *client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 204, Request: req}, nil
}
func (c *client) Resolve(ctx context.Context, host string, at time.Time) (json.RawMessage, time.Duration, error) {
	c.resolves++
	return json.RawMessage(`{"ip":"10.0.0.1"}`), 90 * time.Second, nil
}
func (c *client) Headers(ctx context.Context) (http.Header, error) {
	return http.Header{"X": {"1"}}, nil
}

// TestOtherPackagesTypesRoundTrip: Resolve, idempotent by host, replays
// its json.RawMessage and time.Duration and tells a reused key; Do and Headers pass their values
// of net/http through.
func TestOtherPackagesTypesRoundTrip(t *testing.T) {
	c := &client{}
	w := NewResilientClient(c)
	ctx := context.Background()
	at := time.Unix(1, 0)
	for i := range 2 {
		raw, ttl, err := w.Resolve(ctx, "db", at)
		if err != nil || string(raw) != `{"ip":"10.0.0.1"}` || ttl != 90*time.Second {
			t.Fatalf("Resolve %d = %s, %v, %v", i+1, raw, ttl, err)
		}
	}
	if c.resolves != 1 {
		t.Fatalf("Resolve called %d times, want 1: the second is replayed", c.resolves)
	}
	// The key is host: the same host with another time is a key reused
	// with other arguments, another host is another call.
	if _, _, err := w.Resolve(ctx, "db", at.Add(time.Second)); !errors.Is(err, runtime.ErrIdempotencyConflict) {
		t.Fatalf("Resolve of db at another time: %v, want ErrIdempotencyConflict", err)
	}
	if _, _, err := w.Resolve(ctx, "cache", at); err != nil || c.resolves != 2 {
		t.Fatalf("Resolve of another host: %v after %d calls, want a second call", err, c.resolves)
	}
	req, _ := http.NewRequest("GET", "http://x", nil)
	if resp, err := w.Do(ctx, req); err != nil || resp.StatusCode != 204 || resp.Request != req {
		t.Fatalf("Do = %+v, %v", resp, err)
	}
	if h, err := w.Headers(ctx); err != nil || h.Get("X") != "1" {
		t.Fatalf("Headers = %v, %v", h, err)
	}
}
