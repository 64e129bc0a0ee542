package pgstore

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/resilgen/resilgen/runtime"
)

// schemaV1 is the DDL of schema version 1 as New created it at commit
// 1b123e1 (pgstore.go, migrate), with %s standing for the table prefix.
// It is a copy, not a call of migrate: the point is that rows written by
// that version stay readable whatever migrate becomes.
var schemaV1 = []string{
	`CREATE TABLE %sresilgen_schema (
		id boolean PRIMARY KEY DEFAULT true CHECK (id),
		version integer NOT NULL
	)`,
	`CREATE TABLE %sresilgen_idempotency (
		key         text PRIMARY KEY,
		fingerprint text NOT NULL,
		owner       text NOT NULL,
		lease_until timestamptz NOT NULL,
		done        boolean NOT NULL DEFAULT false,
		result      bytea,
		expires_at  timestamptz,
		CHECK (NOT done OR expires_at IS NOT NULL)
	)`,
	`CREATE TABLE %sresilgen_journal (
		workflow    text NOT NULL,
		seq         bigint NOT NULL,
		name        text NOT NULL,
		owner       text NOT NULL,
		result      bytea,
		recorded_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (workflow, seq)
	)`,
	`INSERT INTO %sresilgen_schema (version) VALUES (1)`,
}

// rowsV1 are rows as version 1 wrote them (captured from its Claim,
// Complete and Append at commit 1b123e1): finished results, a claim, an
// expired result, and journal entries, one with an empty result.
var rowsV1 = []string{
	`INSERT INTO %sresilgen_idempotency (key, fingerprint, owner, lease_until, done, result, expires_at) VALUES
		('PaymentClient.Charge/order-000000000001', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'host-7/pid-4242/3f9a1c',
		 '2030-01-02 03:04:35.123456+00', true, '\x5b7b226964223a2263685f33505a6b324c222c22616d6f756e74223a343230307d5d', '2099-12-31 23:59:59.999999+00'),
		('ключ-🔑', 'fp-2', 'owner-B', '2030-01-02 03:04:35.123456+00', true, '\x0001fffe00225c', '2099-01-01 00:00:00.000001+00'),
		('empty-result', 'fp-3', 'owner-C', '2030-01-02 03:04:35+00', true, '\x', '2099-06-01 00:00:00+00'),
		('expired', 'fp-4', 'owner-D', '2020-01-02 03:04:35+00', true, '\x226f6c6422', '2020-06-01 00:00:00+00'),
		('claimed', 'fp-5', 'owner-E', '2099-01-01 00:00:00+00', false, NULL, NULL)`,
	`INSERT INTO %sresilgen_journal (workflow, seq, name, owner, result) VALUES
		('incident-INC-12345', 0, 'page', 'host-7/pid-4242/3f9a1c', '\x226f6e63616c6c2d3722'),
		('incident-INC-12345', 1, 'mitigate', 'host-7/pid-4242/3f9a1c', '\x7b226f6b223a747275657d'),
		('incident-INC-12345', 10, 'empty', 'host-8/pid-1/aa', '\x'),
		('w', -1, 'neg', 'A', '\x00ff')`,
}

// TestReadsSchemaV1 reads rows written by schema version 1 through the
// current store: every result, claim and journal entry comes back exactly.
func TestReadsSchemaV1(t *testing.T) {
	ctx := context.Background()
	pool := testPool(t)
	prefix := newPrefix(t, pool)
	for _, stmt := range append(append([]string{}, schemaV1...), rowsV1...) {
		if _, err := pool.Exec(ctx, strings.ReplaceAll(stmt, "%s", prefix)); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	s, err := New(ctx, pool, WithTablePrefix(prefix), WithPurgeInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	lease := time.Date(2030, 1, 2, 3, 4, 35, 123456000, time.UTC)
	for _, want := range []runtime.Record{
		{Key: "PaymentClient.Charge/order-000000000001", Fingerprint: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Owner: "host-7/pid-4242/3f9a1c",
			LeaseUntil: lease, Done: true, Result: []byte(`[{"id":"ch_3PZk2L","amount":4200}]`), ExpiresAt: time.Date(2099, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{Key: "ключ-🔑", Fingerprint: "fp-2", Owner: "owner-B", LeaseUntil: lease, Done: true, Result: []byte{0, 1, 0xff, 0xfe, 0, '"', '\\'}, ExpiresAt: time.Date(2099, 1, 1, 0, 0, 0, 1000, time.UTC)},
		{Key: "empty-result", Fingerprint: "fp-3", Owner: "owner-C", LeaseUntil: time.Date(2030, 1, 2, 3, 4, 35, 0, time.UTC), Done: true, Result: []byte{}, ExpiresAt: time.Date(2099, 6, 1, 0, 0, 0, 0, time.UTC)},
		{Key: "claimed", Fingerprint: "fp-5", Owner: "owner-E", LeaseUntil: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		rec, claimed, err := s.Claim(ctx, want.Key, "other-fp", "reader", now, now.Add(time.Minute))
		if err != nil || claimed {
			t.Fatalf("Claim(%q) = %+v, %v, %v; want the version 1 record", want.Key, rec, claimed, err)
		}
		if !sameRecord(rec, want) {
			t.Errorf("Claim(%q) = %+v; want %+v", want.Key, rec, want)
		}
	}
	// The expired result frees its key.
	rec, claimed, err := s.Claim(ctx, "expired", "fp-new", "reader", now, now.Add(time.Minute))
	if err != nil || !claimed || rec.Fingerprint != "fp-new" {
		t.Fatalf("Claim(expired) = %+v, %v, %v; want it claimed anew", rec, claimed, err)
	}
	// The claim of version 1 is a claim: its owner completes it.
	if err := s.Complete(ctx, "claimed", "owner-E", []byte("done"), now.Add(time.Hour)); err != nil {
		t.Fatalf("Complete of a version 1 claim by its owner: %v", err)
	}

	for wf, want := range map[string][]runtime.JournalEntry{
		"incident-INC-12345": {
			{Seq: 0, Name: "page", Result: []byte(`"oncall-7"`), Owner: "host-7/pid-4242/3f9a1c"},
			{Seq: 1, Name: "mitigate", Result: []byte(`{"ok":true}`), Owner: "host-7/pid-4242/3f9a1c"},
			{Seq: 10, Name: "empty", Result: []byte{}, Owner: "host-8/pid-1/aa"},
		},
		"w": {{Seq: -1, Name: "neg", Result: []byte{0, 0xff}, Owner: "A"}},
	} {
		got, err := s.Journal(ctx, wf)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Journal(%q) = %+v, %v; want %+v", wf, got, err, want)
		}
	}
	var version int
	if err := pool.QueryRow(ctx, "SELECT version FROM "+s.tables.schema).Scan(&version); err != nil || version != schemaVersion {
		t.Errorf("schema version after New = %d, %v; want %d", version, err, schemaVersion)
	}
}

// sameRecord compares records field by field, times as instants.
func sameRecord(a, b runtime.Record) bool {
	return a.Key == b.Key && a.Fingerprint == b.Fingerprint && a.Owner == b.Owner && a.Done == b.Done &&
		a.LeaseUntil.Equal(b.LeaseUntil) && a.ExpiresAt.Equal(b.ExpiresAt) && bytes.Equal(a.Result, b.Result)
}

// TestUndecodableRow: a value the store cannot turn into a Go value (a
// timestamp of infinity, which PostgreSQL accepts and time.Time cannot
// hold) is an error naming the key, not a panic.
func TestUndecodableRow(t *testing.T) {
	ctx := context.Background()
	pool := testPool(t)
	s := newTestStore(t, pool, WithPurgeInterval(0))
	for _, row := range []string{
		`('bad-lease', 'fp', 'A', 'infinity', false, NULL, NULL)`,
		`('bad-expiry', 'fp', 'A', now(), true, '\x00', 'infinity')`,
	} {
		if _, err := pool.Exec(ctx, "INSERT INTO "+s.tables.records+" (key, fingerprint, owner, lease_until, done, result, expires_at) VALUES "+row); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"bad-lease", "bad-expiry"} {
		_, _, err := s.Claim(ctx, key, "fp", "B", storeNow(), storeNow().Add(time.Minute))
		if err == nil || !strings.Contains(err.Error(), `"`+key+`"`) {
			t.Errorf("Claim of %s = %v; want an error naming the key", key, err)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			t.Errorf("Claim of %s = %v; want a decoding error", key, err)
		}
	}
}
