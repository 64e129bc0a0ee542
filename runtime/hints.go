package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RetryAfterer is what an error implements to carry a server's hint of when
// to try again, such as an HTTP 429's Retry-After. A retry finds it with
// errors.As anywhere in a failed attempt's error chain; the next wait is
// then the larger of the hint and the backoff, even past the retry's Max.
type RetryAfterer interface {
	RetryAfter() time.Duration
}

// HintError is the [RetryError.Cause] of a call whose retries ended at once
// because the server's hint would have the next attempt start after the
// caller's deadline.
type HintError struct {
	// After is the server's hint.
	After time.Duration
	// Left is what was left of the caller's deadline.
	Left time.Duration
}

// Error names the hint and the deadline it would pass.
func (e *HintError) Error() string {
	return fmt.Sprintf("the server asked to retry after %v, past the caller's deadline in %v", e.After, e.Left.Round(time.Millisecond))
}

// hint returns the server's hint carried by err: the retry's After func
// first, then a RetryAfterer in err's chain. It is apart from retryFailed
// so that errors.As's target is only on the heap when an attempt failed.
func (c *RetryConfig) hint(err error) (time.Duration, bool) {
	if c.After != nil {
		if d, ok := c.After(err); ok {
			return d, true
		}
	}
	var h RetryAfterer
	if errors.As(err, &h) {
		return h.RetryAfter(), true
	}
	return 0, false
}

// ParseRetryAfter reads the value of an HTTP Retry-After header, which is
// either a number of seconds ("120") or an HTTP date ("Wed, 21 Oct 2026
// 07:28:00 GMT"), as a wait from now. A date in the past is a wait of 0.
// ok is false for an empty or malformed value. Call it from the function
// named by //resil:retry after=:
//
//	func throttled(err error) (time.Duration, bool) {
//		var e *api.Error
//		if errors.As(err, &e) && e.StatusCode == http.StatusTooManyRequests {
//			return runtime.ParseRetryAfter(e.Header.Get("Retry-After"), time.Now())
//		}
//		return 0, false
//	}
func ParseRetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if value[0] >= '0' && value[0] <= '9' {
		secs, err := strconv.ParseInt(value, 10, 64)
		if err != nil || secs > int64(maxHintSeconds) {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	// The three date formats HTTP/1.1 accepts (RFC 9110, section 5.6.7),
	// as net/http.ParseTime reads them, without importing net/http.
	for _, layout := range []string{"Mon, 02 Jan 2006 15:04:05 GMT", time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, value); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return 0, false
}

// maxHintSeconds bounds a Retry-After in seconds so that it fits a
// time.Duration; a larger one is malformed rather than an overflow.
const maxHintSeconds = int64(1<<63-1) / int64(time.Second)

// hinted applies the server's hint h, carried by err, the error of attempt
// n, to the backoff d: it returns the wait to use, or the error that ends
// the retries because the wait would outlast the caller's deadline.
func (m *Method) hinted(ctx context.Context, n int, d, h time.Duration, err error) (time.Duration, error) {
	if m.observer != nil {
		m.event(ctx, Event{Kind: EventRetryAfter, Policy: "retry", Attempt: n, Delay: h, Err: err})
	}
	d = max(d, h)
	// A context's deadline is a time of the system clock, whatever clock
	// the runtime reads (see MethodConfig.Timeout).
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); h > left {
			return 0, &RetryError{Attempts: n, Last: err, Cause: &HintError{After: h, Left: left}}
		}
	}
	return d, nil
}
