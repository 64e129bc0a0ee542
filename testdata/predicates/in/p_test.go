package p

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// drive runs call, firing on clk each wait it starts, and returns its
// error and how many waits it fired.
func drive(t *testing.T, clk *clocktest.Clock, call func() error) (error, int) {
	t.Helper()
	waits, err := clocktest.Drive(t, clk, call)
	return err, len(waits)
}

// dep fails every call with err and counts the calls.
type dep struct {
	err   error
	calls int
}

func (d *dep) Get(ctx context.Context, id string) (string, error) { d.calls++; return "", d.err }

// TestRejectedErrorIsNeitherRetriedNorCounted: ErrBadInput, which both if=
// funcs reject, is tried once and never opens the breaker, however often
// it comes.
func TestRejectedErrorIsNeitherRetriedNorCounted(t *testing.T) {
	d := &dep{err: ErrBadInput}
	clk := clocktest.New(time.Unix(0, 0))
	p := NewResilientP(d, runtime.WithClock(clk))
	for i := range 10 {
		err, waits := drive(t, clk, func() error { _, err := p.Get(context.Background(), "x"); return err })
		if !errors.Is(err, ErrBadInput) {
			t.Fatalf("call %d: %v, want ErrBadInput: the breaker counted it", i+1, err)
		}
		if waits != 0 {
			t.Fatalf("call %d waited %d times: retry=if=retryable rejects ErrBadInput", i+1, waits)
		}
	}
	if d.calls != 10 {
		t.Fatalf("%d calls through, want 10: one each, and no open breaker", d.calls)
	}
}

// TestAcceptedErrorIsRetriedAndCounted: another error is tried three
// times per call and, after the breaker's threshold of five calls, opens
// it.
func TestAcceptedErrorIsRetriedAndCounted(t *testing.T) {
	d := &dep{err: errors.New("down")}
	clk := clocktest.New(time.Unix(0, 0))
	p := NewResilientP(d, runtime.WithClock(clk))
	for i := range 5 {
		err, waits := drive(t, clk, func() error { _, err := p.Get(context.Background(), "x"); return err })
		if !errors.Is(err, d.err) || waits != 2 {
			t.Fatalf("call %d: %v after %d waits, want the dependency's error after 2", i+1, err, waits)
		}
	}
	if d.calls != 15 {
		t.Fatalf("%d calls through, want 15", d.calls)
	}
	if err, _ := drive(t, clk, func() error { _, err := p.Get(context.Background(), "x"); return err }); !errors.Is(err, runtime.ErrCircuitOpen) {
		t.Fatalf("after 5 failed calls: %v, want ErrCircuitOpen", err)
	}
}
