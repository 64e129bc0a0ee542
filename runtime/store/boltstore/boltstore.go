// Package boltstore is a durable runtime.Store in one local file, on bbolt
// (go.etcd.io/bbolt). It is the embedded default: one process at a time owns
// the file, every write is committed and fsynced before the method returns,
// and bbolt's copy-on-write pages mean that a crash at any point leaves the
// old or the new record, never a torn one.
//
// A second process that opens a file already open gets an error within the
// lock timeout (default 1s, see [WithLockTimeout]) instead of waiting for
// ever. For several processes sharing one store use runtime/store/pgstore.
//
// # Layout
//
// The file holds three buckets: "meta" with the layout version under
// "version", "records" with one idempotency record per key, and "journal"
// with one entry per (workflow, seq). Values are a small binary encoding
// with a format byte in front (see encode.go); a file written by a newer
// layout than this package knows is refused at Open.
package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/resilgen/resilgen/runtime"
)

// layoutVersion is the version of the buckets and encodings this package
// writes. Bump it, and migrate in Open, when either changes.
const layoutVersion = 1

var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	bucketJournal = []byte("journal")
	keyVersion    = []byte("version")
)

// errUnchanged rolls back a write transaction that found nothing to write:
// bbolt fsyncs on every commit, even an empty one, so a no-op must not commit.
var errUnchanged = errors.New("boltstore: nothing to write")

// Store is a runtime.Store in a bbolt file. It is safe for concurrent use by
// the goroutines of one process; writes are serialized by bbolt.
type Store struct {
	db *bolt.DB
}

var _ runtime.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	lockTimeout time.Duration
	mode        os.FileMode
}

// WithLockTimeout sets how long Open waits for another process to close the
// file before it gives up. Default 1s. It must be positive: bbolt would wait
// for ever on zero.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.lockTimeout = d
		}
	}
}

// WithFileMode sets the permissions of a file that Open creates. Default
// 0o600: the records hold call results, which may be private.
func WithFileMode(mode os.FileMode) Option {
	return func(o *options) { o.mode = mode }
}

// Open opens the store in the bbolt file at path, creating the file and its
// buckets when missing. It fails quickly with a clear error when another
// process (or another Store of this process) has the file open, when the
// file is not a bbolt database, and when its layout is newer than this
// package's.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{lockTimeout: time.Second, mode: 0o600}
	for _, opt := range opts {
		opt(&o)
	}
	db, err := bolt.Open(path, o.mode, &bolt.Options{
		Timeout: o.lockTimeout,
		// Fewer pages written per commit; bbolt rebuilds the freelist
		// from the pages on open, so it stays crash-safe.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: the file is locked by another process (or another open Store in this one); gave up after %v: %w", path, o.lockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := db.Update(initLayout); err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// initLayout creates the buckets of a new file and checks the layout version
// of an existing one.
func initLayout(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta != nil {
		v, err := decodeVersion(meta.Get(keyVersion))
		if err != nil {
			return err
		}
		if v > layoutVersion {
			return fmt.Errorf("layout version %d is newer than the %d this build of resilgen reads; upgrade resilgen", v, layoutVersion)
		}
		// Older layouts would be migrated here; there are none yet.
	}
	var err error
	if meta, err = tx.CreateBucketIfNotExists(bucketMeta); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketMeta, err)
	}
	for _, name := range [][]byte{bucketRecords, bucketJournal} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if meta.Get(keyVersion) == nil {
		return meta.Put(keyVersion, encodeVersion(layoutVersion))
	}
	return nil
}

// Close closes the file, so that another process may open it.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close %s: %w", s.db.Path(), err)
	}
	return nil
}

// update runs fn in a write transaction; fn returning errUnchanged rolls the
// transaction back and counts as success.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	err := s.db.Update(fn)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// claimable reports whether a claim at now may replace rec.
func claimable(rec *runtime.Record, now time.Time) bool {
	if rec.Done {
		return !rec.ExpiresAt.After(now)
	}
	return !rec.LeaseUntil.After(now)
}

// Claim implements runtime.Store. A key held by a live claim or a finished
// result is answered from a read transaction, with no write and no fsync.
func (s *Store) Claim(ctx context.Context, key, fingerprint, owner string, now, leaseUntil time.Time) (runtime.Record, bool, error) {
	if err := checkKey(ctx, "claim", key); err != nil {
		return runtime.Record{}, false, err
	}
	k := []byte(key)
	var rec runtime.Record
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		rec, found, err = getRecord(tx, k)
		return err
	})
	if err != nil {
		return runtime.Record{}, false, fmt.Errorf("boltstore: claim %q: %w", key, err)
	}
	if found && !claimable(&rec, now) {
		return rec, false, nil
	}
	claimed := false
	err = s.update(func(tx *bolt.Tx) error {
		// Look again: another goroutine may have claimed it since.
		cur, found, err := getRecord(tx, k)
		if err != nil {
			return err
		}
		if found && !claimable(&cur, now) {
			rec = cur
			return errUnchanged
		}
		rec = runtime.Record{Key: key, Fingerprint: fingerprint, Owner: owner, LeaseUntil: leaseUntil}
		claimed = true
		return tx.Bucket(bucketRecords).Put(k, appendRecord(nil, &rec))
	})
	if err != nil {
		return runtime.Record{}, false, fmt.Errorf("boltstore: claim %q: %w", key, err)
	}
	return rec, claimed, nil
}

// Renew implements runtime.Store.
func (s *Store) Renew(ctx context.Context, key, owner string, leaseUntil time.Time) error {
	return s.modifyClaim(ctx, "renew", key, owner, func(rec *runtime.Record) (bool, error) {
		rec.LeaseUntil = leaseUntil
		return true, nil
	})
}

// Complete implements runtime.Store.
func (s *Store) Complete(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error {
	return s.modifyClaim(ctx, "complete", key, owner, func(rec *runtime.Record) (bool, error) {
		rec.Done, rec.Result, rec.ExpiresAt = true, result, expiresAt
		return true, nil
	})
}

// Release implements runtime.Store.
func (s *Store) Release(ctx context.Context, key, owner string) error {
	err := s.modifyClaim(ctx, "release", key, owner, func(*runtime.Record) (bool, error) { return false, nil })
	if errors.Is(err, runtime.ErrLeaseLost) {
		return nil // releasing what one does not hold is a no-op
	}
	return err
}

// modifyClaim runs change on owner's unfinished claim of key, then writes the
// record back (change returns true) or deletes it (false). It returns
// ErrLeaseLost, writing nothing, when owner does not hold the claim.
func (s *Store) modifyClaim(ctx context.Context, op, key, owner string, change func(*runtime.Record) (bool, error)) error {
	if err := checkKey(ctx, op, key); err != nil {
		return err
	}
	k := []byte(key)
	lost := false
	err := s.update(func(tx *bolt.Tx) error {
		rec, found, err := getRecord(tx, k)
		if err != nil {
			return err
		}
		if !found || rec.Done || rec.Owner != owner {
			lost = true
			return errUnchanged
		}
		keep, err := change(&rec)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketRecords)
		if !keep {
			return b.Delete(k)
		}
		return b.Put(k, appendRecord(nil, &rec))
	})
	if err != nil {
		return fmt.Errorf("boltstore: %s %q for %q: %w", op, key, owner, err)
	}
	if lost {
		return fmt.Errorf("boltstore: %s %q for %q: %w", op, key, owner, runtime.ErrLeaseLost)
	}
	return nil
}

// Purge implements runtime.Store. It reads every record: purging is
// meant to run now and then, not on the call path.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("boltstore: purge: %w", err)
	}
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		var dead [][]byte
		err := b.ForEach(func(k, v []byte) error {
			rec, err := decodeRecord(k, v)
			if err != nil {
				return err
			}
			if claimable(&rec, now) {
				// Copied: k points into the mmap, and deleting
				// rewrites the pages it came from.
				dead = append(dead, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(dead) == 0 {
			return errUnchanged
		}
		for _, k := range dead {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(dead)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: purge: %w", err)
	}
	return n, nil
}

// Append implements runtime.Store.
func (s *Store) Append(ctx context.Context, workflow string, entry runtime.JournalEntry) (runtime.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return runtime.JournalEntry{}, fmt.Errorf("boltstore: append %q seq %d: %w", workflow, entry.Seq, err)
	}
	k := journalKey(workflow, entry.Seq)
	stored := entry
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJournal)
		if v := b.Get(k); v != nil {
			var err error
			stored, err = decodeEntry(entry.Seq, v)
			if err != nil {
				return err
			}
			return errUnchanged
		}
		return b.Put(k, appendEntry(nil, &entry))
	})
	if err != nil {
		return runtime.JournalEntry{}, fmt.Errorf("boltstore: append %q seq %d: %w", workflow, entry.Seq, err)
	}
	return stored, nil
}

// Journal implements runtime.Store.
func (s *Store) Journal(ctx context.Context, workflow string) ([]runtime.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: journal %q: %w", workflow, err)
	}
	prefix := journalPrefix(workflow)
	var entries []runtime.JournalEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJournal).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			seq, ok := journalSeq(k, len(prefix))
			if !ok {
				return fmt.Errorf("malformed journal key %x", k)
			}
			e, err := decodeEntry(seq, v)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: journal %q: %w", workflow, err)
	}
	return entries, nil
}

// checkKey returns the context's error, or an error for an empty key, which
// bbolt cannot store.
func checkKey(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: %s %q: %w", op, key, err)
	}
	if key == "" {
		return fmt.Errorf("boltstore: %s: empty key", op)
	}
	return nil
}

// getRecord reads and decodes the record of k, copying it out of the mmap.
func getRecord(tx *bolt.Tx, k []byte) (runtime.Record, bool, error) {
	v := tx.Bucket(bucketRecords).Get(k)
	if v == nil {
		return runtime.Record{}, false, nil
	}
	rec, err := decodeRecord(k, v)
	return rec, err == nil, err
}
