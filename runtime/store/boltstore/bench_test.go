package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/resilgen/resilgen/runtime"
)

// Benchmark data shaped like the runtime's: a method-scoped key, a SHA-256
// fingerprint in hex, a host/pid owner and a small JSON result.
var (
	benchFingerprint = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	benchOwner       = "host-7/pid-4242/3f9a1c"
	benchResult      = []byte(`[{"id":"ch_3PZk2L","amount":4200,"currency":"eur","status":"succeeded"}]`)
)

func benchKey(i int) string { return fmt.Sprintf("PaymentClient.Charge/order-%012d", i) }

// BenchmarkBolt measures the store's operations next to their floor: the
// bare bbolt transactions that write (or read) the same bytes in the same
// file, with the same options. Every write is a committed, fsynced
// transaction in both, so the ratio is what the store adds. The floor of a
// miss (Claim+Complete) is one bare update writing the finished record: a
// miss must make its result durable, and that is the least it can commit.
//
//	go test -run '^$' -bench Bolt -count 5 ./runtime/store/boltstore/
func BenchmarkBolt(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	floor := []byte("floor")
	if err := s.db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(floor); return err }); err != nil {
		b.Fatal(err)
	}
	put := func(k, v []byte) {
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(floor).Put(k, v) }); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	claim := runtime.Record{Fingerprint: benchFingerprint, Owner: benchOwner, LeaseUntil: now.Add(30 * time.Second)}
	done := claim
	done.Done, done.Result, done.ExpiresAt = true, benchResult, now.Add(24*time.Hour)
	doneBytes := appendRecord(nil, &done)
	n := 0 // keys never repeat across sub-benchmarks and runs

	b.Run("ClaimComplete=miss/store", func(b *testing.B) {
		for b.Loop() {
			n++
			key := benchKey(n)
			if _, claimed, err := s.Claim(ctx, key, benchFingerprint, benchOwner, now, claim.LeaseUntil); err != nil || !claimed {
				b.Fatal(claimed, err)
			}
			if err := s.Complete(ctx, key, benchOwner, benchResult, done.ExpiresAt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClaimComplete=miss/floor", func(b *testing.B) {
		for b.Loop() {
			n++
			put([]byte(benchKey(n)), doneBytes)
		}
	})

	hitKey := benchKey(-1)
	if _, _, err := s.Claim(ctx, hitKey, benchFingerprint, benchOwner, now, claim.LeaseUntil); err != nil {
		b.Fatal(err)
	}
	if err := s.Complete(ctx, hitKey, benchOwner, benchResult, done.ExpiresAt); err != nil {
		b.Fatal(err)
	}
	put([]byte(hitKey), doneBytes)
	b.Run("Claim=hit/store", func(b *testing.B) {
		for b.Loop() {
			if rec, claimed, err := s.Claim(ctx, hitKey, benchFingerprint, "other", now, claim.LeaseUntil); err != nil || claimed || !rec.Done {
				b.Fatal(rec, claimed, err)
			}
		}
	})
	// A hit only reads, so its floor is a bare read transaction that
	// copies the same bytes out; a bare write would flatter the store.
	b.Run("Claim=hit/floor", func(b *testing.B) {
		for b.Loop() {
			var v []byte
			if err := s.db.View(func(tx *bolt.Tx) error { v = bytes.Clone(tx.Bucket(floor).Get([]byte(hitKey))); return nil }); err != nil || v == nil {
				b.Fatal(err)
			}
		}
	})

	// In parallel, each goroutine hits keys of its own, spread over the
	// store's shards as the keys of concurrent calls are.
	const parallelKeys = 64
	var keys [parallelKeys]string
	var rawKeys [parallelKeys][]byte
	for i := range parallelKeys {
		key := benchKey(-2 - i)
		keys[i], rawKeys[i] = key, []byte(key)
		if _, _, err := s.Claim(ctx, key, benchFingerprint, benchOwner, now, claim.LeaseUntil); err != nil {
			b.Fatal(err)
		}
		if err := s.Complete(ctx, key, benchOwner, benchResult, done.ExpiresAt); err != nil {
			b.Fatal(err)
		}
		put([]byte(key), doneBytes)
	}
	b.Run("Claim=hit-parallel/store", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				key := keys[i%parallelKeys]
				if rec, claimed, err := s.Claim(ctx, key, benchFingerprint, "other", now, claim.LeaseUntil); err != nil || claimed || !rec.Done {
					b.Fatal(rec, claimed, err)
				}
			}
		})
	})
	b.Run("Claim=hit-parallel/floor", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				key := rawKeys[i%parallelKeys]
				var v []byte
				if err := s.db.View(func(tx *bolt.Tx) error { v = bytes.Clone(tx.Bucket(floor).Get(key)); return nil }); err != nil || v == nil {
					b.Fatal(err)
				}
			}
		})
	})

	entry := runtime.JournalEntry{Name: "charge", Result: benchResult, Owner: benchOwner}
	entryBytes := appendEntry(nil, &entry)
	b.Run("Append/store", func(b *testing.B) {
		for b.Loop() {
			n++
			entry.Seq = n
			if _, err := s.Append(ctx, "incident-INC-12345", entry); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Append/floor", func(b *testing.B) {
		for b.Loop() {
			n++
			put(journalKey("incident-INC-12345", n), entryBytes)
		}
	})
}
