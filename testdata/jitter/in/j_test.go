package j

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// drive runs call, firing on clk each wait it starts, and returns its
// error and the waits, in order.
func drive(t *testing.T, clk *clocktest.Clock, call func() error) (error, []time.Duration) {
	t.Helper()
	waits, err := clocktest.Drive(t, clk, call)
	return err, waits
}

// failing fails every call and counts them.
type failing struct{ calls int }

var errDown = errors.New("down")

func (f *failing) Equal(ctx context.Context) error        { f.calls++; return errDown }
func (f *failing) Decorrelated(ctx context.Context) error { f.calls++; return errDown }
func (f *failing) None(ctx context.Context) error         { f.calls++; return errDown }
func (f *failing) Full(ctx context.Context) error         { f.calls++; return errDown }

// TestJitterKeepsWaitsWithinTheirBounds calls each method many times with
// a seeded source and checks every wait against the bounds of its jitter:
// none waits exactly base*2^n capped at max; full in [0, b]; equal in
// [b/2, b]; decorrelated in [base, min(3*previous, max)]. A jittered wait
// must vary, and reach below b/2 for full jitter only.
func TestJitterKeepsWaitsWithinTheirBounds(t *testing.T) {
	const calls = 20
	ms := time.Millisecond
	tests := []struct {
		name     string
		attempts int
		call     func(*ResilientJ) error
		// bounds of wait n (from 0) given the previous wait
		lo, hi func(n int, prev time.Duration) time.Duration
	}{
		{"None", 10, func(j *ResilientJ) error { return j.None(context.Background()) },
			func(n int, _ time.Duration) time.Duration { return min(100*ms<<n, 10*time.Second) },
			func(n int, _ time.Duration) time.Duration { return min(100*ms<<n, 10*time.Second) }},
		{"Full", 3, func(j *ResilientJ) error { return j.Full(context.Background()) },
			func(int, time.Duration) time.Duration { return 0 },
			func(n int, _ time.Duration) time.Duration { return 100 * ms << n }},
		{"Equal", 3, func(j *ResilientJ) error { return j.Equal(context.Background()) },
			func(n int, _ time.Duration) time.Duration { return 50 * ms << n },
			func(n int, _ time.Duration) time.Duration { return 100 * ms << n }},
		{"Decorrelated", 3, func(j *ResilientJ) error { return j.Decorrelated(context.Background()) },
			func(int, time.Duration) time.Duration { return 50 * ms },
			func(n int, prev time.Duration) time.Duration { return min(3*max(prev, 50*ms), time.Second) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &failing{}
			clk := clocktest.New(time.Unix(0, 0))
			j := NewResilientJ(f, runtime.WithClock(clk), runtime.WithRand(rand.NewPCG(1, 2)))
			distinct := map[time.Duration]bool{}
			belowHalf := false
			for range calls {
				err, waits := drive(t, clk, func() error { return tt.call(j) })
				if !errors.Is(err, errDown) {
					t.Fatalf("err = %v, want the dependency's", err)
				}
				if len(waits) != tt.attempts-1 {
					t.Fatalf("%d waits %v, want %d: attempts=%d", len(waits), waits, tt.attempts-1, tt.attempts)
				}
				var prev time.Duration
				for n, d := range waits {
					if lo, hi := tt.lo(n, prev), tt.hi(n, prev); d < lo || d > hi {
						t.Fatalf("wait %d = %v, want within [%v, %v] (waits %v)", n+1, d, lo, hi, waits)
					}
					distinct[d] = true
					belowHalf = belowHalf || d < 50*ms<<n
					prev = d
				}
			}
			if f.calls != calls*tt.attempts {
				t.Fatalf("%d calls, want %d", f.calls, calls*tt.attempts)
			}
			jittered := tt.name != "None"
			if jittered && len(distinct) < calls {
				t.Fatalf("only %d distinct waits in %d calls: the waits are not jittered", len(distinct), calls)
			}
			// Full and equal jitter share their upper bound; full jitter
			// alone reaches below half of it.
			if want := tt.name == "Full"; (tt.name == "Full" || tt.name == "Equal") && belowHalf != want {
				t.Fatalf("a wait below b/2: %v, want %v (only full jitter goes below half the backoff)", belowHalf, want)
			}
		})
	}
}
