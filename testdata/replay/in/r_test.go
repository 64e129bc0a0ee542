package r

import (
	"context"
	"errors"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

// fake counts the calls that reach it; fail makes Cached fail.
type fake struct {
	calls map[string]int
	fail  bool
}

func (f *fake) hit(method string) { f.calls[method]++ }

func (f *fake) Get(ctx context.Context, id string) (int, error) { f.hit("Get"); return len(id), nil }
func (f *fake) ByToken(ctx context.Context, token *string, n int64) (string, error) {
	f.hit("ByToken")
	if token == nil {
		return "none", nil
	}
	return *token, nil
}
func (f *fake) ByNumber(ctx context.Context, n int64) (bool, error) {
	f.hit("ByNumber")
	return n%2 == 0, nil
}
func (f *fake) ByArgs(ctx context.Context, a int, on bool) (int32, error) {
	f.hit("ByArgs")
	return int32(a), nil
}
func (f *fake) Put(ctx context.Context, id string) error { f.hit("Put"); return nil }
func (f *fake) WithOpts(ctx context.Context, id string, optFns ...func(*Options)) (string, error) {
	f.hit("WithOpts")
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	return o.Region, nil
}
func (f *fake) Cached(ctx context.Context, id string) (int, error) {
	f.hit("Cached")
	if f.fail {
		return 0, errors.New("down")
	}
	return 5, nil
}
func (f *fake) Where(ctx context.Context, id string) (Point, error) {
	f.hit("Where")
	return Point{1, 2}, nil
}
func (f *fake) Bounded(ctx context.Context, id string) (int, error) { f.hit("Bounded"); return 3, nil }

// durable hides the memory store from the runtime, as a store of another
// package would be: every hit then goes the slow way.
type durable struct{ runtime.Store }

// wrappers are the wrapper on the memory store, whose hits Replay answers,
// and on a durable one, whose hits DoRecorded answers: every behaviour
// below must hold on both.
func wrappers() map[string]func(*fake) Lookup {
	return map[string]func(*fake) Lookup{
		"memory": func(f *fake) Lookup { return NewResilientLookup(f) },
		"durable": func(f *fake) Lookup {
			return NewResilientLookup(f, runtime.WithStore(durable{runtime.NewMemoryStore()}))
		},
	}
}

func must[T any](t *testing.T, want T, got T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if any(got) != any(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func TestRepeatedCallsAreAnsweredFromTheRecord(t *testing.T) {
	for name, wrap := range wrappers() {
		t.Run(name, func(t *testing.T) {
			f := &fake{calls: map[string]int{}}
			l := wrap(f)
			ctx := context.Background()
			tok, other := "tok-1", "tok-2"
			region := func(r string) func(*Options) { return func(o *Options) { o.Region = r } }
			for range 3 {
				n, err := l.Get(ctx, "abc")
				must(t, 3, n, err, "Get")
				s, err := l.ByToken(ctx, &tok, 1)
				must(t, "tok-1", s, err, "ByToken")
				s, err = l.ByToken(ctx, nil, 1)
				must(t, "none", s, err, "ByToken without a token")
				b, err := l.ByNumber(ctx, 4)
				must(t, true, b, err, "ByNumber")
				i, err := l.ByArgs(ctx, 7, true)
				must(t, int32(7), i, err, "ByArgs")
				if err := l.Put(ctx, "p"); err != nil {
					t.Fatal(err)
				}
				// Call options are not arguments: the record answers
				// whatever options the repeated call has.
				s, err = l.WithOpts(ctx, "w", region("eu"))
				must(t, "eu", s, err, "WithOpts")
				p, err := l.Where(ctx, "x")
				must(t, Point{1, 2}, p, err, "Where")
				n, err = l.Bounded(ctx, "x")
				must(t, 3, n, err, "Bounded")
			}
			for method, calls := range f.calls {
				want := 1
				if method == "ByToken" {
					want = 2 // with a token and without
				}
				if calls != want {
					t.Errorf("%s reached the dependency %d times, want %d", method, calls, want)
				}
			}
			// Other arguments are other calls; a key reused with other
			// arguments is refused.
			i, err := l.ByArgs(ctx, 8, true)
			must(t, int32(8), i, err, "ByArgs of other arguments")
			s, err := l.ByToken(ctx, &other, 1)
			must(t, "tok-2", s, err, "ByToken of another token")
			if _, err := l.ByToken(ctx, &tok, 2); !errors.Is(err, runtime.ErrIdempotencyConflict) {
				t.Fatalf("ByToken reusing a key with other arguments: %v, want a conflict", err)
			}
		})
	}
}

// TestARecordAnswersEvenWhenTheBreakerIsOpen checks that the lookup comes
// before the breaker, and the fallback only for what it rejects.
func TestARecordAnswersEvenWhenTheBreakerIsOpen(t *testing.T) {
	for name, wrap := range wrappers() {
		t.Run(name, func(t *testing.T) {
			f := &fake{calls: map[string]int{}}
			l := wrap(f)
			ctx := context.Background()
			n, err := l.Cached(ctx, "a")
			must(t, 5, n, err, "Cached")
			f.fail = true
			if _, err := l.Cached(ctx, "b"); err == nil {
				t.Fatal("a failing call succeeded")
			}
			n, err = l.Cached(ctx, "a")
			must(t, 5, n, err, "Cached from its record with the breaker open")
			n, err = l.Cached(ctx, "c")
			must(t, -1, n, err, "Cached rejected by the breaker: the fallback")
			if f.calls["Cached"] != 2 {
				t.Fatalf("Cached reached the dependency %d times, want 2", f.calls["Cached"])
			}
		})
	}
}

// TestAHitAllocatesNothing holds the generated fast path to its purpose: a
// hit with a string key and an int result, through the interface as users
// call it, allocates nothing (the slow path's results, closure and
// Recording are declared after Replay answered). A string result costs its
// string, decoded from the record.
func TestAHitAllocatesNothing(t *testing.T) {
	var l Lookup = NewResilientLookup(&fake{calls: map[string]int{}})
	ctx := context.Background()
	tok := "tok-1"
	for _, c := range []struct {
		method string
		call   func()
		allocs float64
	}{
		{"Get", func() { l.Get(ctx, "abc") }, 0},
		{"ByNumber", func() { l.ByNumber(ctx, 4) }, 0},
		{"ByArgs", func() { l.ByArgs(ctx, 7, true) }, 0},
		{"Put", func() { l.Put(ctx, "p") }, 0},
		{"ByToken", func() { l.ByToken(ctx, &tok, 1) }, 1},
		// Without options its result is "", which needs no string.
		{"WithOpts", func() { l.WithOpts(ctx, "w") }, 0},
	} {
		c.call()
		if n := testing.AllocsPerRun(100, c.call); n != c.allocs {
			t.Errorf("a hit of %s allocates %v times, want %v", c.method, n, c.allocs)
		}
	}
}
