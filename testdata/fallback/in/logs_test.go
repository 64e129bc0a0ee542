package logs

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/resilgen/resilgen/runtime"
)

var errAPI = errors.New("503")

type api struct{ fail bool }

func (a *api) Query(ctx context.Context, service string) (Summary, error) {
	if a.fail {
		return Summary{}, errAPI
	}
	return Summary{Lines: 42}, nil
}

func (a *api) Tail(ctx context.Context, service string, n int) ([]string, int, error) {
	if a.fail {
		return nil, 0, errAPI
	}
	return []string{"live"}, 1, nil
}

func (a *api) Ping(ctx context.Context) error {
	if a.fail {
		return errAPI
	}
	return nil
}

func (a *api) Summarize(ctx context.Context, service string) (Summary, error) {
	return a.Query(ctx, service)
}

func (a *api) Grep(pattern string, services ...string) ([]string, error) {
	if a.fail {
		return nil, errAPI
	}
	return []string{"live"}, nil
}

func TestFallbackOnRejectedAnswersOnlyWhenTheBreakerRejects(t *testing.T) {
	var events []runtime.Event
	obs := runtime.ObserverFunc(func(_ context.Context, e runtime.Event) { events = append(events, e) })
	dep := &api{fail: true}
	w := NewResilientLogs(dep, runtime.WithObserver(obs))
	ctx := context.Background()
	if _, err := w.Query(ctx, "checkout"); !errors.Is(err, errAPI) {
		t.Fatalf("first failure: err %v, want the API's (on=rejected does not answer failures)", err)
	}
	s, err := w.Query(ctx, "checkout") // the breaker is open now
	if err != nil || s != (Summary{Lines: 7, Cached: true}) {
		t.Fatalf("rejected call: %+v, %v; want the cached summary", s, err)
	}
	fallbacks := 0
	for _, e := range events {
		if e.Kind == runtime.EventFallback && e.Method == "Query" && errors.Is(e.Err, runtime.ErrCircuitOpen) {
			fallbacks++
		}
	}
	if fallbacks != 1 {
		t.Fatalf("%d fallback events, want 1", fallbacks)
	}
}

func TestFallbackOnFailed(t *testing.T) {
	dep := &api{fail: true}
	w := NewResilientLogs(dep)
	ctx := context.Background()
	lines, n, err := w.Tail(ctx, "checkout", 3)
	if err != nil || !slices.Equal(lines, []string{"cached"}) || n != 3 {
		t.Fatalf("Tail = %v, %d, %v; want the fallback's", lines, n, err)
	}
	if err := w.Ping(ctx); !errors.Is(err, ErrDown) || !errors.Is(err, errAPI) {
		t.Fatalf("Ping = %v; want the fallback's error, wrapping the API's", err)
	}
	got, err := w.Grep("oom", "a", "b")
	if err != nil || !slices.Equal(got, []string{"oom", "a", "b"}) {
		t.Fatalf("Grep = %v, %v; want the fallback's, given the variadic services", got, err)
	}
	dep.fail = false
	if lines, _, _ := w.Tail(ctx, "checkout", 3); !slices.Equal(lines, []string{"live"}) {
		t.Fatalf("Tail = %v on success; want the API's", lines)
	}
}

func TestFallbackAnswerIsNotJournaled(t *testing.T) {
	dep := &api{fail: true}
	w := NewResilientLogs(dep)
	store := runtime.NewMemoryStore()
	var got Summary
	body := func(ctx context.Context) error {
		s, err := w.Summarize(ctx, "checkout")
		got = s
		return err
	}
	if err := runtime.NewWorkflow(store, "wf").Run(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if !got.Cached {
		t.Fatalf("first run: %+v, want the fallback's cached summary", got)
	}
	dep.fail = false
	if err := runtime.NewWorkflow(store, "wf").Run(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if got != (Summary{Lines: 42}) {
		t.Fatalf("resumed run: %+v, want the API's answer: the fallback's must not have been journaled", got)
	}
}

func TestNoFallbackForACallerThatGaveUp(t *testing.T) {
	w := NewResilientLogs(&api{fail: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := w.Tail(ctx, "checkout", 3); !errors.Is(err, errAPI) {
		t.Fatalf("Tail with a cancelled ctx: %v, want the API's error, not the fallback", err)
	}
}
