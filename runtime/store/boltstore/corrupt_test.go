package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/resilgen/resilgen/runtime"
)

// putRaw writes v under k in bucket, bypassing the store.
func putRaw(t *testing.T, s *Store, bucket, k, v []byte) {
	t.Helper()
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(k, v) }); err != nil {
		t.Fatal(err)
	}
}

// wantCorrupt checks that err is a corrupt-value error naming what.
func wantCorrupt(t *testing.T, op string, v []byte, err error, what string) {
	t.Helper()
	if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), what) {
		t.Errorf("%s of corrupt value %x = %v; want a corrupt-value error naming %s", op, v, err, what)
	}
}

// corruptions returns broken versions of a real value: every truncation
// of it, it with each of its bits flipped in turn, and garbage.
func corruptions(v []byte) [][]byte {
	var bad [][]byte
	for n := range len(v) {
		bad = append(bad, v[:n:n])
	}
	for i := range v {
		for bit := range 8 {
			b := append([]byte(nil), v...)
			b[i] ^= 1 << bit
			bad = append(bad, b)
		}
	}
	// A byte after the result, under a checksum that matches: a value no
	// writer of this format makes.
	long := append(v[:len(v)-crcLen:len(v)-crcLen], 'x')
	long = binary.BigEndian.AppendUint32(long, crc32.Checksum(long, castagnoli))
	return append(bad, long, []byte{0xff, 1, 2}, []byte{formatRecord, 0, 0x80})
}

// TestCorruptRecord: a record value this package cannot decode, whether
// truncated at any length, with any bit flipped, or garbage, is an error
// naming the key from every method that reads it, never a panic and never
// a wrong result.
func TestCorruptRecord(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	s.db.NoSync = true // a thousand raw writes; none needs to be durable
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := runtime.Record{Key: "bad", Fingerprint: "fp-1", Owner: "owner-A", LeaseUntil: now.Add(time.Second), Done: true,
		Result: []byte(`[{"amount":4200}]`), ExpiresAt: now.Add(time.Hour)}
	for _, v := range corruptions(appendRecord(nil, &rec)) {
		putRaw(t, s, bucketRecords, []byte("bad"), v)
		_, _, err := s.Claim(ctx, "bad", "fp", "A", now, now.Add(time.Second))
		wantCorrupt(t, "Claim", v, err, `"bad"`)
		_, err = s.Purge(ctx, now)
		wantCorrupt(t, "Purge", v, err, `"bad"`)
	}
}

// TestCorruptEntry: the same for journal entries, named by workflow and
// seq.
func TestCorruptEntry(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	s.db.NoSync = true // a thousand raw writes; none needs to be durable
	e := runtime.JournalEntry{Seq: 7, Name: "charge", Result: []byte(`"tx-1"`), Owner: "owner-A"}
	for _, v := range corruptions(appendEntry(nil, &e)) {
		putRaw(t, s, bucketJournal, journalKey("wf", 7), v)
		_, err := s.Journal(ctx, "wf")
		wantCorrupt(t, "Journal", v, err, `"wf"`)
		wantCorrupt(t, "Journal", v, err, "7")
		_, err = s.Append(ctx, "wf", e)
		wantCorrupt(t, "Append", v, err, `"wf"`)
	}
}
