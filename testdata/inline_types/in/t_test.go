package t

import (
	"context"
	"errors"
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

// inline fails each method's first call and records its arguments.
type inline struct {
	calls map[string]int
	name  string
	f     func(int) error
	in    <-chan int
	out   chan<- string
}

func (x *inline) first(m string) error {
	x.calls[m]++
	if x.calls[m] == 1 {
		return errors.New("first attempt")
	}
	return nil
}

func (x *inline) Opts(ctx context.Context, o struct {
	Name string `json:"name"`
	TTL  time.Duration
}) error {
	x.name = o.Name
	return x.first("Opts")
}

func (x *inline) Sink(ctx context.Context, f func(int) error, in <-chan int, out chan<- string) (map[string][]*time.Time, error) {
	x.f, x.in, x.out = f, in, out
	now := time.Unix(1, 0)
	return map[string][]*time.Time{"t": {&now}}, x.first("Sink")
}

func (x *inline) Any(ctx context.Context, v interface{ Close() error }) (struct{ N int }, error) {
	err := x.first("Any")
	return struct{ N int }{N: x.calls["Any"]}, err
}

type closer struct{}

func (closer) Close() error { return nil }

// TestInlineTypesPassThroughRetries: arguments of inline types reach the
// dependency (the same func and channels), each method is retried once
// (attempts=2), and the result is the second attempt's.
func TestInlineTypesPassThroughRetries(t *testing.T) {
	x := &inline{calls: map[string]int{}}
	clk := clocktest.New(time.Unix(0, 0))
	w := NewResilientInline(x, runtime.WithClock(clk))
	ctx := context.Background()
	o := struct {
		Name string `json:"name"`
		TTL  time.Duration
	}{Name: "n", TTL: time.Second}
	if err := drive(t, clk, func() error { return w.Opts(ctx, o) }); err != nil || x.name != "n" {
		t.Fatalf("Opts: %v, name %q", err, x.name)
	}
	in, out := make(chan int), make(chan string)
	var m map[string][]*time.Time
	if err := drive(t, clk, func() (err error) { m, err = w.Sink(ctx, nil, in, out); return err }); err != nil ||
		x.in != in || x.out != out || len(m["t"]) != 1 {
		t.Fatalf("Sink = %v, %v; the channels passed: %v", m, err, x.in == in && x.out == out)
	}
	var r struct{ N int }
	if err := drive(t, clk, func() (err error) { r, err = w.Any(ctx, closer{}); return err }); err != nil || r.N != 2 {
		t.Fatalf("Any = %+v, %v; want N=2, the second attempt's", r, err)
	}
	for _, name := range []string{"Opts", "Sink", "Any"} {
		if x.calls[name] != 2 {
			t.Errorf("%s called %d times, want 2", name, x.calls[name])
		}
	}
}
