package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/storetest"
)

// openTemp opens a store in a new file of the test's temporary directory and
// closes it when the test ends.
func openTemp(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "resil.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) runtime.Store { return openTemp(t) })
}

// TestOpenLockedByAnotherProcess: a second process opening an open file
// gets a clear error within the lock timeout, not a hang.
func TestOpenLockedByAnotherProcess(t *testing.T) {
	s := openTemp(t)
	start := time.Now()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envLockChild+"="+s.db.Path(), "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("second process: %v, output %q; want it to fail to open", err, out)
	}
	if !strings.Contains(string(out), "locked by another process") {
		t.Errorf("second process said %q; want it to say the file is locked by another process", out)
	}
	if elapsed > 10*time.Second {
		t.Errorf("second process took %v to give up", elapsed)
	}
}

// TestOpenTwiceInOneProcess: bbolt's lock is per open file, so a second
// Open in the same process fails the same way instead of deadlocking.
func TestOpenTwiceInOneProcess(t *testing.T) {
	s := openTemp(t)
	_, err := Open(s.db.Path(), WithLockTimeout(50*time.Millisecond))
	if !errors.Is(err, bolterrors.ErrTimeout) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second Open = %v; want a lock timeout", err)
	}
}

func TestOpenNewerLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resil.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyVersion, encodeVersion(layoutVersion+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open of a newer layout = %v; want an error naming the file and the newer layout", err)
	}
}

func TestOpenNotABoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resil.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not bbolt "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open of a non-bbolt file = %v; want an error naming it", err)
	}
}

// TestReopenKeepsResults: finished results and journal entries written
// before Close are there after Open, times and bytes exact to the
// nanosecond; unfinished claims are not, since they live in memory, and
// their keys are free at once.
func TestReopenKeepsResults(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "resil.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
	if _, _, err := s.Claim(ctx, "done", "fp", "A", now, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, "done", "A", []byte("result"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, "live", "fp2", "B", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	entry := runtime.JournalEntry{Seq: 3, Name: "n", Result: []byte("r"), Owner: "A"}
	if _, err := s.Append(ctx, "wf", entry); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, claimed, err := s.Claim(ctx, "done", "x", "C", now, now.Add(time.Second))
	want := runtime.Record{Key: "done", Fingerprint: "fp", Owner: "A", LeaseUntil: now.Add(time.Second), Done: true, Result: []byte("result"), ExpiresAt: now.Add(time.Hour)}
	if err != nil || claimed || !reflect.DeepEqual(rec, want) {
		t.Fatalf("after reopen: Claim(done) = %+v, %v, %v; want %+v", rec, claimed, err, want)
	}
	// B's lease has a minute to run, but B's Store is closed: C takes
	// the key at once.
	rec, claimed, err = s.Claim(ctx, "live", "x", "C", now, now.Add(time.Second))
	want = runtime.Record{Key: "live", Fingerprint: "x", Owner: "C", LeaseUntil: now.Add(time.Second)}
	if err != nil || !claimed || !reflect.DeepEqual(rec, want) {
		t.Fatalf("after reopen: Claim(live) = %+v, %v, %v; want C's new claim %+v", rec, claimed, err, want)
	}
	entries, err := s.Journal(ctx, "wf")
	if err != nil || len(entries) != 1 || !reflect.DeepEqual(entries[0], entry) {
		t.Fatalf("after reopen: Journal = %+v, %v; want [%+v]", entries, err, entry)
	}
}

// TestClaimWritesNothing: a claim, its renewals and its release leave the
// file as it was (no commit, so no fsync); only Complete writes.
func TestClaimWritesNothing(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	now := time.Now()
	txids := func() int {
		var id int
		if err := s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	before := txids()
	if _, claimed, err := s.Claim(ctx, "k", "fp", "A", now, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("Claim = %v, %v", claimed, err)
	}
	if err := s.Renew(ctx, "k", "A", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, "k", "A"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Claim(ctx, "k", "fp", "A", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := txids(); got != before {
		t.Fatalf("claim, renew, release and claim committed %d transactions; want none", got-before)
	}
	if err := s.Complete(ctx, "k", "A", []byte("r"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := txids(); got != before+1 {
		t.Fatalf("Complete committed %d transactions; want one", got-before)
	}
}

// TestPersistedClaimOfOlderBuild: an unfinished record in the file, as
// builds that persisted claims wrote it, belongs to a process that is gone
// (this one holds the file): the key is free at once, and Purge deletes the
// record.
func TestPersistedClaimOfOlderBuild(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	now := time.Now()
	old := runtime.Record{Key: "k", Fingerprint: "fp", Owner: "dead", LeaseUntil: now.Add(time.Hour)}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		if err := b.Put([]byte("k"), appendRecord(nil, &old)); err != nil {
			return err
		}
		return b.Put([]byte("other"), appendRecord(nil, &old))
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, claimed, err := s.Claim(ctx, "k", "fp", "A", now, now.Add(time.Minute))
	if err != nil || !claimed || rec.Owner != "A" {
		t.Fatalf("Claim over a persisted claim = %+v, %v, %v; want it claimed by A", rec, claimed, err)
	}
	if err := s.Complete(ctx, "k", "A", []byte("r"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Purge(ctx, now); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want the one persisted claim deleted", n, err)
	}
	rec, claimed, err = s.Claim(ctx, "k", "fp", "B", now, now.Add(time.Minute))
	if err != nil || claimed || !rec.Done || string(rec.Result) != "r" {
		t.Fatalf("Claim after Purge = %+v, %v, %v; want A's result", rec, claimed, err)
	}
}

// TestCompleteRacesTakeover: a Complete by an owner whose lease ran out
// races a new claimer. Either the Complete wins (it succeeds and the
// claimer gets its result) or the claimer does (the Complete gets
// ErrLeaseLost and writes nothing); never both, never a result under the
// new claim.
func TestCompleteRacesTakeover(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	now := time.Now()
	wins := map[string]int{}
	for i := range 200 {
		key := fmt.Sprintf("k-%d", i)
		if _, claimed, err := s.Claim(ctx, key, "fp", "A", now, now.Add(time.Second)); err != nil || !claimed {
			t.Fatalf("Claim by A = %v, %v", claimed, err)
		}
		var completeErr error
		var rec runtime.Record
		var claimed bool
		var claimErr error
		var wg sync.WaitGroup
		wg.Go(func() { completeErr = s.Complete(ctx, key, "A", []byte("A's"), now.Add(time.Hour)) })
		wg.Go(func() {
			rec, claimed, claimErr = s.Claim(ctx, key, "fp", "B", now.Add(time.Second), now.Add(time.Minute))
		})
		wg.Wait()
		if claimErr != nil {
			t.Fatal(claimErr)
		}
		switch {
		case completeErr == nil && !claimed && rec.Done && string(rec.Result) == "A's":
			wins["complete"]++
		case errors.Is(completeErr, runtime.ErrLeaseLost) && claimed && rec.Owner == "B":
			wins["claim"]++
			// A wrote nothing: B's claim holds, and B may finish it.
			if err := s.Complete(ctx, key, "B", []byte("B's"), now.Add(time.Hour)); err != nil {
				t.Fatalf("Complete by B after taking over: %v", err)
			}
		default:
			t.Fatalf("round %d: Complete by A = %v, Claim by B = %+v, %v; want exactly one of them to win", i, completeErr, rec, claimed)
		}
	}
	t.Logf("winners: %v", wins)
}

// TestEmptyKey: bbolt cannot store an empty key; say so instead of failing
// inside bbolt.
func TestEmptyKey(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.Claim(context.Background(), "", "fp", "A", time.Now(), time.Now()); err == nil || !strings.Contains(err.Error(), "empty key") {
		t.Fatalf("Claim of an empty key = %v; want an error saying so", err)
	}
}
