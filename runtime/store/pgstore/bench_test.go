package pgstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// BenchmarkPostgres measures the store's operations next to their floor,
// in the same run on the same server: bare statements that write (or read)
// the same values in tables of the same shape (CREATE TABLE ... LIKE, with
// the same primary keys), each its own committed transaction as in the
// store. The floor of a miss (Claim+Complete) is one bare INSERT of the
// finished row: a miss must commit its result, and that is the least it
// can write. But a miss commits twice, inherently: the claim must be
// visible to the other replicas before the call runs, and the result
// after it. So its true floor is floor-insert-update, the two bare
// statements a miss needs, each its own autocommit transaction with
// synchronous commit:
//
//	INSERT INTO t (key, fingerprint, owner, lease_until) VALUES ($1, $2, $3, $4)
//	UPDATE t SET done = true, result = $3, expires_at = $4 WHERE key = $1 AND owner = $2
//
// The store's claim commits asynchronously (see the package doc), so it
// may beat that; floor-insert-async-update is the same two statements with
// the INSERT's commit asynchronous as the store's (set_config in a CTE of
// the INSERT), the floor of the store's protocol.
//
//	./scripts/test.sh go test -run '^$' -bench Postgres -count 5 ./runtime/store/pgstore/
func BenchmarkPostgres(b *testing.B) {
	ctx := context.Background()
	pool := testPool(b)
	s := newTestStore(b, pool)
	floorRecords, floorJournal := s.tables.prefix+"floor_records", s.tables.prefix+"floor_journal"
	for _, stmt := range []string{
		"CREATE TABLE " + floorRecords + " (LIKE " + s.tables.records + " INCLUDING ALL)",
		"CREATE TABLE " + floorJournal + " (LIKE " + s.tables.journal + " INCLUDING ALL)",
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { pool.Exec(context.Background(), "DROP TABLE "+floorRecords+", "+floorJournal) })
	exec := func(sql string, args ...any) {
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	leaseUntil, expiresAt := now.Add(30*time.Second), now.Add(24*time.Hour)
	n := 0 // keys never repeat across sub-benchmarks and runs

	b.Run("ClaimComplete=miss/store", func(b *testing.B) {
		for b.Loop() {
			n++
			key := benchKey(n)
			if _, claimed, err := s.Claim(ctx, key, benchFingerprint, benchOwner, now, leaseUntil); err != nil || !claimed {
				b.Fatal(claimed, err)
			}
			if err := s.Complete(ctx, key, benchOwner, benchResult, expiresAt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClaimComplete=miss/floor", func(b *testing.B) {
		for b.Loop() {
			n++
			key := benchKey(n)
			exec("INSERT INTO "+floorRecords+" (key, fingerprint, owner, lease_until, done, result, expires_at) VALUES ($1, $2, $3, $4, true, $5, $6)",
				key, benchFingerprint, benchOwner, leaseUntil, benchResult, expiresAt)
		}
	})
	insertClaim := "INSERT INTO " + floorRecords + " (key, fingerprint, owner, lease_until) VALUES ($1, $2, $3, $4)"
	updateDone := "UPDATE " + floorRecords + " SET done = true, result = $3, expires_at = $4 WHERE key = $1 AND owner = $2"
	b.Run("ClaimComplete=miss/floor-insert-update", func(b *testing.B) {
		for b.Loop() {
			n++
			key := benchKey(n)
			exec(insertClaim, key, benchFingerprint, benchOwner, leaseUntil)
			exec(updateDone, key, benchOwner, benchResult, expiresAt)
		}
	})
	// The INSERT turns synchronous commit off for its own transaction
	// in the statement, with the store's asyncCommit CTE, so that it is
	// still one round trip.
	insertClaimAsync := "WITH " + strings.TrimSuffix(asyncCommit, ", ") + " INSERT INTO " + floorRecords +
		" (key, fingerprint, owner, lease_until) SELECT $1, $2, $3, $4::timestamptz FROM cfg"
	b.Run("ClaimComplete=miss/floor-insert-async-update", func(b *testing.B) {
		for b.Loop() {
			n++
			key := benchKey(n)
			exec(insertClaimAsync, key, benchFingerprint, benchOwner, leaseUntil)
			exec(updateDone, key, benchOwner, benchResult, expiresAt)
		}
	})
	// The claim alone is one durable write: its floor is one bare INSERT.
	b.Run("Claim=miss/store", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, claimed, err := s.Claim(ctx, benchKey(n), benchFingerprint, benchOwner, now, leaseUntil); err != nil || !claimed {
				b.Fatal(claimed, err)
			}
		}
	})
	b.Run("Claim=miss/floor", func(b *testing.B) {
		for b.Loop() {
			n++
			exec("INSERT INTO "+floorRecords+" (key, fingerprint, owner, lease_until) VALUES ($1, $2, $3, $4)", benchKey(n), benchFingerprint, benchOwner, leaseUntil)
		}
	})

	hitKey := benchKey(-1)
	if _, _, err := s.Claim(ctx, hitKey, benchFingerprint, benchOwner, now, leaseUntil); err != nil {
		b.Fatal(err)
	}
	if err := s.Complete(ctx, hitKey, benchOwner, benchResult, expiresAt); err != nil {
		b.Fatal(err)
	}
	exec("INSERT INTO "+floorRecords+" (key, fingerprint, owner, lease_until, done, result, expires_at) VALUES ($1, $2, $3, $4, true, $5, $6)",
		hitKey, benchFingerprint, benchOwner, leaseUntil, benchResult, expiresAt)
	b.Run("Claim=hit/store", func(b *testing.B) {
		for b.Loop() {
			if rec, claimed, err := s.Claim(ctx, hitKey, benchFingerprint, "other", now, leaseUntil); err != nil || claimed || !rec.Done {
				b.Fatal(rec, claimed, err)
			}
		}
	})
	// A hit only reads, so its floor is a bare SELECT of the same row; a
	// bare write would flatter the store.
	b.Run("Claim=hit/floor", func(b *testing.B) {
		for b.Loop() {
			var rec runtime.Record
			var exp *time.Time
			err := pool.QueryRow(ctx, "SELECT fingerprint, owner, lease_until, done, result, expires_at FROM "+floorRecords+" WHERE key = $1", hitKey).
				Scan(&rec.Fingerprint, &rec.Owner, &rec.LeaseUntil, &rec.Done, &rec.Result, &exp)
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("Append/store", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, err := s.Append(ctx, "incident-INC-12345", runtime.JournalEntry{Seq: n, Name: "charge", Result: benchResult, Owner: benchOwner}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Append/floor", func(b *testing.B) {
		for b.Loop() {
			n++
			exec("INSERT INTO "+floorJournal+" (workflow, seq, name, owner, result) VALUES ($1, $2, $3, $4, $5)", "incident-INC-12345", int64(n), "charge", benchOwner, benchResult)
		}
	})
}
