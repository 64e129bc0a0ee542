package q

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// failsafe bounds, in real time, a wait for something the clock does not
// drive, so that a wrapper that ignores its bulkhead fails the test instead
// of hanging it.
const failsafe = 10 * time.Second

// within receives from ch, failing the test after failsafe.
func within[T any](t *testing.T, ch <-chan T, format string, args ...any) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(failsafe):
		t.Fatalf("waited "+failsafe.String()+" for "+format, args...)
		panic("unreachable")
	}
}

// held blocks every call until release is closed, and counts calls in
// flight and their peak.
type held struct {
	mu             sync.Mutex
	inFlight, peak int
	entered        chan struct{}
	release        chan struct{}
}

func (h *held) enter() {
	h.mu.Lock()
	h.inFlight++
	h.peak = max(h.peak, h.inFlight)
	h.mu.Unlock()
	h.entered <- struct{}{}
	<-h.release
	h.mu.Lock()
	h.inFlight--
	h.mu.Unlock()
}

func (h *held) Push(ctx context.Context, msg string) error { h.enter(); return nil }
func (h *held) Drain(ctx context.Context) (int, error)     { h.enter(); return 1, nil }

// TestBulkheadsCapCallsInFlight fills Push's bulkhead (max=4) and Drain's
// own (max=1): the next call of each waits the type's 50ms for a slot and
// fails with ErrBulkheadFull, and the dependency never saw more than the
// bulkheads allow at once.
func TestBulkheadsCapCallsInFlight(t *testing.T) {
	h := &held{entered: make(chan struct{}), release: make(chan struct{})}
	clk := clocktest.New(time.Unix(0, 0))
	q := NewResilientQueue(h, runtime.WithClock(clk))
	ctx := context.Background()

	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { _ = q.Push(ctx, "m") })
		within(t, h.entered, "Push %d to reach the dependency", i+1)
	}
	// Drain has a bulkhead of its own: a full Push bulkhead does not stop it.
	wg.Go(func() { _, _ = q.Drain(ctx) })
	within(t, h.entered, "Drain to reach the dependency beside 4 Push")

	for _, call := range []struct {
		name string
		do   func() error
	}{
		{"Push", func() error { return q.Push(ctx, "m") }},
		{"Drain", func() error { _, err := q.Drain(ctx); return err }},
	} {
		done := make(chan error, 1)
		go func() { done <- call.do() }()
		// It waits for a slot: a timer, and neither an end nor a call.
		clk.BlockUntilTimers(t, 1)
		select {
		case err := <-done:
			t.Fatalf("%s beyond its bulkhead ended at once (%v), want a 50ms wait for a slot", call.name, err)
		case <-h.entered:
			t.Fatalf("%s beyond its bulkhead reached the dependency", call.name)
		default:
		}
		clk.Advance(49 * time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("%s ended after 49ms of its 50ms wait: %v", call.name, err)
		default:
		}
		clk.Advance(time.Millisecond)
		if err := within(t, done, "%s to end after its wait", call.name); !errors.Is(err, runtime.ErrBulkheadFull) {
			t.Fatalf("%s beyond its bulkhead: %v, want ErrBulkheadFull", call.name, err)
		}
	}
	close(h.release)
	wg.Wait()
	if h.peak != 5 {
		t.Fatalf("peak in flight %d, want 5: 4 Push and 1 Drain", h.peak)
	}
	// The slots are free again.
	go func() {
		for range h.entered {
		}
	}()
	if err := q.Push(ctx, "m"); err != nil {
		t.Fatalf("Push after the others ended: %v", err)
	}
}
