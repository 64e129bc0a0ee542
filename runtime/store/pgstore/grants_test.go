package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/resilgen/resilgen/runtime"
)

// dmlRole creates a role that may log in and holds no privilege but what
// grant gives it later, and returns its name and a pool connected as it.
// It skips the test when the test's own role may not create roles. The
// role is dropped when the test ends.
func dmlRole(t *testing.T, admin *pgxpool.Pool) (string, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	role := "resil_dml_" + hex.EncodeToString(b)
	const password = "resil-test-password"
	if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN PASSWORD '"+password+"'"); err != nil {
		if isPrivilegeError(err) {
			t.Skipf("the test's role may not create roles: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// DROP OWNED revokes what the role was granted in this database.
		for _, sql := range []string{"DROP OWNED BY ", "DROP ROLE "} {
			if _, err := admin.Exec(ctx, sql+pgx.Identifier{role}.Sanitize()); err != nil {
				t.Errorf("dropping the test's role: %v", err)
			}
		}
	})
	cfg, err := pgxpool.ParseConfig(os.Getenv(envDSN))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.User, cfg.ConnConfig.Password = role, password
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close) // before the role is dropped
	return role, pool
}

// grant gives role the privileges the package doc says a running store
// needs on the tables of prefix, but skip.
func grant(t *testing.T, admin *pgxpool.Pool, role, prefix string, skip ...string) {
	t.Helper()
	tb, err := newTables(prefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range tb.grants() {
		if strings.Contains(strings.Join(skip, "\n"), g[1]+" on "+g[0]) {
			continue
		}
		if _, err := admin.Exec(context.Background(), "GRANT "+g[1]+" ON "+g[0]+" TO "+pgx.Identifier{role}.Sanitize()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRunningRoleNeedsOnlyTheDocumentedGrants: once the tables exist at
// the current version, a role with only the grants of the package doc
// (no CREATE, no ownership) starts a store and uses every method.
func TestRunningRoleNeedsOnlyTheDocumentedGrants(t *testing.T) {
	admin := testPool(t)
	ctx := context.Background()
	prefix := newTestStore(t, admin).tables.prefix // the first start, as the owner
	role, pool := dmlRole(t, admin)
	grant(t, admin, role, prefix)

	s, err := New(ctx, pool, WithTablePrefix(prefix))
	if err != nil {
		t.Fatalf("New as a role with the documented grants: %v", err)
	}
	defer s.Close()
	now := storeNow()
	if _, claimed, err := s.Claim(ctx, "k", "fp", "A", now, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("Claim = %v, %v", claimed, err)
	}
	if err := s.Renew(ctx, "k", "A", now.Add(2*time.Minute)); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if err := s.Complete(ctx, "k", "A", []byte("r"), now.Add(time.Hour)); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if rec, claimed, err := s.Claim(ctx, "k", "fp", "B", now, now.Add(time.Minute)); err != nil || claimed || !rec.Done || string(rec.Result) != "r" {
		t.Fatalf("Claim of a completed key = %+v, %v, %v; want its result", rec, claimed, err)
	}
	if _, claimed, err := s.Claim(ctx, "k2", "fp", "A", now, now.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("Claim k2 = %v, %v", claimed, err)
	}
	if err := s.Release(ctx, "k2", "A"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n, err := s.Purge(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want the expired result deleted", n, err)
	}
	e := runtime.JournalEntry{Seq: 0, Name: "step", Result: []byte(`["x"]`), Owner: "A"}
	if got, err := s.Append(ctx, "wf", e); err != nil || got.Name != "step" {
		t.Fatalf("Append = %+v, %v", got, err)
	}
	if entries, err := s.Journal(ctx, "wf"); err != nil || len(entries) != 1 {
		t.Fatalf("Journal = %+v, %v", entries, err)
	}
}

// mayCreate reports whether role may create tables in the current schema
// (before PostgreSQL 15 every role may, in public).
func mayCreate(t *testing.T, admin *pgxpool.Pool, role string) bool {
	t.Helper()
	var ok bool
	if err := admin.QueryRow(context.Background(), "SELECT has_schema_privilege($1, current_schema(), 'CREATE')", role).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestRunningRoleCannotCreateOrUpgrade: with the same grants, a missing or
// older schema fails New with an error that names what is wrong and the
// privilege that the first start or an upgrade needs.
func TestRunningRoleCannotCreateOrUpgrade(t *testing.T) {
	admin := testPool(t)
	ctx := context.Background()
	role, pool := dmlRole(t, admin)
	if mayCreate(t, admin, role) {
		t.Skip("every role may create tables in this schema (PostgreSQL before 15)")
	}

	t.Run("missing", func(t *testing.T) {
		prefix := newPrefix(t, admin)
		_, err := New(ctx, pool, WithTablePrefix(prefix))
		t.Logf("New: %v", err)
		for _, want := range []string{prefix + "resilgen_schema", "are missing", "CREATE privilege on schema", role} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("New on missing tables = %v; want an error saying %q", err, want)
			}
		}
	})

	t.Run("older", func(t *testing.T) {
		s := newTestStore(t, admin)
		if _, err := admin.Exec(ctx, "UPDATE "+s.tables.schema+" SET version = 0"); err != nil {
			t.Fatal(err)
		}
		grant(t, admin, role, s.tables.prefix)
		_, err := New(ctx, pool, WithTablePrefix(s.tables.prefix))
		t.Logf("New: %v", err)
		for _, want := range []string{"schema version 0 is older than 1", "CREATE privilege on schema", role} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("New on an older schema = %v; want an error saying %q", err, want)
			}
		}
	})
}

// TestNewNamesAMissingGrant: a role short of one privilege the store
// needs fails at New, which names it, rather than at the first purge.
func TestNewNamesAMissingGrant(t *testing.T) {
	admin := testPool(t)
	prefix := newTestStore(t, admin).tables.prefix
	role, pool := dmlRole(t, admin)
	records := pgx.Identifier{prefix + "resilgen_idempotency"}.Sanitize()
	grant(t, admin, role, prefix, "DELETE on "+records)
	_, err := New(context.Background(), pool, WithTablePrefix(prefix))
	t.Logf("New: %v", err)
	for _, want := range []string{role, "lacks DELETE on " + records} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("New without DELETE on the records = %v; want an error saying %q", err, want)
		}
	}
}
