package boltstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/resilgen/resilgen/runtime"
)

// format1File is a store file written by boltstore at commit 1b123e1
// (layout version 1, record and entry format 1), by a throwaway test of
// that commit that ran Open, Claim+Complete and Append with the values of
// format1Records and format1Journal below, and put the persisted claim
// "claimed" with that commit's appendRecord, as builds before in-memory
// claims wrote claims. Every later build must read it.
const format1File = "testdata/format1.db"

// format1Now is the claim time the file was written with.
var format1Now = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)

// format1Records is every record in format1File, exactly.
var format1Records = []runtime.Record{
	{Key: "PaymentClient.Charge/order-000000000001", Fingerprint: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Owner: "host-7/pid-4242/3f9a1c",
		LeaseUntil: format1Now.Add(30 * time.Second), Done: true, Result: []byte(`[{"id":"ch_3PZk2L","amount":4200,"currency":"eur","status":"succeeded"}]`),
		ExpiresAt: time.Date(2099, 12, 31, 23, 59, 59, 999999999, time.UTC)},
	{Key: "claimed", Fingerprint: "fp-5", Owner: "owner-dead", LeaseUntil: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)},
	{Key: "empty-result", Fingerprint: "fp-3", Owner: "owner-C", LeaseUntil: format1Now.Add(30 * time.Second), Done: true, ExpiresAt: time.Date(2099, 6, 1, 0, 0, 0, 0, time.UTC)},
	{Key: "expired", Fingerprint: "fp-4", Owner: "owner-D", LeaseUntil: format1Now.Add(30 * time.Second), Done: true, Result: []byte(`"old"`), ExpiresAt: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)},
	{Key: "ключ-🔑", Fingerprint: "fp-2", Owner: "owner-B", LeaseUntil: format1Now.Add(30 * time.Second), Done: true, Result: []byte{0, 1, 0xff, 0xfe, 0, '"', '\\'},
		ExpiresAt: time.Date(2099, 1, 1, 0, 0, 0, 1, time.UTC)},
}

// format1Journal is every journal entry in format1File, by workflow.
var format1Journal = map[string][]runtime.JournalEntry{
	"incident-INC-12345": {
		{Seq: 0, Name: "page", Result: []byte(`"oncall-7"`), Owner: "host-7/pid-4242/3f9a1c"},
		{Seq: 1, Name: "mitigate", Result: []byte(`{"ok":true}`), Owner: "host-7/pid-4242/3f9a1c"},
		{Seq: 10, Name: "empty", Owner: "host-8/pid-1/aa"},
	},
	"w": {{Seq: -1, Name: "neg", Result: []byte{0, 0xff}, Owner: "A"}},
}

// openCopy opens a copy of the file at path, so that the test may write.
func openCopy(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(cp, append([]Option{WithPurgeInterval(0)}, opts...)...)
	if err != nil {
		t.Fatalf("Open of a copy of %s: %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sameRecord compares records field by field: times as instants and in
// UTC, an empty and a nil result alike.
func sameRecord(a, b runtime.Record) bool {
	return a.Key == b.Key && a.Fingerprint == b.Fingerprint && a.Owner == b.Owner && a.Done == b.Done &&
		a.LeaseUntil.Equal(b.LeaseUntil) && a.ExpiresAt.Equal(b.ExpiresAt) && bytes.Equal(a.Result, b.Result)
}

// TestReadsFormat1File reads every record and journal entry of a file
// written by layout version 1 back exactly, both from the file and
// through the store's methods.
func TestReadsFormat1File(t *testing.T) {
	ctx := context.Background()
	s := openCopy(t, format1File)

	var got []runtime.Record
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			rec, err := decodeRecord(k, v, known{})
			got = append(got, rec)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(format1Records) {
		t.Fatalf("file holds %d records %+v; want %d", len(got), got, len(format1Records))
	}
	for i, want := range format1Records {
		if !sameRecord(got[i], want) {
			t.Errorf("record %d = %+v; want %+v", i, got[i], want)
		}
	}

	for _, want := range format1Records {
		if !want.Done || !want.ExpiresAt.After(format1Now) {
			continue
		}
		rec, claimed, err := s.Claim(ctx, want.Key, "other-fp", "reader", format1Now, format1Now.Add(time.Minute))
		if err != nil || claimed || !sameRecord(rec, want) {
			t.Errorf("Claim(%q) = %+v, %v, %v; want the stored result %+v", want.Key, rec, claimed, err, want)
		}
	}
	// The expired result and the persisted claim of a gone process free
	// their keys.
	for _, key := range []string{"expired", "claimed"} {
		rec, claimed, err := s.Claim(ctx, key, "fp-new", "reader", format1Now, format1Now.Add(time.Minute))
		if err != nil || !claimed || rec.Owner != "reader" {
			t.Errorf("Claim(%q) = %+v, %v, %v; want it claimed anew", key, rec, claimed, err)
		}
	}
	for wf, want := range format1Journal {
		got, err := s.Journal(ctx, wf)
		if err != nil || len(got) != len(want) {
			t.Fatalf("Journal(%q) = %+v, %v; want %+v", wf, got, err, want)
		}
		for i := range want {
			if g, w := got[i], want[i]; g.Seq != w.Seq || g.Name != w.Name || g.Owner != w.Owner || !bytes.Equal(g.Result, w.Result) {
				t.Errorf("Journal(%q)[%d] = %+v; want %+v", wf, i, g, w)
			}
		}
		// Appending at a taken seq returns the stored entry.
		e, err := s.Append(ctx, wf, runtime.JournalEntry{Seq: want[0].Seq, Name: "again", Owner: "reader"})
		if err != nil || e.Name != want[0].Name || !bytes.Equal(e.Result, want[0].Result) {
			t.Errorf("Append(%q) at a taken seq = %+v, %v; want %+v", wf, e, err, want[0])
		}
	}
}

// TestUpgradesFormat1File: Open upgrades a version 1 file to the current
// layout by its version alone; new values are written in the current
// format beside the old ones, and after a reopen both read back.
func TestUpgradesFormat1File(t *testing.T) {
	ctx := context.Background()
	s := openCopy(t, format1File)
	path := s.db.Path()
	var version uint64
	var err error
	if err := s.db.View(func(tx *bolt.Tx) error {
		version, err = decodeVersion(tx.Bucket(bucketMeta).Get(keyVersion))
		return err
	}); err != nil || version != layoutVersion {
		t.Fatalf("layout version after Open = %d, %v; want %d", version, err, layoutVersion)
	}
	now := format1Now
	if _, _, err := s.Claim(ctx, "new", "fp", "A", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, "new", "A", []byte("r"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(bucketRecords).Get([]byte("new"))[0]; f != formatRecord {
			t.Errorf("new record written in format %d; want %d", f, formatRecord)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, WithPurgeInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, want := range []runtime.Record{format1Records[0], {Key: "new", Fingerprint: "fp", Owner: "A", LeaseUntil: now.Add(time.Minute), Done: true, Result: []byte("r"), ExpiresAt: now.Add(time.Hour)}} {
		rec, claimed, err := s.Claim(ctx, want.Key, "x", "B", now, now.Add(time.Minute))
		if err != nil || claimed || !sameRecord(rec, want) {
			t.Errorf("after reopen, Claim(%q) = %+v, %v, %v; want %+v", want.Key, rec, claimed, err, want)
		}
	}
}
