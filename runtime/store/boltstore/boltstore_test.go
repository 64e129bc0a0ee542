package boltstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
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

// TestReopenKeepsEverything: what was written before Close is there after
// Open, times and bytes exact to the nanosecond.
func TestReopenKeepsEverything(t *testing.T) {
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
	rec, claimed, err = s.Claim(ctx, "live", "x", "C", now, now.Add(time.Second))
	want = runtime.Record{Key: "live", Fingerprint: "fp2", Owner: "B", LeaseUntil: now.Add(time.Minute)}
	if err != nil || claimed || !reflect.DeepEqual(rec, want) {
		t.Fatalf("after reopen: Claim(live) = %+v, %v, %v; want %+v", rec, claimed, err, want)
	}
	entries, err := s.Journal(ctx, "wf")
	if err != nil || len(entries) != 1 || !reflect.DeepEqual(entries[0], entry) {
		t.Fatalf("after reopen: Journal = %+v, %v; want [%+v]", entries, err, entry)
	}
}

// TestEmptyKey: bbolt cannot store an empty key; say so instead of failing
// inside bbolt.
func TestEmptyKey(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.Claim(context.Background(), "", "fp", "A", time.Now(), time.Now()); err == nil || !strings.Contains(err.Error(), "empty key") {
		t.Fatalf("Claim of an empty key = %v; want an error saying so", err)
	}
}

// TestCorruptValue: a value this package cannot decode is an error naming
// the key, not a panic.
func TestCorruptValue(t *testing.T) {
	s := openTemp(t)
	for _, v := range [][]byte{{}, {9}, {formatRecord}, {formatRecord, 0, 0x80}, {formatRecord, 0, 2, 0, 2, 0, 50, 'x'}} {
		err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketRecords).Put([]byte("bad"), v) })
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Claim(context.Background(), "bad", "fp", "A", time.Now(), time.Now())
		if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("Claim of corrupt value %x = %v; want a corrupt-value error naming the key", v, err)
		}
	}
}
