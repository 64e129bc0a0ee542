// Package pgstore is a durable runtime.Store in PostgreSQL, shared by every
// replica that connects to the same database: claims of one key are atomic
// across processes, and finished results (Complete), journal entries
// (Append) and lease renewals (Renew) are committed with PostgreSQL's
// synchronous commit before the method returns.
//
// # Claims commit asynchronously
//
// A claim is committed with synchronous_commit off, set for the claim's
// own transaction inside its one statement, so a miss (Claim, call,
// Complete) waits for one WAL flush instead of two. The claim is visible
// to every replica as soon as Claim returns, exactly as before; only its
// durability is deferred, by at most about three times wal_writer_delay
// (200ms by default), and the next synchronous commit on the server (the
// claim's own Complete or Renew, say) flushes it too. The trade-off: a
// crash of the PostgreSQL server itself can forget a claim in flight, and
// then another replica may claim the key and run that call a second time.
// That is the same at-least-once the runtime already gives when the
// claimer itself crashes (its lease runs out and another takes over); a
// finished result is never lost, since Complete commits synchronously.
// [WithDurableClaims] commits claims synchronously, for callers that would
// rather pay a second WAL flush per miss than run a call twice after a
// database crash.
//
// # Tables, and the privileges they need
//
// The store keeps three tables, in the connection's current schema (the
// first of its search_path, usually public):
//
//	<prefix>resilgen_schema       one row: the schema version
//	<prefix>resilgen_idempotency  one row per idempotency key
//	<prefix>resilgen_journal      one row per (workflow, seq)
//
// [New] looks at them first, with reads only. When they exist at the
// version this package writes, it issues no DDL and takes no lock: it only
// checks that the role has the privileges a running store needs, and fails
// naming each one it lacks (a role that may not read the schema table
// fails on that first, as it cannot see the version). They are, for a role
// app:
//
//	GRANT SELECT ON <prefix>resilgen_schema TO app;
//	GRANT SELECT, INSERT, UPDATE, DELETE ON <prefix>resilgen_idempotency TO app;
//	GRANT SELECT, INSERT ON <prefix>resilgen_journal TO app;
//
// plus USAGE on the schema (which every role has on public) and CONNECT on
// the database. Nothing else: no CREATE, no ownership.
//
// When a table is missing, or the tables are of an older schema version,
// New creates or upgrades them, under an advisory lock so that replicas
// starting together do not race. That first start, and the first start of
// each release whose schema is newer, need a role that may create tables in
// the schema (CREATE on it, which PostgreSQL 15 and later grant to no one
// but the schema's owner by default) and, for an upgrade, that owns the
// tables: run New once as such a role (a migration job, say), grant the
// above, and run the replicas as app. A role without those privileges that
// finds the tables missing or older fails New with an error naming the
// missing table or the older version and the privilege it lacks. New
// refuses tables of a newer schema than it knows, whoever asks.
//
// Each method is one SQL statement in its own implicit transaction, so a
// process killed at any point leaves the old row or the new one. Once pgx
// has prepared a statement on a connection (its default statement cache
// does so on first use), each method is one round trip to the server: a
// miss costs two, the claim and the result, which is as few as a claim
// visible to other replicas before the call allows. One more round trip
// comes from the pool, not the store: pgxpool pings a connection that was
// idle for more than a second before handing it out
// (pgxpool.Config.ShouldPing), so on a quiet pool the Complete after a
// call longer than a second pays for a ping. Give the pool a ShouldPing
// that pings less often if that round trip matters more to you than
// finding a dead connection before a statement does.
//
// Keys, owners, workflow ids and step names are stored as text, so they may
// not contain NUL bytes, and a key is limited by PostgreSQL's btree entry
// size (about 2.7 kB); the runtime's keys are far shorter. Times are kept
// at PostgreSQL's precision, the microsecond.
//
// Leases and expiries are compared with the times the callers pass, from
// their own clocks, so keep the replicas' clocks in sync: a replica whose
// clock runs ahead by d takes over a crashed claimer's key d early.
//
// # Expired records are purged on a schedule
//
// New starts one goroutine that calls Purge every 10 minutes (see
// [WithPurgeInterval]), so that expired results and lapsed claims do not
// pile up in the table and nobody needs a cron job for it. [Store.Close]
// stops it; it does not close the pool, which stays yours: call Close
// before pool.Close, or the purges left fail on the closed pool.
//
// Every replica purges on its own schedule. That is harmless: the purge is
// one DELETE of the rows that expired, so two replicas purging at once
// delete each row once between them (the second waits for the first's row
// locks and skips what is gone), and a row that a claim took over in the
// meantime is live again and kept. The first purge comes after a random
// part of the interval, so that replicas started together (a deployment)
// do not all purge at the same moment. Each purge takes its now from the
// store's clock ([WithClock]), which should be the runtime's; a failure is
// reported to [WithPurgeErrorHandler]'s function, or else logged with
// [log/slog]'s default logger, and the next purge runs an interval later
// all the same.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/internal/purger"
)

// schemaVersion is the version of the tables this package writes. Bump it,
// and migrate in New, when they change.
const schemaVersion = 1

// Store is a runtime.Store in PostgreSQL. It is safe for concurrent use, and
// any number of processes may use the same tables at once.
type Store struct {
	pool   *pgxpool.Pool
	tables tables
	sql    statements
	// purger runs Purge on a schedule; nil when it is turned off.
	purger *purger.Purger
}

var _ runtime.Store = (*Store)(nil)

// Option configures New.
type Option func(*options)

type options struct {
	prefix        string
	durableClaims bool
	purgeInterval time.Duration
	clock         runtime.Clock
	onPurgeError  func(error)
}

// defaultPurgeInterval is often enough that expired rows never take much
// room, and rare enough that the scan of the table costs nothing worth
// measuring.
const defaultPurgeInterval = 10 * time.Minute

// WithPurgeInterval sets how often the store purges expired results and
// lapsed claims on its own: the wait from the end of one purge to the start
// of the next. The first purge comes between half an interval and an
// interval after New, at random, so that replicas spread out. Default 10
// minutes. Zero or negative turns scheduled purging off; call
// [Store.Purge] yourself then (one replica is enough), or the table grows
// with every idempotency key ever used. A purge scans the table: keep the
// interval in minutes, not milliseconds.
func WithPurgeInterval(d time.Duration) Option {
	return func(o *options) { o.purgeInterval = d }
}

// WithClock sets the clock that times scheduled purges and gives each its
// now. Pass the runtime's clock (the one given to runtime.WithClock), so
// that purges and the runtime agree on what has expired; tests pass a
// manual clock from runtime/clocktest and advance it instead of sleeping.
// Default runtime.SystemClock(); a nil clock keeps the default.
func WithClock(c runtime.Clock) Option {
	return func(o *options) {
		if c != nil {
			o.clock = c
		}
	}
}

// WithPurgeErrorHandler sets the function that receives the error of each
// scheduled purge that fails, such as a lost connection. It is called on
// the purger's goroutine, one error at a time, and purging waits for it to
// return: keep it quick, and do not call [Store.Close] from it, since Close
// waits for that goroutine. Errors of purges you call yourself are returned
// to you, not passed here, and neither is the cancellation of a purge in
// flight by Close. Default, and nil: log the error at level Warn with
// [slog.Default]; pass func(error) {} to drop it.
func WithPurgeErrorHandler(fn func(err error)) Option {
	return func(o *options) { o.onPurgeError = fn }
}

// WithDurableClaims commits every claim with synchronous commit, as the
// other writes are, instead of asynchronously (see the package doc): a
// PostgreSQL crash then never forgets a claim, at the price of a second
// WAL flush on every idempotency miss.
func WithDurableClaims() Option {
	return func(o *options) { o.durableClaims = true }
}

// WithTablePrefix puts prefix in front of the names of the store's tables,
// so that several stores (one per environment, say) share a database. It
// must be letters, digits and underscores, starting with a letter or an
// underscore. Default: none, the tables are resilgen_*.
func WithTablePrefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

var validPrefix = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)?$`)

// tables holds the quoted names of the store's tables.
type tables struct {
	schema, records, journal string
	// prefix is the table prefix; plainRecords the unquoted name of the
	// records table, for error messages.
	prefix, plainRecords string
}

// plain returns the unquoted name of the store's table name, for messages.
func (t tables) plain(name string) string { return t.prefix + name }

func newTables(prefix string) (tables, error) {
	if !validPrefix.MatchString(prefix) {
		return tables{}, fmt.Errorf("table prefix %q: want letters, digits and underscores, not starting with a digit", prefix)
	}
	// PostgreSQL silently truncates identifiers to 63 bytes; two prefixes
	// that truncate alike would share tables.
	if longest := prefix + "resilgen_idempotency"; len(longest) > 63 {
		return tables{}, fmt.Errorf("table prefix %q: table name %q is longer than PostgreSQL's 63 bytes", prefix, longest)
	}
	quote := func(name string) string { return pgx.Identifier{prefix + name}.Sanitize() }
	return tables{
		schema:       quote("resilgen_schema"),
		records:      quote("resilgen_idempotency"),
		journal:      quote("resilgen_journal"),
		prefix:       prefix,
		plainRecords: prefix + "resilgen_idempotency",
	}, nil
}

// New returns a store on pool's database, creating its tables when they
// are missing or upgrading them when they are older (which needs more
// privileges than running the store: see the package doc). Several
// processes may call New at once: an advisory lock serializes the
// creation. It fails when the tables have a newer schema version than this
// package writes, and when the role lacks a privilege a running store
// needs. ctx bounds the setup only. Unless
// [WithPurgeInterval] turns it off, New starts the goroutine that purges
// expired records (see the package doc); [Store.Close] stops it.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	o := options{purgeInterval: defaultPurgeInterval, clock: runtime.SystemClock()}
	for _, opt := range opts {
		opt(&o)
	}
	t, err := newTables(o.prefix)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if err := setUp(ctx, pool, o.prefix, t); err != nil {
		return nil, fmt.Errorf("pgstore: setting up tables %s*: %w", o.prefix+"resilgen_", err)
	}
	s := &Store{pool: pool, tables: t, sql: newStatements(t, o.durableClaims)}
	s.purger = purger.Start(purger.Config{
		Clock:    o.clock,
		Interval: o.purgeInterval,
		First:    firstPurge(o.purgeInterval),
		Purge:    s.Purge,
		OnError:  o.onPurgeError,
		Store:    "pgstore " + t.plainRecords,
	})
	return s, nil
}

// firstPurge returns the wait before the first scheduled purge: a random
// time in (interval/2, interval], so that replicas started together spread
// their purges over half an interval instead of all deleting at once, and
// the first purge still comes within an interval. It draws from
// math/rand/v2's global source, which is seeded at random and safe for
// concurrent use.
func firstPurge(interval time.Duration) time.Duration {
	if half := interval / 2; half > 0 {
		return interval - rand.N(half)
	}
	return interval
}

// Close stops scheduled purging, cancelling a purge in flight and waiting
// for it to end. It does not close the pool, which the caller owns and
// closes after Close; the store's methods keep working as long as the pool
// is open. Calling it again does nothing.
func (s *Store) Close() {
	s.purger.Stop()
}

// setUp makes sure the tables exist at schemaVersion and that the role
// may use them. It looks first, with reads only, so that a role that may
// only read and write the tables starts; it takes the setup lock and
// issues DDL only when a table is missing or the schema is older.
func setUp(ctx context.Context, pool *pgxpool.Pool, prefix string, t tables) error {
	st, err := inspect(ctx, pool, t)
	if err != nil {
		return err
	}
	if err := st.newer(); err != nil {
		return err
	}
	if !st.current() {
		if err := migrate(ctx, pool, prefix, t); err != nil {
			return err
		}
	}
	return checkGrants(ctx, pool, t)
}

// querier is what inspect needs of a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// schemaState is what inspect found: which tables exist, the schema
// version (0 when there is none), and who is asking where.
type schemaState struct {
	t                        tables
	schema, records, journal bool
	version                  int
	role, namespace          string
}

// inspect reads the state of the tables without DDL and without the
// setup lock: to_regclass needs no privilege on the tables, and the
// version needs SELECT on the schema table only.
func inspect(ctx context.Context, q querier, t tables) (schemaState, error) {
	st := schemaState{t: t}
	err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL,
			to_regclass($3) IS NOT NULL, current_user, coalesce(current_schema(), '')`,
		t.schema, t.records, t.journal).
		Scan(&st.schema, &st.records, &st.journal, &st.role, &st.namespace)
	if err != nil {
		return st, fmt.Errorf("looking up the tables: %w", err)
	}
	if !st.schema {
		return st, nil
	}
	err = q.QueryRow(ctx, `SELECT version FROM `+t.schema).Scan(&st.version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		st.version = 0
	case err != nil:
		return st, fmt.Errorf("reading the schema version from %s as role %q, which needs SELECT on it: %w", t.plain("resilgen_schema"), st.role, err)
	}
	return st, nil
}

// current reports whether every table exists at schemaVersion.
func (st schemaState) current() bool {
	return st.schema && st.records && st.journal && st.version == schemaVersion
}

// newer refuses tables of a schema newer than this package writes.
func (st schemaState) newer() error {
	if st.version > schemaVersion {
		return fmt.Errorf("schema version %d is newer than the %d this build of resilgen knows; upgrade resilgen", st.version, schemaVersion)
	}
	return nil
}

// whatIsWrong says why the tables need DDL, naming them.
func (st schemaState) whatIsWrong() string {
	var missing []string
	for _, tb := range []struct {
		exists bool
		name   string
	}{{st.schema, "resilgen_schema"}, {st.records, "resilgen_idempotency"}, {st.journal, "resilgen_journal"}} {
		if !tb.exists {
			missing = append(missing, st.t.plain(tb.name))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return fmt.Sprintf("table %s is missing", missing[0])
	default:
		return fmt.Sprintf("tables %s are missing", strings.Join(missing, ", "))
	}
	return fmt.Sprintf("schema version %d is older than %d", st.version, schemaVersion)
}

// migrate creates the tables, or upgrades them, in one transaction that
// holds an advisory lock, so that replicas starting together do not race
// on CREATE TABLE. It looks again under the lock: another replica may have
// done the work meanwhile.
func migrate(ctx context.Context, pool *pgxpool.Pool, prefix string, t tables) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "resilgen/pgstore/"+prefix); err != nil {
			return fmt.Errorf("taking the setup lock: %w", err)
		}
		st, err := inspect(ctx, tx, t)
		if err != nil {
			return err
		}
		if err := st.newer(); err != nil {
			return err
		}
		if st.current() {
			return nil
		}
		// Version 0: nothing yet, or some tables of a setup cut short.
		// Later versions migrate from here.
		for _, stmt := range []string{
			`CREATE TABLE IF NOT EXISTS ` + t.schema + ` (
				id boolean PRIMARY KEY DEFAULT true CHECK (id),
				version integer NOT NULL
			)`,
			`CREATE TABLE IF NOT EXISTS ` + t.records + ` (
				key         text PRIMARY KEY,
				fingerprint text NOT NULL,
				owner       text NOT NULL,
				lease_until timestamptz NOT NULL,
				done        boolean NOT NULL DEFAULT false,
				result      bytea,
				expires_at  timestamptz,
				CHECK (NOT done OR expires_at IS NOT NULL)
			)`,
			`CREATE TABLE IF NOT EXISTS ` + t.journal + ` (
				workflow    text NOT NULL,
				seq         bigint NOT NULL,
				name        text NOT NULL,
				owner       text NOT NULL,
				result      bytea,
				recorded_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (workflow, seq)
			)`,
			`INSERT INTO ` + t.schema + ` (version) VALUES (` + fmt.Sprint(schemaVersion) + `)
				ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`,
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				if isPrivilegeError(err) {
					return fmt.Errorf("%s, and creating or upgrading the tables needs the CREATE privilege on schema %q (and, for an upgrade, ownership of the tables), which role %q lacks: run New once as a role that has it (see the package doc): %w",
						st.whatIsWrong(), st.namespace, st.role, err)
				}
				return fmt.Errorf("%s; creating schema version %d: %w", st.whatIsWrong(), schemaVersion, err)
			}
		}
		return nil
	})
}

// isPrivilegeError reports whether err is PostgreSQL's
// insufficient_privilege.
func isPrivilegeError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// grants are the privileges a running store needs, by table (see the
// package doc): claims insert and update records, releases and purges
// delete them; the journal is only inserted into and read.
func (t tables) grants() [][2]string {
	return [][2]string{
		{t.schema, "SELECT"},
		{t.records, "SELECT"}, {t.records, "INSERT"}, {t.records, "UPDATE"}, {t.records, "DELETE"},
		{t.journal, "SELECT"}, {t.journal, "INSERT"},
	}
}

// checkGrants fails, naming each one, when the role lacks a privilege the
// store's statements need, so that it fails at New and not on the first
// claim or purge.
func checkGrants(ctx context.Context, pool *pgxpool.Pool, t tables) error {
	var names, privs []string
	for _, g := range t.grants() {
		names, privs = append(names, g[0]), append(privs, g[1])
	}
	rows, err := pool.Query(ctx, `SELECT x.tbl, x.priv, current_user
		FROM unnest($1::text[], $2::text[]) AS x(tbl, priv)
		WHERE NOT has_table_privilege(x.tbl, x.priv)`, names, privs)
	if err != nil {
		return fmt.Errorf("checking the role's privileges on the tables: %w", err)
	}
	var missing []string
	var tbl, priv, role string
	_, err = pgx.ForEachRow(rows, []any{&tbl, &priv, &role}, func() error {
		missing = append(missing, priv+" on "+tbl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("checking the role's privileges on the tables: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("role %q lacks %s: grant them (see the package doc)", role, strings.Join(missing, ", "))
	}
	return nil
}

// statements are the store's SQL, with its table names in.
type statements struct {
	claim, renew, complete, release, purge, appendEntry, journal string
}

// expired is true for a row a claim at $4 may replace: a result that
// expired, or an unfinished claim whose lease ran out. It is written out per
// alias because it runs against both the current row and the conflicting one.
func expired(alias string) string {
	return `CASE WHEN ` + alias + `.done THEN ` + alias + `.expires_at <= $4::timestamptz ELSE ` + alias + `.lease_until <= $4::timestamptz END`
}

// asyncCommit is the claim statement's first CTE: it turns synchronous
// commit off for the statement's own transaction (set_config's is_local),
// which PostgreSQL reads at commit. It sits in the INSERT's FROM, so that it
// is evaluated whenever the INSERT is tried, and a volatile CTE is never
// inlined away; a hit, which never tries the INSERT, writes nothing and has
// no commit to flush anyway.
const asyncCommit = `cfg AS (SELECT set_config('synchronous_commit', 'off', true)), `

func newStatements(t tables, durableClaims bool) statements {
	cfg, from := asyncCommit, ` FROM cfg`
	if durableClaims {
		cfg, from = "", ""
	}
	return statements{
		// One statement. cur reads the key's row; a live one (a hit, or
		// another owner's claim) stops the INSERT from being tried at
		// all, so a hit writes nothing, takes no row lock and costs no
		// WAL flush. Otherwise the INSERT claims the key, and when a row
		// is there (expired, or inserted since cur's snapshot) ON
		// CONFLICT DO UPDATE takes it over only if it is still expired:
		// that WHERE is evaluated on the row's latest version under its
		// row lock, which is what makes the claim atomic across
		// processes. No row back means a concurrent writer got in
		// between; Claim then runs the statement again. cfg (unless
		// durableClaims) makes the claim's commit asynchronous.
		claim: `WITH ` + cfg + `cur AS (
				SELECT fingerprint, owner, lease_until, done, result, expires_at
				FROM ` + t.records + ` AS c WHERE key = $1::text
			), ins AS (
				INSERT INTO ` + t.records + ` AS r (key, fingerprint, owner, lease_until, done, result, expires_at)
				SELECT $1::text, $2::text, $3::text, $5::timestamptz, false, NULL, NULL` + from + `
				WHERE NOT EXISTS (SELECT 1 FROM cur AS c WHERE NOT (` + expired("c") + `))
				ON CONFLICT (key) DO UPDATE SET
					fingerprint = EXCLUDED.fingerprint, owner = EXCLUDED.owner,
					lease_until = EXCLUDED.lease_until, done = false, result = NULL, expires_at = NULL
				WHERE ` + expired("r") + `
				RETURNING fingerprint, owner, lease_until, done, result, expires_at
			)
			SELECT true, fingerprint, owner, lease_until, done, result, expires_at FROM ins
			UNION ALL
			SELECT false, fingerprint, owner, lease_until, done, result, expires_at FROM cur
			WHERE NOT EXISTS (SELECT 1 FROM ins)`,
		renew: `UPDATE ` + t.records + ` SET lease_until = $3
			WHERE key = $1 AND owner = $2 AND NOT done`,
		complete: `UPDATE ` + t.records + ` SET done = true, result = $3, expires_at = $4
			WHERE key = $1 AND owner = $2 AND NOT done`,
		release: `DELETE FROM ` + t.records + ` WHERE key = $1 AND owner = $2 AND NOT done`,
		purge: `DELETE FROM ` + t.records + `
			WHERE CASE WHEN done THEN expires_at <= $1 ELSE lease_until <= $1 END`,
		// Insert if absent, then read back what is there, in one round
		// trip. No row back means another appender inserted after this
		// statement's snapshot; Append then runs it again and reads that.
		appendEntry: `WITH ins AS (
				INSERT INTO ` + t.journal + ` (workflow, seq, name, owner, result)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (workflow, seq) DO NOTHING
				RETURNING name, owner, result
			)
			SELECT name, owner, result FROM ins
			UNION ALL
			SELECT name, owner, result FROM ` + t.journal + `
			WHERE workflow = $1 AND seq = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
		journal: `SELECT seq, name, owner, result FROM ` + t.journal + ` WHERE workflow = $1 ORDER BY seq`,
	}
}

// maxRetries bounds the statements re-run after a concurrent writer got in
// between; each one sees that writer's row, so one retry is the norm.
const maxRetries = 100

// Claim implements runtime.Store.
func (s *Store) Claim(ctx context.Context, key, fingerprint, owner string, now, leaseUntil time.Time) (runtime.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, false, fmt.Errorf("pgstore: claim %q: %w", key, err)
	}
	for range maxRetries {
		rec := runtime.Record{Key: key}
		var claimed bool
		var expiresAt *time.Time
		err := s.pool.QueryRow(ctx, s.sql.claim, key, fingerprint, owner, now, leaseUntil).
			Scan(&claimed, &rec.Fingerprint, &rec.Owner, &rec.LeaseUntil, &rec.Done, &rec.Result, &expiresAt)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // the row changed under the statement's snapshot
		}
		if err != nil {
			return runtime.Record{}, false, fmt.Errorf("pgstore: claim %q in %s: %w", key, s.tables.plainRecords, err)
		}
		if expiresAt != nil {
			rec.ExpiresAt = *expiresAt
		}
		if !claimed && expiredAt(&rec, now) {
			continue // cur was stale: someone took it over meanwhile
		}
		return rec, claimed, nil
	}
	return runtime.Record{}, false, fmt.Errorf("pgstore: claim %q in %s: still contended after %d tries", key, s.tables.plainRecords, maxRetries)
}

// expiredAt reports whether a claim at now may replace rec, as the SQL does.
func expiredAt(rec *runtime.Record, now time.Time) bool {
	if rec.Done {
		return !rec.ExpiresAt.After(now)
	}
	return !rec.LeaseUntil.After(now)
}

// Renew implements runtime.Store.
func (s *Store) Renew(ctx context.Context, key, owner string, leaseUntil time.Time) error {
	return s.ownerExec(ctx, "renew", key, owner, s.sql.renew, true, leaseUntil)
}

// Complete implements runtime.Store.
func (s *Store) Complete(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error {
	if result == nil {
		result = []byte{} // a result, even an empty one, is not NULL
	}
	return s.ownerExec(ctx, "complete", key, owner, s.sql.complete, true, result, expiresAt)
}

// Release implements runtime.Store.
func (s *Store) Release(ctx context.Context, key, owner string) error {
	return s.ownerExec(ctx, "release", key, owner, s.sql.release, false)
}

// ownerExec runs a statement on owner's unfinished claim of key; when it
// touches no row, owner does not hold the claim, which is ErrLeaseLost if
// mustHold.
func (s *Store) ownerExec(ctx context.Context, op, key, owner, sql string, mustHold bool, args ...any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgstore: %s %q: %w", op, key, err)
	}
	tag, err := s.pool.Exec(ctx, sql, append([]any{key, owner}, args...)...)
	if err != nil {
		return fmt.Errorf("pgstore: %s %q for %q in %s: %w", op, key, owner, s.tables.plainRecords, err)
	}
	if mustHold && tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: %s %q for %q: %w", op, key, owner, runtime.ErrLeaseLost)
	}
	return nil
}

// Purge implements runtime.Store. It scans the table: it is meant to run now
// and then, not on the call path, and an index on expiry would cost every
// claim a second index write.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pgstore: purge: %w", err)
	}
	tag, err := s.pool.Exec(ctx, s.sql.purge, now)
	if err != nil {
		return 0, fmt.Errorf("pgstore: purge %s: %w", s.tables.plainRecords, err)
	}
	return int(tag.RowsAffected()), nil
}

// Append implements runtime.Store.
func (s *Store) Append(ctx context.Context, workflow string, entry runtime.JournalEntry) (runtime.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return runtime.JournalEntry{}, fmt.Errorf("pgstore: append %q seq %d: %w", workflow, entry.Seq, err)
	}
	result := entry.Result
	if result == nil {
		result = []byte{}
	}
	for range maxRetries {
		got := runtime.JournalEntry{Seq: entry.Seq}
		err := s.pool.QueryRow(ctx, s.sql.appendEntry, workflow, int64(entry.Seq), entry.Name, entry.Owner, result).
			Scan(&got.Name, &got.Owner, &got.Result)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return runtime.JournalEntry{}, fmt.Errorf("pgstore: append %q seq %d: %w", workflow, entry.Seq, err)
		}
		return got, nil
	}
	return runtime.JournalEntry{}, fmt.Errorf("pgstore: append %q seq %d: still contended after %d tries", workflow, entry.Seq, maxRetries)
}

// Journal implements runtime.Store.
func (s *Store) Journal(ctx context.Context, workflow string) ([]runtime.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: journal %q: %w", workflow, err)
	}
	rows, err := s.pool.Query(ctx, s.sql.journal, workflow)
	if err != nil {
		return nil, fmt.Errorf("pgstore: journal %q: %w", workflow, err)
	}
	var entries []runtime.JournalEntry
	var seq int64
	var e runtime.JournalEntry
	_, err = pgx.ForEachRow(rows, []any{&seq, &e.Name, &e.Owner, &e.Result}, func() error {
		e.Seq = int(seq)
		entries = append(entries, e)
		e = runtime.JournalEntry{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: journal %q: %w", workflow, err)
	}
	return entries, nil
}
