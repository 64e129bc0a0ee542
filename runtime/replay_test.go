package runtime_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// lookup is a method Get(ctx, key string) (int, error) called as a
// generated wrapper calls it: Replay first, DoRecorded when Replay says no.
type lookup struct {
	clk   *clocktest.Clock
	obs   *recorder
	store runtime.Store
	m     *runtime.Method
	calls atomic.Int32
	next  atomic.Int32 // the result of the next call through, less one
}

func newLookup(t *testing.T, store runtime.Store, cfg runtime.MethodConfig) *lookup {
	t.Helper()
	l := &lookup{clk: clocktest.New(epoch), obs: &recorder{}, store: store}
	rt := runtime.New(runtime.WithClock(l.clk), runtime.WithStore(store), runtime.WithObserver(l.obs))
	cfg.Interface, cfg.Name = "Svc", "Get"
	if cfg.Idempotent == nil {
		cfg.Idempotent = &runtime.IdempotencyConfig{TTL: time.Hour}
	}
	l.m = rt.NewMethod(cfg)
	return l
}

// replay is the generated fast path: it reports whether Replay answered.
func (l *lookup) replay(ctx context.Context, key string) (int, bool) {
	var r0 int
	if l.m.Replay(ctx, key, []any{key}, []any{&r0}) {
		return r0, true
	}
	return 0, false
}

// get is the whole generated method: Replay, then the slow path.
func (l *lookup) get(ctx context.Context, key string) (int, error) {
	if r0, ok := l.replay(ctx, key); ok {
		return r0, nil
	}
	var r0 int
	err := l.m.DoRecorded(ctx, runtime.Recording{Key: key, Args: []any{key}, Results: []any{&r0}}, func(context.Context) error {
		l.calls.Add(1)
		r0 = int(l.next.Add(1))
		return nil
	})
	return r0, err
}

func TestReplayAnswersARecordedCall(t *testing.T) {
	l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
	ctx := context.Background()
	if _, ok := l.replay(ctx, "k"); ok {
		t.Fatal("Replay answered a key never recorded")
	}
	equal(t, 0, len(l.obs.events), "events of a Replay that did not answer")
	first, err := l.get(ctx, "k")
	noErr(t, err)
	got, ok := l.replay(ctx, "k")
	equal(t, true, ok, "Replay of a recorded key")
	equal(t, first, got, "replayed result")
	equal(t, int32(1), l.calls.Load(), "calls through")
}

// TestReplayReportsAHitAsDoRecordedDoes checks that the observer cannot
// tell a hit answered by Replay from one answered by DoRecorded.
func TestReplayReportsAHitAsDoRecordedDoes(t *testing.T) {
	l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
	ctx := context.Background()
	_, err := l.get(ctx, "k")
	noErr(t, err)
	var r0 int
	noErr(t, l.m.DoRecorded(ctx, runtime.Recording{Key: "k", Args: []any{"k"}, Results: []any{&r0}}, func(context.Context) error {
		t.Fatal("a hit called through")
		return nil
	}))
	slow := l.obs.events[len(l.obs.events)-2:]
	if _, ok := l.replay(ctx, "k"); !ok {
		t.Fatal("Replay did not answer a recorded key")
	}
	fast := l.obs.events[len(l.obs.events)-2:]
	for i := range slow {
		equal(t, slow[i], fast[i], "event of a Replay hit")
	}
	equal(t, runtime.EventIdempotentHit, fast[0].Kind, "first event")
	equal(t, "k", fast[0].Key, "hit key")
}

func TestReplayLeavesEverythingButAFinishedLiveRecord(t *testing.T) {
	ctx := context.Background()
	t.Run("other arguments", func(t *testing.T) {
		l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
		_, err := l.get(ctx, "k")
		noErr(t, err)
		var r0 int
		if l.m.Replay(ctx, "k", []any{"other"}, []any{&r0}) {
			t.Fatal("Replay answered a key reused with other arguments")
		}
		err = l.m.DoRecorded(ctx, runtime.Recording{Key: "k", Args: []any{"other"}, Results: []any{&r0}}, func(context.Context) error { return nil })
		isErr(t, err, runtime.ErrIdempotencyConflict)
	})
	t.Run("expired", func(t *testing.T) {
		l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
		first, err := l.get(ctx, "k")
		noErr(t, err)
		l.clk.Advance(time.Hour - time.Nanosecond)
		if _, ok := l.replay(ctx, "k"); !ok {
			t.Fatal("Replay left a record a nanosecond before it expires")
		}
		l.clk.Advance(time.Nanosecond)
		if _, ok := l.replay(ctx, "k"); ok {
			t.Fatal("Replay answered from an expired record")
		}
		again, err := l.get(ctx, "k")
		noErr(t, err)
		if again == first {
			t.Fatal("the call after expiry got the expired result")
		}
	})
	t.Run("claimed in flight", func(t *testing.T) {
		l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
		entered, held, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			var r0 int
			done <- l.m.DoRecorded(ctx, runtime.Recording{Key: "k", Args: []any{"k"}, Results: []any{&r0}}, func(context.Context) error {
				close(entered)
				<-held
				r0 = 42
				return nil
			})
		}()
		<-entered
		if _, ok := l.replay(ctx, "k"); ok {
			t.Fatal("Replay answered a key whose call is in flight")
		}
		close(held)
		noErr(t, <-done)
		got, ok := l.replay(ctx, "k")
		equal(t, true, ok, "Replay once the call is recorded")
		equal(t, 42, got, "replayed result")
	})
	t.Run("canceled", func(t *testing.T) {
		l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
		_, err := l.get(ctx, "k")
		noErr(t, err)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, ok := l.replay(canceled, "k"); ok {
			t.Fatal("Replay answered a canceled call: DoRecorded refuses it")
		}
	})
}

func TestReplayLeavesWhatItCannotAnswerAlone(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		store runtime.Store
		cfg   func(*runtime.Runtime, *runtime.MethodConfig)
	}{
		{"durable store", sharedStore{runtime.NewMemoryStore()}, func(*runtime.Runtime, *runtime.MethodConfig) {}},
		{"bulkhead", runtime.NewMemoryStore(), func(rt *runtime.Runtime, c *runtime.MethodConfig) {
			c.Bulkhead = rt.NewBulkhead("Svc", runtime.BulkheadConfig{Max: 1})
		}},
		{"not idempotent", runtime.NewMemoryStore(), func(_ *runtime.Runtime, c *runtime.MethodConfig) {
			c.Idempotent, c.Step = nil, "Get"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt := runtime.New(runtime.WithStore(c.store))
			// The record is made by a plain idempotent method of the same
			// name, so that only the configuration under test differs.
			recorder := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
			var r0 int
			noErr(t, recorder.DoRecorded(ctx, runtime.Recording{Key: "k", Args: []any{"k"}, Results: []any{&r0}}, func(context.Context) error { r0 = 1; return nil }))
			if !recorder.Replay(ctx, "k", []any{"k"}, []any{&r0}) && c.name != "durable store" {
				t.Fatal("the plain method's Replay did not answer")
			}
			cfg := runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}}
			c.cfg(rt, &cfg)
			if rt.NewMethod(cfg).Replay(ctx, "k", []any{"k"}, []any{&r0}) {
				t.Fatal("Replay answered")
			}
		})
	}
}

// TestReplayLeavesTypesOfEncodingJSON checks that arguments and results
// that only encoding/json reads make Replay say no, and that the slow path
// then answers them from the same record.
func TestReplayLeavesTypesOfEncodingJSON(t *testing.T) {
	ctx := context.Background()
	type point struct{ X, Y int }
	rt := runtime.New()
	m := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
	var f float64
	var p point
	rec := func(arg any) runtime.Recording {
		return runtime.Recording{Key: "k", Args: []any{arg}, Results: []any{&f, &p}}
	}
	noErr(t, m.DoRecorded(ctx, rec(point{1, 2}), func(context.Context) error { f, p = 1.5, point{3, 4}; return nil }))
	f, p = 0, point{}
	if m.Replay(ctx, "k", []any{point{1, 2}}, []any{&f, &p}) {
		t.Fatal("Replay answered a struct argument")
	}
	noErr(t, m.DoRecorded(ctx, rec(point{1, 2}), func(context.Context) error { t.Fatal("called through"); return nil }))
	equal(t, 1.5, f, "float result of the slow hit")
	equal(t, point{3, 4}, p, "struct result of the slow hit")

	m2 := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Float", Idempotent: &runtime.IdempotencyConfig{}})
	noErr(t, m2.DoRecorded(ctx, runtime.Recording{Key: "k", Args: []any{"k"}, Results: []any{&f}}, func(context.Context) error { f = 2.5; return nil }))
	if m2.Replay(ctx, "k", []any{"k"}, []any{&f}) {
		t.Fatal("Replay answered a float result")
	}
}

// TestReplayLeavesAnUndecodableRecordToTheSlowPath checks that a record
// the results cannot hold is neither answered nor a panic: DoRecorded then
// reports it with its key.
func TestReplayLeavesAnUndecodableRecordToTheSlowPath(t *testing.T) {
	ctx := context.Background()
	rt := runtime.New()
	// Two configurations of one method name share its records, as an old
	// and a new build of a wrapper whose result type changed would.
	asString := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
	asInt := rt.NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
	var s string
	noErr(t, asString.DoRecorded(ctx, runtime.Recording{Key: "order-7", Args: []any{"a"}, Results: []any{&s}}, func(context.Context) error { s = "seven"; return nil }))
	var n int
	if asInt.Replay(ctx, "order-7", []any{"a"}, []any{&n}) {
		t.Fatal("Replay answered a string record into an int")
	}
	var one, two int
	noErr(t, asInt.DoRecorded(ctx, runtime.Recording{Key: "order-8", Args: []any{"a"}, Results: []any{&one}}, func(context.Context) error { one = 8; return nil }))
	if asInt.Replay(ctx, "order-8", []any{"a"}, []any{&one, &two}) {
		t.Fatal("Replay answered a one-result record into two results")
	}
	if asInt.Replay(ctx, "order-8", []any{"a"}, nil) {
		t.Fatal("Replay answered a one-result record into none")
	}
	err := asInt.DoRecorded(ctx, runtime.Recording{Key: "order-7", Args: []any{"a"}, Results: []any{&n}}, func(context.Context) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `"order-7"`) {
		t.Fatalf("error %v: want one naming the key", err)
	}
}

// TestReplayWithoutKey checks that a method keyed by its arguments'
// fingerprint is answered, reporting the key the record is under.
func TestReplayWithoutKey(t *testing.T) {
	l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{})
	ctx := context.Background()
	var r0 int
	noErr(t, l.m.DoRecorded(ctx, runtime.Recording{Args: []any{"a", 7}, Results: []any{&r0}}, func(context.Context) error { r0 = 9; return nil }))
	r0 = 0
	if !l.m.Replay(ctx, "", []any{"a", 7}, []any{&r0}) {
		t.Fatal("Replay did not answer a call keyed by its arguments")
	}
	equal(t, 9, r0, "replayed result")
	hits := l.obs.kind(runtime.EventIdempotentHit)
	equal(t, 1, len(hits), "hit events")
	equal(t, 32, len(hits[0].Key), "length of the hex key the hit reports")
	if l.m.Replay(ctx, "", []any{"a", 8}, []any{&r0}) {
		t.Fatal("Replay answered other arguments")
	}
}

// TestReplayLeavesStepsInAWorkflow checks that a checkpointed, idempotent
// method is answered by Replay outside a workflow only: inside one, the
// journal comes first.
func TestReplayLeavesStepsInAWorkflow(t *testing.T) {
	store := runtime.NewMemoryStore()
	l := newLookup(t, store, runtime.MethodConfig{Step: "Get"})
	ctx := context.Background()
	_, err := l.get(ctx, "k")
	noErr(t, err)
	if _, ok := l.replay(ctx, "k"); !ok {
		t.Fatal("Replay did not answer outside a workflow")
	}
	wf := runtime.NewWorkflow(store, "wf-1", runtime.WithClock(l.clk))
	noErr(t, wf.Run(ctx, func(ctx context.Context) error {
		if _, ok := l.replay(ctx, "k"); ok {
			t.Fatal("Replay answered a step inside a workflow")
		}
		_, err := l.get(ctx, "k")
		return err
	}))
	journal, err := store.Journal(ctx, "wf-1")
	noErr(t, err)
	equal(t, 1, len(journal), "journaled steps")
}

// TestReplayWithOmit checks that a method whose recorded results leave
// fields out replays its scalar results as DoRecorded does.
func TestReplayWithOmit(t *testing.T) {
	l := newLookup(t, runtime.NewMemoryStore(), runtime.MethodConfig{Omit: []string{"Meta"}})
	ctx := context.Background()
	first, err := l.get(ctx, "k")
	noErr(t, err)
	got, ok := l.replay(ctx, "k")
	equal(t, true, ok, "Replay with Omit")
	equal(t, first, got, "replayed result")
}

// TestReplayHitAllocatesNothing holds the contract the generated fast path
// relies on: Replay keeps neither its slices nor what they hold, so a hit
// with a string key and an int result allocates nothing at all, with or
// without an observer, with or without key=.
func TestReplayHitAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	for _, observed := range []bool{false, true} {
		var opts []runtime.Option
		if observed {
			opts = append(opts, runtime.WithObserver(runtime.Observers()))
		}
		m := runtime.New(opts...).NewMethod(runtime.MethodConfig{Interface: "Svc", Name: "Get", Idempotent: &runtime.IdempotencyConfig{}})
		key := "order-1"
		var out int
		noErr(t, m.DoRecorded(ctx, runtime.Recording{Key: key, Args: []any{key, 100}, Results: []any{&out}}, func(context.Context) error { out = 7; return nil }))
		noErr(t, m.DoRecorded(ctx, runtime.Recording{Args: []any{key}, Results: []any{&out}}, func(context.Context) error { out = 8; return nil }))
		if n := testing.AllocsPerRun(100, func() {
			var r0 int
			if !m.Replay(ctx, key, []any{key, 100}, []any{&r0}) || r0 != 7 {
				t.Fatalf("no hit, or result %d", r0)
			}
		}); n != 0 {
			t.Fatalf("observed %v: %v allocations per Replay hit, want 0", observed, n)
		}
		if n := testing.AllocsPerRun(100, func() {
			var r0 int
			if !m.Replay(ctx, "", []any{key}, []any{&r0}) || r0 != 8 {
				t.Fatalf("no hit, or result %d", r0)
			}
		}); !observed && n != 0 || n > 1 {
			t.Fatalf("observed %v: %v allocations per Replay hit without key, want 0 (1 for the reported key)", observed, n)
		}
	}
}

// BenchmarkReplayHit is BenchmarkIdempotentHit as a generated wrapper
// makes it: Replay with slices built per call, on the system clock.
func BenchmarkReplayHit(b *testing.B) {
	m := runtime.New().NewMethod(runtime.MethodConfig{Interface: "Payments", Name: "Charge", Idempotent: &runtime.IdempotencyConfig{}})
	ctx := context.Background()
	key := "order-1"
	var out int
	noErr(b, m.DoRecorded(ctx, runtime.Recording{Key: key, Args: []any{key}, Results: []any{&out}}, func(context.Context) error { out = 7; return nil }))
	b.ReportAllocs()
	for b.Loop() {
		var r0 int
		if !m.Replay(ctx, key, []any{key}, []any{&r0}) || r0 != 7 {
			b.Fatal("no hit")
		}
	}
}
