package calls_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"

	"github.com/resilgen/resilgen/bench/calls"
	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
	"github.com/resilgen/resilgen/runtime/store/pgstore"
)

// The store benchmarks run an idempotent hit, an idempotent miss and a
// journal append through generated wrappers, for each store, next to the
// floors: the least the same storage can do for the same bytes.
//
//	idem-hit        a call whose key is recorded: answered from the store
//	idem-miss       a call with a new key: claim, call through, record
//	journal-append  a checkpointed call in a workflow: journal a new step
//	floor-get       read one record by key             (floor of idem-hit)
//	floor-put       write one record under a new key   (floor of idem-miss)
//	floor-put2      pg only: claim row INSERT, then its UPDATE to finished,
//	                two autocommit round trips (the two statements of a miss)
//	floor-append    write one journal entry            (floor of journal-append)
//
// For bbolt and PostgreSQL the floors write the exact bytes the store
// wrote for the same call, read back from its file or table.

// keyFor returns the i-th fresh key. Wrapper and floor make their keys the
// same way, so that both pay the same for them.
func keyFor(i int) string { return "key-" + strconv.Itoa(i) }

// idemKey is the key the runtime stores an Idempotent.Get record under:
// the method's full name, then the call's key.
func idemKey(key string) string { return "Idempotent.Get:" + key }

// storeCase wires one store: how to open a fresh one, and its floors.
type storeCase struct {
	name   string
	open   func(b *testing.B) *opened
	floors func(b *testing.B, o *opened)
}

// opened is a store a benchmark opened, with what its floors need to reach
// the same storage.
type opened struct {
	st    runtime.Store
	close func()
	// path is the bbolt file; pool and prefix the PostgreSQL tables.
	path   string
	pool   *pgxpool.Pool
	prefix string
}

// BenchmarkStore runs the store benchmarks for memory, bbolt and
// PostgreSQL (skipped unless RESILGEN_PG_DSN is set).
func BenchmarkStore(b *testing.B) {
	for _, c := range []storeCase{
		{name: "memory", open: openMemory, floors: memoryFloors},
		{name: "bolt", open: openBolt, floors: boltFloors},
		{name: "pg", open: openPG, floors: pgFloors},
	} {
		b.Run(c.name, func(b *testing.B) {
			for _, bc := range []struct {
				name string
				run  func(*testing.B, runtime.Store)
			}{
				{"idem-hit", benchIdemHit},
				{"idem-miss", benchIdemMiss},
				{"journal-append", benchJournalAppend},
			} {
				b.Run(bc.name, func(b *testing.B) {
					o := c.open(b)
					defer o.close()
					bc.run(b, o.st)
				})
			}
			o := c.open(b)
			defer o.close()
			primeStore(b, o.st)
			c.floors(b, o)
		})
	}
}

func benchIdemHit(b *testing.B, st runtime.Store) {
	g := asGetter(calls.NewResilientIdempotent(okGetter{}, runtime.WithStore(st)))
	ctx := context.Background()
	if _, err := g.Get(ctx, "key", 1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Get(ctx, "key", 1); err != nil {
			b.Fatal(err)
		}
	}
}

func benchIdemMiss(b *testing.B, st runtime.Store) {
	g := asGetter(calls.NewResilientIdempotent(okGetter{}, runtime.WithStore(st)))
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := g.Get(ctx, keyFor(i), 1); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchJournalAppend runs one workflow whose body calls a checkpointed
// method once per iteration: each call is a new step, journaled once.
func benchJournalAppend(b *testing.B, st runtime.Store) {
	g := asGetter(calls.NewResilientCheckpointed(okGetter{}))
	wf := runtime.NewWorkflow(st, "bench-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	b.ReportAllocs()
	err := wf.Run(context.Background(), func(ctx context.Context) error {
		for b.Loop() {
			if _, err := g.Get(ctx, "key", 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// primeStore records one idempotent call and journals one step in st, so
// that the floors can copy the bytes the store wrote for them.
func primeStore(b *testing.B, st runtime.Store) {
	ctx := context.Background()
	if _, err := calls.NewResilientIdempotent(okGetter{}, runtime.WithStore(st)).Get(ctx, "key", 1); err != nil {
		b.Fatal(err)
	}
	g := calls.NewResilientCheckpointed(okGetter{})
	err := runtime.NewWorkflow(st, "prime").Run(ctx, func(ctx context.Context) error {
		_, err := g.Get(ctx, "key", 1)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// --- memory ---

func openMemory(*testing.B) *opened { return &opened{st: runtime.NewMemoryStore(), close: func() {}} }

// memoryFloors are a map under a mutex: what the memory store is built on.
func memoryFloors(b *testing.B, _ *opened) {
	result := []byte("[3]") // the JSON the runtime records for Get's int
	var mu sync.Mutex
	m := map[string][]byte{idemKey("key"): result}
	b.Run("floor-get", func(b *testing.B) {
		b.ReportAllocs()
		k := idemKey("key")
		for b.Loop() {
			mu.Lock()
			v := m[k]
			mu.Unlock()
			if v == nil {
				b.Fatal("missing")
			}
		}
	})
	// Keys go on from where the last run of the closure stopped: -count
	// runs it again on the same tables, and a reused key would fail (or
	// overwrite instead of insert).
	nextPut := 0
	b.Run("floor-put", func(b *testing.B) {
		b.ReportAllocs()
		i := nextPut
		for b.Loop() {
			k := idemKey(keyFor(i))
			mu.Lock()
			m[k] = result
			mu.Unlock()
			i++
		}
		nextPut = i
	})
	journal := map[int][]byte{}
	// Keys go on from where the last run of the closure stopped: -count
	// runs it again on the same tables, and a reused key would fail (or
	// overwrite instead of insert).
	nextAppend := 0
	b.Run("floor-append", func(b *testing.B) {
		b.ReportAllocs()
		i := nextAppend
		for b.Loop() {
			mu.Lock()
			journal[i] = result
			mu.Unlock()
			i++
		}
		nextAppend = i
	})
}

// --- bbolt ---

func openBolt(b *testing.B) *opened {
	path := filepath.Join(b.TempDir(), "store.db")
	st, err := boltstore.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	closed := false
	return &opened{st: st, path: path, close: func() {
		if !closed {
			closed = true
			st.Close()
		}
	}}
}

// boltOptions are the options boltstore opens its file with, so that the
// floor's commits cost what the store's do.
var boltOptions = &bolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType}

// boltFloors time bare bbolt transactions on a file of their own, with the
// bytes the store wrote for the same calls: read from its "records" and
// "journal" buckets (the layout boltstore documents) after closing it.
func boltFloors(b *testing.B, o *opened) {
	o.close()
	record, entry := boltBytes(b, o.path)

	db, err := bolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, boltOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	records, journal := []byte("records"), []byte("journal")
	err = db.Update(func(tx *bolt.Tx) error {
		rb, err := tx.CreateBucket(records)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucket(journal); err != nil {
			return err
		}
		return rb.Put([]byte(idemKey("key")), record)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("floor-get", func(b *testing.B) {
		b.ReportAllocs()
		k := []byte(idemKey("key"))
		for b.Loop() {
			var v []byte
			err := db.View(func(tx *bolt.Tx) error {
				// Copied out, as a store must: the slice points into
				// the mmap, valid only inside the transaction.
				v = append([]byte(nil), tx.Bucket(records).Get(k)...)
				return nil
			})
			if err != nil || v == nil {
				b.Fatal(err, "missing")
			}
		}
	})
	// Keys go on from where the last run of the closure stopped: -count
	// runs it again on the same tables, and a reused key would fail (or
	// overwrite instead of insert).
	nextPut := 0
	b.Run("floor-put", func(b *testing.B) {
		b.ReportAllocs()
		i := nextPut
		for b.Loop() {
			k := []byte(idemKey(keyFor(i)))
			if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(records).Put(k, record) }); err != nil {
				b.Fatal(err)
			}
			i++
		}
		nextPut = i
	})
	// Keys go on from where the last run of the closure stopped: -count
	// runs it again on the same tables, and a reused key would fail (or
	// overwrite instead of insert).
	nextAppend := 0
	b.Run("floor-append", func(b *testing.B) {
		b.ReportAllocs()
		i := nextAppend
		for b.Loop() {
			k := binary.BigEndian.AppendUint64([]byte("floor\x00"), uint64(i))
			if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(journal).Put(k, entry) }); err != nil {
				b.Fatal(err)
			}
			i++
		}
		nextAppend = i
	})
}

// boltBytes returns the values boltstore wrote for the primed record and
// journal entry, read from its closed file at path.
func boltBytes(b *testing.B, path string) (record, entry []byte) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		rb, jb := tx.Bucket([]byte("records")), tx.Bucket([]byte("journal"))
		if rb == nil || jb == nil {
			return fmt.Errorf("no records or journal bucket: has boltstore's layout changed?")
		}
		record = append([]byte(nil), rb.Get([]byte(idemKey("key")))...)
		_, v := jb.Cursor().First()
		entry = append([]byte(nil), v...)
		return nil
	})
	if err != nil || len(record) == 0 || len(entry) == 0 {
		b.Fatalf("reading the primed record and entry from %s: %v", path, err)
	}
	return record, entry
}

// --- PostgreSQL ---

// pgTag makes this process's table prefixes unique: several benchmark
// processes may share one server.
var pgTag = fmt.Sprintf("bench%d_", os.Getpid())

var pgSeq int

func openPG(b *testing.B) *opened {
	dsn := os.Getenv("RESILGEN_PG_DSN")
	if dsn == "" {
		b.Skip("RESILGEN_PG_DSN is not set (bench/run starts a throwaway server)")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	// Each open gets tables of its own, so that every benchmark starts
	// from empty tables.
	pgSeq++
	prefix := pgTag + strconv.Itoa(pgSeq) + "_"
	st, err := pgstore.New(ctx, pool, pgstore.WithTablePrefix(prefix))
	if err != nil {
		pool.Close()
		b.Fatal(err)
	}
	return &opened{st: st, pool: pool, prefix: prefix, close: func() {
		st.Close() // stops its purger; the pool is ours to close
		for _, t := range []string{"resilgen_idempotency", "resilgen_journal", "resilgen_schema", "floor_records", "floor_journal"} {
			_, _ = pool.Exec(ctx, `DROP TABLE IF EXISTS "`+prefix+t+`"`)
		}
		pool.Close()
	}}
}

// pgFloors time bare statements on copies of the store's tables (same
// columns, types, keys and constraints: CREATE TABLE ... LIKE ... INCLUDING
// ALL) with the values the store wrote for the same calls.
func pgFloors(b *testing.B, o *opened) {
	ctx := context.Background()
	q := func(name string) string { return `"` + o.prefix + name + `"` }
	records, journal := q("resilgen_idempotency"), q("resilgen_journal")
	floorRecords, floorJournal := q("floor_records"), q("floor_journal")
	for _, stmt := range []string{
		`CREATE TABLE ` + floorRecords + ` (LIKE ` + records + ` INCLUDING ALL)`,
		`CREATE TABLE ` + floorJournal + ` (LIKE ` + journal + ` INCLUDING ALL)`,
		`INSERT INTO ` + floorRecords + ` SELECT * FROM ` + records,
	} {
		if _, err := o.pool.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	var rec runtime.Record
	err := o.pool.QueryRow(ctx, `SELECT fingerprint, owner, lease_until, done, result, expires_at FROM `+records+` WHERE key = $1`,
		idemKey("key")).Scan(&rec.Fingerprint, &rec.Owner, &rec.LeaseUntil, &rec.Done, &rec.Result, &rec.ExpiresAt)
	if err != nil {
		b.Fatal(err)
	}
	var entry runtime.JournalEntry
	err = o.pool.QueryRow(ctx, `SELECT name, owner, result FROM `+journal+` LIMIT 1`).Scan(&entry.Name, &entry.Owner, &entry.Result)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("floor-get", func(b *testing.B) {
		b.ReportAllocs()
		sql := `SELECT fingerprint, owner, lease_until, done, result, expires_at FROM ` + floorRecords + ` WHERE key = $1`
		k := idemKey("key")
		for b.Loop() {
			var r runtime.Record
			if err := o.pool.QueryRow(ctx, sql, k).Scan(&r.Fingerprint, &r.Owner, &r.LeaseUntil, &r.Done, &r.Result, &r.ExpiresAt); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Keys go on from where the last run of a closure stopped: -count runs
	// it again on the same tables, and a reused key would fail.
	nextPut, nextAppend := 0, 0
	b.Run("floor-put", func(b *testing.B) {
		b.ReportAllocs()
		sql := `INSERT INTO ` + floorRecords + ` (key, fingerprint, owner, lease_until, done, result, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
		i := nextPut
		for b.Loop() {
			if _, err := o.pool.Exec(ctx, sql, idemKey(keyFor(i)), rec.Fingerprint, rec.Owner, rec.LeaseUntil, rec.Done, rec.Result, rec.ExpiresAt); err != nil {
				b.Fatal(err)
			}
			i++
		}
		nextPut = i
	})
	// A miss needs two statements, by the protocol: the claim, visible to
	// other replicas before the call runs, and the finished record once it
	// returned. floor-put2 is those two as bare autocommit statements, two
	// round trips and two commits: floor-put's INSERT with the claim row's
	// values (not done, no result, no expiry; pgstore's claim writes the
	// same), then the UPDATE pgstore's Complete runs, with the bytes it
	// wrote. It shares floor-put's keys, so that neither reuses the other's.
	b.Run("floor-put2", func(b *testing.B) {
		b.ReportAllocs()
		claim := `INSERT INTO ` + floorRecords + ` (key, fingerprint, owner, lease_until, done, result, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
		complete := `UPDATE ` + floorRecords + ` SET done = true, result = $3, expires_at = $4 WHERE key = $1 AND owner = $2 AND NOT done`
		i := nextPut
		for b.Loop() {
			k := idemKey(keyFor(i))
			if _, err := o.pool.Exec(ctx, claim, k, rec.Fingerprint, rec.Owner, rec.LeaseUntil, false, nil, nil); err != nil {
				b.Fatal(err)
			}
			tag, err := o.pool.Exec(ctx, complete, k, rec.Owner, rec.Result, rec.ExpiresAt)
			if err != nil {
				b.Fatal(err)
			}
			if tag.RowsAffected() != 1 {
				b.Fatalf("the UPDATE of %s finished %d rows, want 1", k, tag.RowsAffected())
			}
			i++
		}
		nextPut = i
	})
	b.Run("floor-append", func(b *testing.B) {
		b.ReportAllocs()
		sql := `INSERT INTO ` + floorJournal + ` (workflow, seq, name, owner, result) VALUES ($1, $2, $3, $4, $5)`
		i := nextAppend
		for b.Loop() {
			if _, err := o.pool.Exec(ctx, sql, "floor", int64(i), entry.Name, entry.Owner, entry.Result); err != nil {
				b.Fatal(err)
			}
			i++
		}
		nextAppend = i
	})
}
