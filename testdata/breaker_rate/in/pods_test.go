package pods

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

var errAPI = errors.New("api down")

type cluster struct {
	clk  *clocktest.Clock
	fail bool
	took time.Duration
}

func (c *cluster) Restart(ctx context.Context, name string) error {
	if c.fail {
		return errAPI
	}
	return nil
}

func (c *cluster) Status(ctx context.Context, name string) (string, error) {
	c.clk.Advance(c.took)
	return "Running", nil
}

func TestRestartTripsOnAFailureRate(t *testing.T) {
	clk := clocktest.New(time.Unix(0, 0))
	dep := &cluster{clk: clk}
	w := NewResilientPods(dep, runtime.WithClock(clk))
	ctx := context.Background()
	for range 2 {
		if err := w.Restart(ctx, "web-1"); err != nil {
			t.Fatal(err)
		}
	}
	dep.fail = true
	if err := w.Restart(ctx, "web-1"); !errors.Is(err, errAPI) { // 1 of 3
		t.Fatal(err)
	}
	if err := w.Restart(ctx, "web-1"); !errors.Is(err, errAPI) { // 2 of 4: 50%
		t.Fatal(err)
	}
	if err := w.Restart(ctx, "web-1"); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("after 2 failures in 4 calls: %v, want the breaker open", err)
	}
}

func TestSlowStatusCountsAsFailure(t *testing.T) {
	clk := clocktest.New(time.Unix(0, 0))
	dep := &cluster{clk: clk, took: 500 * time.Millisecond}
	w := NewResilientPods(dep, runtime.WithClock(clk))
	for range 2 {
		if s, err := w.Status(context.Background(), "web-1"); err != nil || s != "Running" {
			t.Fatalf("a slow call still returns its result: %q, %v", s, err)
		}
	}
	if _, err := w.Status(context.Background(), "web-1"); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("after 2 slow calls: %v, want the breaker open", err)
	}
}
