package in

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
	"github.com/resilgen/resilgen/testdata/internal_importable/in/internal/tok"
)

// flaky fails its first call, then hands out a token.
type flaky struct{ calls int }

func (f *flaky) Token(ctx context.Context) (tok.T, error) {
	f.calls++
	if f.calls == 1 {
		return "", errors.New("blip")
	}
	return "t-1", nil
}

// TestTokenOfAnInternalTypeIsRetried checks that the wrapper of a method
// naming in/internal/tok.T, which the generated file imports, retries it
// and returns the token of the attempt that succeeded.
func TestTokenOfAnInternalTypeIsRetried(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	f := &flaky{}
	w := NewResilientTokens(f, runtime.WithClock(clk))
	var got tok.T
	waits, err := clocktest.Drive(t, clk, func() (err error) {
		got, err = w.Token(context.Background())
		return err
	})
	if err != nil || got != "t-1" || f.calls != 2 || len(waits) != 1 {
		t.Fatalf("Token = %q, %v after %d calls and %d waits; want t-1 after one retry", got, err, f.calls, len(waits))
	}
}
