package n

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// drive runs call, firing on clk each wait it starts, and returns its
// error.
func drive(t *testing.T, clk *clocktest.Clock, call func() error) error {
	t.Helper()
	_, err := clocktest.Drive(t, clk, call)
	return err
}

type legacy struct {
	fetches, counts int
	more            []string
}

func (l *legacy) Fetch(id string) (string, error) { l.fetches++; return "", errors.New("down") }
func (l *legacy) Ping() error                     { return nil }
func (l *legacy) Count(kind string, more ...string) (int, error) {
	l.counts++
	l.more = more
	if l.counts < 5 {
		return 0, errors.New("flaky")
	}
	return len(more), nil
}

// TestMethodsWithoutContextAreWrapped: Count is retried up to its
// attempts=5 and gets its variadic arguments; Fetch's failures open the
// breaker all methods share, which then rejects Ping.
func TestMethodsWithoutContextAreWrapped(t *testing.T) {
	l := &legacy{}
	clk := clocktest.New(time.Unix(0, 0))
	w := NewResilientLegacy(l, runtime.WithClock(clk))
	var n int
	err := drive(t, clk, func() (err error) { n, err = w.Count("k", "a", "b"); return err })
	if err != nil || n != 2 || l.counts != 5 || !slices.Equal(l.more, []string{"a", "b"}) {
		t.Fatalf("Count = %d, %v after %d calls with %v; want 2 on the fifth", n, err, l.counts, l.more)
	}
	for range 5 {
		_, _ = w.Fetch("x")
	}
	if err := w.Ping(); !errors.Is(err, runtime.ErrCircuitOpen) || l.fetches != 5 {
		t.Fatalf("Ping after 5 failed Fetch: %v (%d fetches), want ErrCircuitOpen", err, l.fetches)
	}
}
