package boltstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/clocktest"
)

// purgeStart is the manual clock's start in the purge tests.
var purgeStart = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

// counts returns the number of records in the file and of claims in memory.
func counts(t *testing.T, s *Store) (records, claims int) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		records = tx.Bucket(bucketRecords).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.shards {
		s.shards[i].mu.Lock()
		claims += len(s.shards[i].claims)
		s.shards[i].mu.Unlock()
	}
	return records, claims
}

// complete claims key for owner at now and completes it with a result that
// expires at expiresAt.
func complete(t *testing.T, s runtime.Store, key, owner string, now, expiresAt time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, claimed, err := s.Claim(ctx, key, "fp-"+owner, owner, now, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("Claim(%q) = %v, %v", key, claimed, err)
	}
	if err := s.Complete(ctx, key, owner, []byte("result of "+key), expiresAt); err != nil {
		t.Fatalf("Complete(%q): %v", key, err)
	}
}

// tick advances clk by d and waits until the scheduled purge that came due
// has ended: the purger starts its next timer only after a purge returns.
func tick(t *testing.T, clk *clocktest.Clock, d time.Duration) {
	t.Helper()
	clk.BlockUntilTimers(t, 1)
	clk.Advance(d)
	clk.BlockUntilTimers(t, 1)
}

// TestScheduledPurge: once the clock passes an interval, the scheduled
// purge has deleted what expired, and only that.
func TestScheduledPurge(t *testing.T) {
	ctx := context.Background()
	clk := clocktest.New(purgeStart)
	s := openTemp(t, WithClock(clk), WithPurgeInterval(10*time.Minute))
	now := purgeStart

	complete(t, s, "expired", "A", now, now.Add(5*time.Minute))
	complete(t, s, "live", "A", now, now.Add(time.Hour))
	// A claim whose lease lapses before the purge, and one that lives on.
	if _, _, err := s.Claim(ctx, "lapsed", "fp", "A", now, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, "held", "fp", "A", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r, c := counts(t, s); r != 2 || c != 2 {
		t.Fatalf("before the purge: %d records, %d claims; want 2 and 2", r, c)
	}

	tick(t, clk, 10*time.Minute)
	now = clk.Now()

	if r, c := counts(t, s); r != 1 || c != 1 {
		t.Fatalf("after the purge: %d records, %d claims; want 1 and 1 (the live ones)", r, c)
	}
	// The expired key is free for anyone, whatever they call with.
	if rec, claimed, err := s.Claim(ctx, "expired", "other-fp", "B", now, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("Claim of the purged key by another owner = %+v, %v, %v; want it claimed", rec, claimed, err)
	}
	// The live result and claim are untouched.
	rec, claimed, err := s.Claim(ctx, "live", "other-fp", "B", now, now.Add(time.Minute))
	if err != nil || claimed || !rec.Done || string(rec.Result) != "result of live" {
		t.Fatalf("Claim of the live result = %+v, %v, %v; want its result", rec, claimed, err)
	}
	rec, claimed, err = s.Claim(ctx, "held", "other-fp", "B", now, now.Add(time.Minute))
	if err != nil || claimed || rec.Owner != "A" {
		t.Fatalf("Claim of the held key = %+v, %v, %v; want A's claim", rec, claimed, err)
	}
}

// TestScheduledPurgeOff: a non-positive interval starts no purger.
func TestScheduledPurgeOff(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Minute} {
		clk := clocktest.New(purgeStart)
		s := openTemp(t, WithClock(clk), WithPurgeInterval(d))
		complete(t, s, "k", "A", purgeStart, purgeStart.Add(time.Second))
		clk.Advance(time.Hour)
		if n := clk.Timers(); n != 0 {
			t.Errorf("interval %v: %d timers pending; want none", d, n)
		}
		if r, _ := counts(t, s); r != 1 {
			t.Errorf("interval %v: %d records; want the expired one kept", d, r)
		}
	}
}

// TestCloseStopsPurger: Close leaves no timer pending and no purge running,
// and a second Close is harmless.
func TestCloseStopsPurger(t *testing.T) {
	clk := clocktest.New(purgeStart)
	s, err := Open(filepath.Join(t.TempDir(), "resil.db"), WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	clk.BlockUntilTimers(t, 1)
	if due, _ := clk.NextDue(); !due.Equal(purgeStart.Add(defaultPurgeInterval)) {
		t.Errorf("first purge due at %v; want the default interval after Open", due)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := clk.Timers(); n != 0 {
		t.Errorf("%d timers pending after Close; want the purger gone", n)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestScheduledPurgeErrors: a scheduled purge that fails reaches the
// handler, and the next purge still runs.
func TestScheduledPurgeErrors(t *testing.T) {
	clk := clocktest.New(purgeStart)
	errs := make(chan error, 1)
	s := openTemp(t, WithClock(clk), WithPurgeInterval(time.Minute),
		WithPurgeErrorHandler(func(err error) { errs <- err }))
	// A record no build can decode makes Purge fail.
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).Put([]byte("garbage"), []byte{0xff, 1, 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		clk.BlockUntilTimers(t, 1)
		clk.Advance(time.Minute)
		err := <-errs
		if err == nil || !strings.Contains(err.Error(), "purge") || !strings.Contains(err.Error(), s.db.Path()) {
			t.Fatalf("handler got %v; want the purge's error naming the file", err)
		}
	}
}
