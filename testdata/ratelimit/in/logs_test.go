package logs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// service fails Query with errs in turn, then answers; it counts the calls
// that reached it.
type service struct {
	errs  []error
	calls int
}

func (s *service) Query(ctx context.Context, q string) ([]string, error) {
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return nil, err
	}
	return []string{q}, nil
}
func (s *service) Tail(ctx context.Context, group string) (string, error) {
	s.calls++
	return group, nil
}
func (s *service) Export(ctx context.Context, group string) error { s.calls++; return nil }

// TestSharedLimitAndOwnLimit: Query and Tail share the type's burst of 5;
// the sixth call is refused without reaching the service, while Export's
// own limit still has its token. A second Export, a minute from the next
// token, is refused at once rather than waiting past its wait of 10s.
func TestSharedLimitAndOwnLimit(t *testing.T) {
	clk := clocktest.New(time.Unix(0, 0))
	s := &service{}
	l := NewResilientLogs(s, runtime.WithClock(clk))
	ctx := context.Background()
	for i := range 5 {
		var err error
		if i%2 == 0 {
			_, err = l.Query(ctx, "errors")
		} else {
			_, err = l.Tail(ctx, "app")
		}
		if err != nil {
			t.Fatalf("call %d within the burst: %v", i+1, err)
		}
	}
	if _, err := l.Tail(ctx, "app"); !errors.Is(err, runtime.ErrRateLimited) {
		t.Fatalf("sixth call: %v, want ErrRateLimited", err)
	}
	if err := l.Export(ctx, "app"); err != nil {
		t.Fatalf("Export on its own limit: %v", err)
	}
	if err := l.Export(ctx, "app"); !errors.Is(err, runtime.ErrRateLimited) {
		t.Fatalf("second Export, a minute from its token with a wait of 10s: %v, want ErrRateLimited", err)
	}
	if s.calls != 6 {
		t.Fatalf("%d calls reached the service, want 6", s.calls)
	}
	clk.Advance(200 * time.Millisecond)
	if _, err := l.Tail(ctx, "app"); err != nil {
		t.Fatalf("Tail 200ms later, at 5 per second: %v", err)
	}
}

// TestQueryHonoursRetryAfter: a 429 asking for 2s makes Query wait 2s
// rather than its 100ms backoff.
func TestQueryHonoursRetryAfter(t *testing.T) {
	clk := clocktest.New(time.Unix(0, 0))
	s := &service{errs: []error{&ThrottledError{RetryAfter: "2"}}}
	l := NewResilientLogs(s, runtime.WithClock(clk))
	var rows []string
	waits, err := clocktest.Drive(t, clk, func() error {
		var err error
		rows, err = l.Query(context.Background(), "errors")
		return err
	})
	if err != nil || len(rows) != 1 {
		t.Fatalf("Query: %v %v", rows, err)
	}
	if len(waits) != 1 || waits[0] != 2*time.Second {
		t.Fatalf("waits %v, want [2s] from the server's Retry-After", waits)
	}
}
