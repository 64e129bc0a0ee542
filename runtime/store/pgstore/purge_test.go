package pgstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime/clocktest"
)

// purgeStart is the manual clock's start in the purge tests: whole seconds,
// so PostgreSQL's microseconds keep it exact.
var purgeStart = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

// rowCount returns the number of rows in s's records table.
func rowCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+s.tables.records).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// complete claims key for owner at now and completes it with a result that
// expires at expiresAt.
func complete(t *testing.T, s *Store, key, owner string, now, expiresAt time.Time) {
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
	pool := testPool(t)
	ctx := context.Background()
	clk := clocktest.New(purgeStart)
	s := newTestStore(t, pool, WithClock(clk), WithPurgeInterval(10*time.Minute))
	now := purgeStart

	complete(t, s, "expired", "A", now, now.Add(5*time.Minute))
	complete(t, s, "live", "A", now, now.Add(time.Hour))
	if _, _, err := s.Claim(ctx, "lapsed", "fp", "A", now, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, "held", "fp", "A", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := rowCount(t, s); n != 4 {
		t.Fatalf("before the purge: %d rows; want 4", n)
	}

	tick(t, clk, 10*time.Minute)
	now = clk.Now()

	if n := rowCount(t, s); n != 2 {
		t.Fatalf("after the purge: %d rows; want 2 (the live ones)", n)
	}
	if rec, claimed, err := s.Claim(ctx, "expired", "other-fp", "B", now, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("Claim of the purged key by another owner = %+v, %v, %v; want it claimed", rec, claimed, err)
	}
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
	pool := testPool(t)
	for _, d := range []time.Duration{0, -time.Minute} {
		clk := clocktest.New(purgeStart)
		s := newTestStore(t, pool, WithClock(clk), WithPurgeInterval(d))
		complete(t, s, "k", "A", purgeStart, purgeStart.Add(time.Second))
		clk.Advance(time.Hour)
		if n := clk.Timers(); n != 0 {
			t.Errorf("interval %v: %d timers pending; want none", d, n)
		}
		if n := rowCount(t, s); n != 1 {
			t.Errorf("interval %v: %d rows; want the expired one kept", d, n)
		}
	}
}

// TestCloseStopsPurger: the first purge is jittered within the interval,
// Close leaves no timer pending, is harmless twice, and leaves the pool
// open and the store usable.
func TestCloseStopsPurger(t *testing.T) {
	pool := testPool(t)
	clk := clocktest.New(purgeStart)
	s := newTestStore(t, pool, WithClock(clk))
	clk.BlockUntilTimers(t, 1)
	due, _ := clk.NextDue()
	if first := due.Sub(purgeStart); first <= defaultPurgeInterval/2 || first > defaultPurgeInterval {
		t.Errorf("first purge %v after New; want within (interval/2, interval]", first)
	}
	s.Close()
	if n := clk.Timers(); n != 0 {
		t.Errorf("%d timers pending after Close; want the purger gone", n)
	}
	s.Close()
	if err := pool.Ping(context.Background()); err != nil {
		t.Errorf("pool after Close: %v; want it open", err)
	}
	if _, err := s.Purge(context.Background(), purgeStart); err != nil {
		t.Errorf("Purge after Close: %v; want the store usable while the pool is open", err)
	}
}

// TestFirstPurgeJitter: the first purge of replicas started together is
// spread over half an interval, never later than an interval.
func TestFirstPurgeJitter(t *testing.T) {
	const interval = 10 * time.Minute
	seen := map[time.Duration]bool{}
	for range 100 {
		d := firstPurge(interval)
		if d <= interval/2 || d > interval {
			t.Fatalf("firstPurge(%v) = %v; want within (interval/2, interval]", interval, d)
		}
		seen[d] = true
	}
	if len(seen) < 50 {
		t.Errorf("100 first purges took %d distinct waits; want them spread", len(seen))
	}
	for _, d := range []time.Duration{1, 2, 3} {
		if got := firstPurge(d); got <= 0 || got > d {
			t.Errorf("firstPurge(%v) = %v", d, got)
		}
	}
}

// TestScheduledPurgeErrors: a scheduled purge that fails reaches the
// handler, and the next purge still runs.
func TestScheduledPurgeErrors(t *testing.T) {
	pool := testPool(t)
	clk := clocktest.New(purgeStart)
	errs := make(chan error, 1)
	s := newTestStore(t, pool, WithClock(clk), WithPurgeInterval(time.Minute),
		WithPurgeErrorHandler(func(err error) { errs <- err }))
	// Without its table, the DELETE fails.
	if _, err := pool.Exec(context.Background(), "DROP TABLE "+s.tables.records); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		clk.BlockUntilTimers(t, 1)
		_, _ = clk.AdvanceToNext()
		err := <-errs
		if err == nil || !strings.Contains(err.Error(), "purge") || !strings.Contains(err.Error(), s.tables.plainRecords) {
			t.Fatalf("handler got %v; want the purge's error naming the table", err)
		}
	}
}
