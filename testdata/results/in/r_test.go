package r

import (
	"context"
	"errors"
	"reflect"
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

// shapes fails the first call of each method, with results that must not
// leak out, and succeeds the second.
type shapes struct {
	calls    map[string]int
	noResult int
}

func (s *shapes) first(name string) bool { s.calls[name]++; return s.calls[name] == 1 }

var errFirst = errors.New("first attempt")

func (s *shapes) None(ctx context.Context) error {
	if s.first("None") {
		return errFirst
	}
	return nil
}

func (s *shapes) One(ctx context.Context) (int, error) {
	if s.first("One") {
		return -1, errFirst
	}
	return 1, nil
}

func (s *shapes) Several(ctx context.Context) (string, []byte, map[string]int, error) {
	if s.first("Several") {
		return "bad", []byte("bad"), map[string]int{"bad": 1}, errFirst
	}
	return "s", []byte("b"), map[string]int{"m": 2}, nil
}

func (s *shapes) Named(ctx context.Context) (n int, str string, err error) {
	if s.first("Named") {
		return -1, "bad", errFirst
	}
	return 3, "named", nil
}

func (s *shapes) NoResults(ctx context.Context) { s.noResult++ }

// TestResultsAreTheSucceedingAttempts: each method fails once and is
// retried (attempts=2); every result the caller gets is the second
// attempt's.
func TestResultsAreTheSucceedingAttempts(t *testing.T) {
	s := &shapes{calls: map[string]int{}}
	clk := clocktest.New(time.Unix(0, 0))
	w := NewResilientShapes(s, runtime.WithClock(clk))
	ctx := context.Background()

	if err := drive(t, clk, func() error { return w.None(ctx) }); err != nil {
		t.Fatalf("None: %v", err)
	}
	var one int
	if err := drive(t, clk, func() (err error) { one, err = w.One(ctx); return err }); err != nil || one != 1 {
		t.Fatalf("One = %d, %v; want 1", one, err)
	}
	var (
		str string
		b   []byte
		m   map[string]int
	)
	if err := drive(t, clk, func() (err error) { str, b, m, err = w.Several(ctx); return err }); err != nil ||
		str != "s" || string(b) != "b" || !reflect.DeepEqual(m, map[string]int{"m": 2}) {
		t.Fatalf("Several = %q %q %v, %v; want s b map[m:2]", str, b, m, err)
	}
	var n int
	if err := drive(t, clk, func() (err error) { n, str, err = w.Named(ctx); return err }); err != nil || n != 3 || str != "named" {
		t.Fatalf("Named = %d %q, %v; want 3 named", n, str, err)
	}
	for _, name := range []string{"None", "One", "Several", "Named"} {
		if s.calls[name] != 2 {
			t.Errorf("%s called %d times, want 2: attempts=2", name, s.calls[name])
		}
	}
	w.NoResults(ctx)
	if s.noResult != 1 {
		t.Fatalf("NoResults called %d times, want 1", s.noResult)
	}
}
