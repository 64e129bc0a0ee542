package t

import (
	"context"
	"testing"
	"time"
)

// deadlines records the time left on each call's context.
type deadlines struct{ left []time.Duration }

func (d *deadlines) record(ctx context.Context) {
	dl, ok := ctx.Deadline()
	if !ok {
		d.left = append(d.left, -1)
		return
	}
	d.left = append(d.left, time.Until(dl))
}

func (d *deadlines) Wait(ctx context.Context) error { d.record(ctx); return nil }
func (d *deadlines) Long(ctx context.Context, n int) (bool, error) {
	d.record(ctx)
	return n > 0, nil
}

// TestAttemptHasTheDirectivesDeadline checks that each call reaches the
// dependency with a context whose deadline is its timeout: the type's
// 1500ms for Wait, the method's own 2m for Long. The deadline is a real
// one (see runtime.MethodConfig.Timeout), so the bounds leave a second
// for a slow machine.
func TestAttemptHasTheDirectivesDeadline(t *testing.T) {
	d := &deadlines{}
	s := NewResilientSlow(d)
	ctx := context.Background()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Long(ctx, 1); err != nil || !ok {
		t.Fatalf("Long = %v, %v; want true, nil", ok, err)
	}
	want := []time.Duration{1500 * time.Millisecond, 2 * time.Minute}
	for i, left := range d.left {
		if left > want[i] || left < want[i]-time.Second {
			t.Errorf("call %d: %v left on its context, want %v", i+1, left, want[i])
		}
	}
}

// TestCallersEarlierDeadlineWins checks that the timeout only shortens a
// caller's deadline, never extends it.
func TestCallersEarlierDeadlineWins(t *testing.T) {
	d := &deadlines{}
	s := NewResilientSlow(d)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Long(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if d.left[0] > 100*time.Millisecond {
		t.Fatalf("%v left, want at most the caller's 100ms", d.left[0])
	}
}
