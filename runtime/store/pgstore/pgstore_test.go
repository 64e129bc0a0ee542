package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/storetest"
)

// envDSN names the database the tests use; scripts/test.sh starts a
// throwaway server and sets it.
const envDSN = "RESILGEN_PG_DSN"

// testPool connects to RESILGEN_PG_DSN, or skips the test when it is unset.
func testPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		t.Skip(envDSN + " is not set: run ./scripts/test.sh, which starts a throwaway PostgreSQL for these tests")
	}
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", envDSN, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// newPrefix returns a table prefix no other test uses, and drops its tables
// when the test ends.
func newPrefix(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + "_"
	t.Cleanup(func() {
		tb, err := newTables(prefix)
		if err != nil {
			t.Error(err)
			return
		}
		_, err = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+tb.records+", "+tb.journal+", "+tb.schema)
		if err != nil {
			t.Errorf("dropping the test's tables: %v", err)
		}
	})
	return prefix
}

// newTestStore returns a store on tables of its own, and closes it when the
// test ends (before its tables are dropped and the pool closed).
func newTestStore(t testing.TB, pool *pgxpool.Pool, opts ...Option) *Store {
	t.Helper()
	s, err := New(context.Background(), pool, append([]Option{WithTablePrefix(newPrefix(t, pool))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	pool := testPool(t)
	storetest.Run(t, func(t *testing.T) runtime.Store { return newTestStore(t, pool) })
}

// TestNewIsIdempotentAndConcurrent: replicas starting together all get a
// store on the same tables, and a second New changes nothing.
func TestNewIsIdempotentAndConcurrent(t *testing.T) {
	pool := testPool(t)
	prefix := newPrefix(t, pool)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	stores := make([]*Store, len(errs))
	for i := range errs {
		wg.Go(func() { stores[i], errs[i] = New(context.Background(), pool, WithTablePrefix(prefix)) })
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(s.Close)
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent New: %v", err)
	}
	s, err := New(context.Background(), pool, WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	var version int
	if err := pool.QueryRow(context.Background(), "SELECT version FROM "+s.tables.schema).Scan(&version); err != nil || version != schemaVersion {
		t.Fatalf("schema version = %d, %v; want %d", version, err, schemaVersion)
	}
}

func TestNewRefusesNewerSchema(t *testing.T) {
	pool := testPool(t)
	s := newTestStore(t, pool)
	if _, err := pool.Exec(context.Background(), "UPDATE "+s.tables.schema+" SET version = $1", schemaVersion+1); err != nil {
		t.Fatal(err)
	}
	prefix := s.tables.prefix
	_, err := New(context.Background(), pool, WithTablePrefix(prefix))
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), prefix) {
		t.Fatalf("New on a newer schema = %v; want an error naming the tables and the newer version", err)
	}
}

func TestNewRefusesBadPrefix(t *testing.T) {
	for _, prefix := range []string{"1abc", "a-b", `a"b`, "a.b", strings.Repeat("p", 50)} {
		_, err := New(context.Background(), nil, WithTablePrefix(prefix))
		if err == nil || !strings.Contains(err.Error(), "prefix") {
			t.Errorf("New with prefix %q = %v; want an error about the prefix", prefix, err)
		}
	}
}

// TestTwoPoolsShareClaims: two pools stand for two processes; only one of
// them gets a key, and the other sees its claim.
func TestTwoPoolsShareClaims(t *testing.T) {
	a := testPool(t)
	prefix := newPrefix(t, a)
	b := testPool(t)
	ctx := context.Background()
	sa, err := New(ctx, a, WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sa.Close)
	sb, err := New(ctx, b, WithTablePrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	now := storeNow()
	if _, claimed, err := sa.Claim(ctx, "k", "fp", "A", now, now.Add(60e9)); err != nil || !claimed {
		t.Fatalf("Claim through pool a = %v, %v", claimed, err)
	}
	rec, claimed, err := sb.Claim(ctx, "k", "fp", "B", now, now.Add(60e9))
	if err != nil || claimed || rec.Owner != "A" {
		t.Fatalf("Claim through pool b = %+v, %v, %v; want A's claim", rec, claimed, err)
	}
}

// TestClaimCommitsAsynchronously: the claim statement turns synchronous
// commit off for its own transaction only (a miss; a hit writes nothing),
// WithDurableClaims leaves it on, and the other writes never touch it.
// Each statement runs in an explicit transaction here so that the setting
// can be read after it, in the transaction it applied to.
func TestClaimCommitsAsynchronously(t *testing.T) {
	pool := testPool(t)
	ctx := context.Background()
	async := newTestStore(t, pool)
	durable := newTestStore(t, pool, WithDurableClaims())
	now := storeNow()
	// settingAfter runs sql in a transaction and returns synchronous_commit
	// as the statement left it in that transaction.
	settingAfter := func(what, sql string, args ...any) string {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var setting string
		if err := tx.QueryRow(ctx, "SELECT current_setting('synchronous_commit')").Scan(&setting); err != nil {
			t.Fatal(err)
		}
		return setting
	}
	for _, c := range []struct {
		what, sql string
		args      []any
		want      string
	}{
		{"claim", async.sql.claim, []any{"k", "fp", "A", now, now.Add(time.Minute)}, "off"},
		{"claim WithDurableClaims", durable.sql.claim, []any{"k", "fp", "A", now, now.Add(time.Minute)}, "on"},
		{"renew", async.sql.renew, []any{"k", "A", now.Add(time.Minute)}, "on"},
		{"complete", async.sql.complete, []any{"k", "A", []byte("r"), now.Add(time.Hour)}, "on"},
		{"append", async.sql.appendEntry, []any{"wf", int64(0), "step", "A", []byte("r")}, "on"},
	} {
		if got := settingAfter(c.what, c.sql, c.args...); got != c.want {
			t.Errorf("synchronous_commit after %s = %q; want %q", c.what, got, c.want)
		}
	}

	// In the implicit transaction of Claim itself, the setting ends with
	// the statement: the next statement on the same connection commits
	// synchronously again.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, async.sql.claim, "k2", "fp", "A", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var setting string
	if err := conn.QueryRow(ctx, "SELECT current_setting('synchronous_commit')").Scan(&setting); err != nil || setting != "on" {
		t.Fatalf("synchronous_commit after a claim, on its connection = %q, %v; want it back to \"on\"", setting, err)
	}
	// And the claim took: another owner sees it.
	rec, claimed, err := async.Claim(ctx, "k2", "fp", "B", now, now.Add(time.Minute))
	if err != nil || claimed || rec.Owner != "A" {
		t.Fatalf("Claim by B = %+v, %v, %v; want A's claim", rec, claimed, err)
	}
}

// TestDurableClaimsConformance: WithDurableClaims changes only how the
// claim commits, not what it does.
func TestDurableClaimsConformance(t *testing.T) {
	pool := testPool(t)
	storetest.Run(t, func(t *testing.T) runtime.Store {
		return newTestStore(t, pool, WithDurableClaims())
	})
}
