package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

var errDown = errors.New("down")

// dep fails its next fails calls, returning partial results all the same.
type dep struct {
	fails int
	// permanent marks the failures Permanent: not retried.
	permanent bool
	calls     int
	opts      []Option
}

func (d *dep) Get(ctx context.Context, key string, n int, opts ...Option) (string, int, error) {
	d.calls++
	// Each option counts one, without being called: a call would make n
	// escape, and the allocation test measure the dependency.
	d.opts = opts
	n += len(opts)
	if d.fails > 0 {
		d.fails--
		if d.permanent {
			return "partial " + key, d.calls, runtime.Permanent(errDown)
		}
		return "partial " + key, d.calls, errDown
	}
	return key, n, nil
}

func (d *dep) GetSlowPath(ctx context.Context) error { d.calls++; return nil }

func (d *dep) Put(key string, value []byte) error {
	d.calls++
	if d.fails > 0 {
		d.fails--
		return errDown
	}
	return nil
}

func TestStraightPathAllocatesNothing(t *testing.T) {
	s := NewResilientStore(&dep{})
	ctx := context.Background()
	inc := func(n *int) { *n++ }
	opts := []Option{inc, inc}
	value := []byte("v")
	for name, call := range map[string]func(){
		"Get":         func() { _, _, _ = s.Get(ctx, "k", 1, opts...) },
		"GetSlowPath": func() { _ = s.GetSlowPath(ctx) },
		"Put":         func() { _ = s.Put("k", value) },
	} {
		if n := testing.AllocsPerRun(100, call); n != 0 {
			t.Errorf("%s: %v allocations a call through a closed breaker, want 0", name, n)
		}
	}
}

func TestStraightPathPassesArgumentsAndResults(t *testing.T) {
	d := &dep{}
	s := NewResilientStore(d)
	inc := func(n *int) { *n++ }
	opts := []Option{inc, inc}
	key, n, err := s.Get(context.Background(), "k", 1, opts...)
	if key != "k" || n != 3 || err != nil || &d.opts[0] != &opts[0] {
		t.Fatalf("Get = %q, %d, %v; want k, 3 from 1 and 2 options passed as the caller's slice", key, n, err)
	}
}

// TestFailureRetriesOnTheSlowPath: a first attempt that fails on the
// straight path is retried; when the retries succeed, the caller gets
// their results.
func TestFailureRetriesOnTheSlowPath(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	d := &dep{fails: 2}
	s := NewResilientStore(d, runtime.WithClock(clk))
	var key string
	var n int
	_, err := clocktest.Drive(t, clk, func() error {
		var err error
		key, n, err = s.Get(context.Background(), "k", 5)
		return err
	})
	if key != "k" || n != 5 || err != nil || d.calls != 3 {
		t.Fatalf("Get = %q, %d, %v after %d calls; want k, 5, nil after 3", key, n, err, d.calls)
	}
}

// TestExhaustedCallReturnsTheLastAttemptsResults: as through Do, a call
// whose attempts all failed returns what the last attempt returned, and
// counts once for the breaker; two such calls open it.
func TestExhaustedCallReturnsTheLastAttemptsResults(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	d := &dep{fails: 100}
	s := NewResilientStore(d, runtime.WithClock(clk))
	var key string
	var n int
	_, err := clocktest.Drive(t, clk, func() error {
		var err error
		key, n, err = s.Get(context.Background(), "k", 5)
		return err
	})
	var re *runtime.RetryError
	if key != "partial k" || n != 3 || !errors.As(err, &re) || re.Attempts != 3 {
		t.Fatalf("Get = %q, %d, %v; want the 3rd attempt's partial k, 3 and a RetryError of 3 attempts", key, n, err)
	}
	_, err = clocktest.Drive(t, clk, func() error { _, _, err := s.Get(context.Background(), "k", 5); return err })
	if !errors.As(err, &re) {
		t.Fatalf("second Get: %v, want a RetryError", err)
	}
	calls := d.calls
	if _, _, err := s.Get(context.Background(), "k", 5); !errors.Is(err, runtime.ErrCircuitOpen) || d.calls != calls {
		t.Fatalf("third Get: %v after %d calls, want ErrCircuitOpen without a call", err, d.calls-calls)
	}
}

// TestUnretriedFailureReturnsItsResults: a first attempt that failed on
// the straight path and is not retried gives the caller its results, as
// through Do.
func TestUnretriedFailureReturnsItsResults(t *testing.T) {
	d := &dep{fails: 1, permanent: true}
	s := NewResilientStore(d)
	key, n, err := s.Get(context.Background(), "k", 5)
	if key != "partial k" || n != 1 || !errors.Is(err, errDown) || d.calls != 1 {
		t.Fatalf("Get = %q, %d, %v after %d calls; want partial k, 1, down after 1", key, n, err, d.calls)
	}
}

// TestFallbackAnswersBothSlowPaths: Put's fallback answers a call that
// failed after its first attempt on the straight path, and one that the
// open breaker turned away from it.
func TestFallbackAnswersBothSlowPaths(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	d := &dep{fails: 100}
	s := NewResilientStore(d, runtime.WithClock(clk))
	var later *ErrLater
	for range 2 {
		_, err := clocktest.Drive(t, clk, func() error { return s.Put("k", nil) })
		if !errors.As(err, &later) || !errors.Is(err, errDown) {
			t.Fatalf("Put: %v, want the fallback's answer to the failure", err)
		}
	}
	calls := d.calls
	if err := s.Put("k", nil); !errors.As(err, &later) || !errors.Is(err, runtime.ErrCircuitOpen) || d.calls != calls {
		t.Fatalf("Put on the open breaker: %v after %d calls, want the fallback's answer to the rejection", err, d.calls-calls)
	}
}
