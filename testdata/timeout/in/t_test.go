package t

import (
	"context"
	"errors"
	"strings"
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

// Brief hangs until its context ends on its first call, and answers at
// once on the next.
func (d *deadlines) Once(ctx context.Context) error { d.record(ctx); return nil }

func (d *deadlines) Brief(ctx context.Context) (string, error) {
	d.record(ctx)
	if len(d.left) == 1 {
		<-ctx.Done()
		return "late", ctx.Err()
	}
	return "quick", nil
}

// TestExpiredAttemptIsRetried checks that an attempt ended by its own
// deadline fails as a timed-out attempt, is retried with a deadline of
// its own, and that a call whose every attempt timed out says so.
func TestExpiredAttemptIsRetried(t *testing.T) {
	d := &deadlines{}
	s := NewResilientSlow(d)
	got, err := s.Brief(context.Background())
	if err != nil || got != "quick" {
		t.Fatalf("Brief = %q, %v; want the retry's quick, nil", got, err)
	}
	if len(d.left) != 2 || d.left[1] <= 0 || d.left[1] > 5*time.Millisecond {
		t.Fatalf("deadlines left %v, want two attempts of at most 5ms each", d.left)
	}

	s = NewResilientSlow(hanging{})
	_, err = s.Brief(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Slow.Brief: attempt 2 timed out after 5ms") {
		t.Fatalf("err = %v, want the last attempt timed out after 5ms, and DeadlineExceeded", err)
	}
}

// TestExpiredAttemptSaysSo checks that a call whose one attempt its own
// deadline ended fails with an error that says so, and wraps the
// deadline.
func TestExpiredAttemptSaysSo(t *testing.T) {
	err := NewResilientSlow(hanging{}).Once(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "Slow.Once: attempt 1 timed out after 5ms: ") {
		t.Fatalf("err = %v, want attempt 1 timed out after 5ms, and DeadlineExceeded", err)
	}
}

// hanging is a Slow whose Brief and Once always wait for their context to
// end.
type hanging struct{ Slow }

func (hanging) Once(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func (hanging) Brief(ctx context.Context) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
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
