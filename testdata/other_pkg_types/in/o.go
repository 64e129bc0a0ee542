// Package o uses types of other packages.
package o

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Client mixes types of several packages.
//
//resil:breaker
type Client interface {
	Do(ctx context.Context, req *http.Request) (*http.Response, error)
	// Resolve is idempotent over encodable types of other packages.
	//
	//resil:idempotent key=host
	Resolve(ctx context.Context, host string, at time.Time) (json.RawMessage, time.Duration, error)
	Headers(ctx context.Context) (http.Header, error)
}
