// Package boltstore is a durable runtime.Store in one local file, on bbolt
// (go.etcd.io/bbolt). It is the embedded default: one process at a time owns
// the file, every finished result and journal entry is committed and
// fsynced before the method returns, and bbolt's copy-on-write pages mean
// that a crash at any point leaves the old or the new record, never a torn
// one.
//
// A second process that opens a file already open gets an error within the
// lock timeout (default 1s, see [WithLockTimeout]) instead of waiting for
// ever. For several processes sharing one store use runtime/store/pgstore.
//
// # Claims live in memory
//
// Unfinished idempotency claims (and their leases) are kept in this
// process's memory only; the file holds finished results and journal
// entries. So a miss (Claim, call, Complete) commits once, not twice. This
// is safe because of bbolt's file lock: one process, one Store, holds the
// file, so every claimer of a key is in this process and sees the claim.
// A claim of a process that died dies with it, which is exactly what a
// lease is for; the restarted process may take the key over at once
// instead of waiting out the lease of a claimer that no longer exists.
// The call of that claim was in flight when the process died, so it may
// run again: at least once, as with a lease that ran out.
//
// Claim still answers a finished result from the file (checking its
// expiry) and applies the rules of runtime.Store. A Complete writes its
// result while every other operation on the key waits, so a claim and the
// result it becomes change as one: a claimer never takes over a claim
// whose result is being written, and a Complete by an owner that lost its
// claim writes nothing. Renew and Release touch memory only.
//
// # Finished results are cached
//
// For the same reason, one Store being the file's only writer, the store
// keeps the finished results it wrote or read in memory, up to
// [WithCacheSize] bytes (8 MiB by default), and answers a hit on one
// without a read transaction: about a tenth of the time of a bare bbolt
// View of the same record. The cache is exact, not a cache that may be
// stale: every write of a record updates it under the key's lock, a purge
// sweeps it, and its entries expire by the same rule as the file's. It
// starts empty at Open; the first hit on a result reads the file.
//
// # Layout
//
// The file holds three buckets: "meta" with the layout version under
// "version", "records" with one finished idempotency record per key, and
// "journal" with one entry per (workflow, seq). Values are a small binary
// encoding with a format byte in front and a CRC-32C checksum at the end
// (see encode.go), so that a damaged value is an error naming its key,
// never a wrong result. A file of layout version 1 (resilgen before
// checksums) is upgraded in place by Open, which only rewrites its version:
// its values are read as they are. After that, older builds refuse the
// file, as they refuse any file of a newer layout than they know. Unfinished
// records that older builds persisted are the claims of processes that are
// gone: they are ignored (the key is free), replaced by the next result,
// and deleted by Purge.
//
// # Expired records are purged on a schedule
//
// Open starts one goroutine that calls Purge every 10 minutes (see
// [WithPurgeInterval]), so that expired results do not pile up in the file
// and nobody needs a cron job for it; Close stops it. Each purge takes its
// now from the store's clock ([WithClock]), which should be the runtime's.
// A purge that fails is reported to [WithPurgeErrorHandler]'s function, or
// else logged with [log/slog]'s default logger; the next one runs an
// interval later all the same.
package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/internal/purger"
)

// layoutVersion is the version of the buckets and encodings this package
// writes. Bump it, and migrate in Open, when either changes.
//
// Version 2 writes values in format 2 (see encode.go). A file of version 1
// is upgraded by Open rewriting its version only: its format 1 values stay
// as they are, are read as before, and give way to format 2 as they are
// rewritten. The version is bumped all the same so that a build that knows
// only format 1 refuses the file at Open, naming the version, instead of
// failing on each value it cannot decode.
const layoutVersion = 2

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
// the goroutines of one process; writes to the file are serialized by bbolt,
// claims by a lock per group of keys.
type Store struct {
	db *bolt.DB
	// seed and shards hold the unfinished claims, by key.
	seed   maphash.Seed
	shards [claimShards]claimShard
	// purger runs Purge on a schedule; nil when it is turned off.
	purger *purger.Purger
}

var _ runtime.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	lockTimeout   time.Duration
	mode          os.FileMode
	purgeInterval time.Duration
	clock         runtime.Clock
	onPurgeError  func(error)
	cacheSize     int
}

// defaultPurgeInterval is often enough that expired records never take
// much room, and rare enough that the scan of every record costs nothing
// worth measuring.
const defaultPurgeInterval = 10 * time.Minute

// WithPurgeInterval sets how often the store purges expired results and
// lapsed claims on its own: the wait from the end of one purge to the start
// of the next, the first one an interval after Open. Default 10 minutes.
// Zero or negative turns scheduled purging off; call [Store.Purge] yourself
// then, or the file grows with every idempotency key ever used. A purge
// reads every record in one write transaction, which holds up other writes
// while it runs: keep the interval in minutes, not milliseconds.
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
// scheduled purge that fails, such as a record the store cannot decode. It
// is called on the purger's goroutine, one error at a time, and purging
// waits for it to return: keep it quick, and do not call [Store.Close]
// from it, since Close waits for that goroutine. Errors of purges you call
// yourself are returned to you, not passed here. Default, and nil: log the
// error at level Warn with [slog.Default]; pass func(error) {} to drop it.
func WithPurgeErrorHandler(fn func(err error)) Option {
	return func(o *options) { o.onPurgeError = fn }
}

// WithCacheSize sets how many bytes of memory the store may keep finished
// results in, so that a hit on one is answered without reading the file
// (see the package doc). Default 8 MiB, some twenty thousand results of a
// few hundred bytes; zero or negative turns the cache off. What counts
// against the size is each result with its key, fingerprint and owner,
// plus about 160 bytes. A result larger than a 32nd of the size is not
// cached, and the results hit least recently are evicted first, roughly.
func WithCacheSize(bytes int) Option {
	return func(o *options) { o.cacheSize = bytes }
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
// package's. Unless [WithPurgeInterval] turns it off, it starts the
// goroutine that purges expired records (see the package doc); Close stops
// it.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{
		lockTimeout:   time.Second,
		mode:          0o600,
		purgeInterval: defaultPurgeInterval,
		clock:         runtime.SystemClock(),
		cacheSize:     defaultCacheSize,
	}
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
	s := &Store{db: db, seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].claims = make(map[string]claim)
		s.shards[i].done = newFinishedCache(o.cacheSize / claimShards)
	}
	s.purger = purger.Start(purger.Config{
		Clock:    o.clock,
		Interval: o.purgeInterval,
		Purge:    s.Purge,
		OnError:  o.onPurgeError,
		Store:    "boltstore " + path,
	})
	return s, nil
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
		if v < layoutVersion {
			// Version 1 -> 2: the values stay; only the
			// version changes (see layoutVersion).
			if err := meta.Put(keyVersion, encodeVersion(layoutVersion)); err != nil {
				return fmt.Errorf("upgrading layout version %d to %d: %w", v, layoutVersion, err)
			}
		}
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

// Close stops scheduled purging, waiting for a purge in flight to end, and
// closes the file, so that another process may open it. Calling it again
// does nothing and returns nil.
func (s *Store) Close() error {
	// First: no purge may run on a closed file.
	s.purger.Stop()
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

// claimShards is the number of locks the claims are spread over, so that
// claims of different keys rarely wait for each other's disk read.
const claimShards = 32

// claimShard holds the unfinished claims of the keys that hash to it, and
// the cached finished records of those keys. A key never has both: a claim
// stands for the key until its Complete caches the result.
type claimShard struct {
	mu     sync.Mutex
	claims map[string]claim
	done   finishedCache
}

// claim is an unfinished claim, kept in memory only (see the package doc).
type claim struct {
	fingerprint, owner string
	leaseUntil         time.Time
	// completing is set while Complete writes the claim's finished
	// record, and closed when it is done; every other operation on the
	// key waits for it, so that the claim and the record it becomes
	// change together, as one transaction would change them.
	completing chan struct{}
}

func (c *claim) record(key string) runtime.Record {
	return runtime.Record{Key: key, Fingerprint: c.fingerprint, Owner: c.owner, LeaseUntil: c.leaseUntil}
}

// lockKey locks the shard of key and returns it once no Complete of key is
// writing, so that the caller sees key's claim and record settled. The
// caller unlocks it.
func (s *Store) lockKey(ctx context.Context, key string) (*claimShard, error) {
	sh := &s.shards[maphash.String(s.seed, key)%claimShards]
	for {
		sh.mu.Lock()
		c, ok := sh.claims[key]
		if !ok || c.completing == nil {
			return sh, nil
		}
		sh.mu.Unlock()
		select {
		case <-c.completing:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// Claim implements runtime.Store. An unfinished claim, and a finished
// record in the cache (see [WithCacheSize]), are answered and taken in
// memory; only when the key has neither is the file read, in a read
// transaction with no write and no fsync, and a finished record found
// there is cached. The read happens under the key's lock, so two claimers
// of a key never both find it free, and no write of the key's record
// (Complete, or a Purge's sweep of the cache) comes between the read and
// the caching.
func (s *Store) Claim(ctx context.Context, key, fingerprint, owner string, now, leaseUntil time.Time) (runtime.Record, bool, error) {
	if err := checkKey(ctx, "claim", key); err != nil {
		return runtime.Record{}, false, err
	}
	sh, err := s.lockKey(ctx, key)
	if err != nil {
		return runtime.Record{}, false, fmt.Errorf("boltstore: claim %q: waiting for its result to be written: %w", key, err)
	}
	defer sh.mu.Unlock()
	if c, ok := sh.claims[key]; ok {
		if c.leaseUntil.After(now) {
			return c.record(key), false, nil
		}
		// The lease ran out. The claim stands for the key's record, so
		// the file has nothing newer: take it over without reading it.
	} else if f := sh.done.get(key); f != nil {
		if f.expiresAt.After(now) {
			f.used = true
			return f.record(key), false, nil
		}
		// Expired: the file holds this record and nothing newer, so
		// take the key over without reading it. The claim stands for
		// the key from now on.
		sh.done.drop(key)
	} else {
		var rec runtime.Record
		var found bool
		err := s.db.View(func(tx *bolt.Tx) error {
			var err error
			rec, found, err = getRecord(tx, key, known{key, fingerprint, owner})
			return err
		})
		if err != nil {
			return runtime.Record{}, false, fmt.Errorf("boltstore: claim %q: %w", key, err)
		}
		// An unfinished record in the file was persisted by an older
		// build, in a process that is gone: it is no claim any more.
		if found && rec.Done && rec.ExpiresAt.After(now) {
			if sh.done.on() {
				// Cached with its own copy of the result: the
				// caller owns rec's.
				f := rec
				f.Result = clone(rec.Result)
				sh.done.put(newFinished(&f))
			}
			return rec, false, nil
		}
	}
	c := claim{fingerprint: fingerprint, owner: owner, leaseUntil: leaseUntil}
	sh.claims[key] = c
	return c.record(key), true, nil
}

// Renew implements runtime.Store. It writes nothing to the file.
func (s *Store) Renew(ctx context.Context, key, owner string, leaseUntil time.Time) error {
	if err := checkKey(ctx, "renew", key); err != nil {
		return err
	}
	sh, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("boltstore: renew %q for %q: %w", key, owner, err)
	}
	defer sh.mu.Unlock()
	c, ok := sh.claims[key]
	if !ok || c.owner != owner {
		return fmt.Errorf("boltstore: renew %q for %q: %w", key, owner, runtime.ErrLeaseLost)
	}
	c.leaseUntil = leaseUntil
	sh.claims[key] = c
	return nil
}

// Complete implements runtime.Store. It is the one durable write of a
// miss: the finished record is committed and fsynced before it returns.
// The claim is marked as completing, not dropped, while the record is
// written outside the key's lock (an fsync must not block the other keys
// of the shard); claimers of the key wait for the outcome, so none takes
// over a claim whose record is being written, and a failed write leaves
// the claim as it was.
func (s *Store) Complete(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error {
	if err := checkKey(ctx, "complete", key); err != nil {
		return err
	}
	sh, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("boltstore: complete %q for %q: %w", key, owner, err)
	}
	c, ok := sh.claims[key]
	if !ok || c.owner != owner {
		sh.mu.Unlock()
		return fmt.Errorf("boltstore: complete %q for %q: %w", key, owner, runtime.ErrLeaseLost)
	}
	done := make(chan struct{})
	c.completing = done
	sh.claims[key] = c
	sh.mu.Unlock()

	rec := c.record(key)
	rec.Done, rec.Result, rec.ExpiresAt = true, result, expiresAt
	k := []byte(key)
	err = s.db.Update(func(tx *bolt.Tx) error {
		// Put over whatever is there: an expired result, or a claim
		// persisted by an older build, both of which this claim replaced.
		return tx.Bucket(bucketRecords).Put(k, appendRecord(nil, &rec))
	})

	sh.mu.Lock()
	if err == nil {
		delete(sh.claims, key)
		if sh.done.on() {
			// Cached with a copy of the result, which the
			// caller owns.
			rec.Result = clone(result)
			sh.done.put(newFinished(&rec))
		}
	} else {
		c = sh.claims[key] // with any lease Renew set meanwhile
		c.completing = nil
		sh.claims[key] = c
	}
	sh.mu.Unlock()
	close(done)
	if err != nil {
		return fmt.Errorf("boltstore: complete %q for %q: writing the result: %w", key, owner, err)
	}
	return nil
}

// Release implements runtime.Store. It writes nothing to the file.
func (s *Store) Release(ctx context.Context, key, owner string) error {
	if err := checkKey(ctx, "release", key); err != nil {
		return err
	}
	sh, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("boltstore: release %q for %q: %w", key, owner, err)
	}
	defer sh.mu.Unlock()
	if c, ok := sh.claims[key]; ok && c.owner == owner {
		delete(sh.claims, key)
	}
	return nil // releasing what one does not hold is a no-op
}

// Purge implements runtime.Store. It drops the claims whose lease ran out
// from memory, and deletes the expired results from the file and the
// cache, with the unfinished records an older build persisted (their
// processes are gone).
// It reads every record: purging is meant to run now and then, not on the
// call path.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("boltstore: purge: %w", err)
	}
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for key, c := range sh.claims {
			// A completing claim is becoming a result, not expiring.
			if c.completing == nil && !c.leaseUntil.After(now) {
				delete(sh.claims, key)
				n++
			}
		}
		sh.mu.Unlock()
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		var dead [][]byte
		err := b.ForEach(func(k, v []byte) error {
			rec, err := decodeRecord(k, v, known{})
			if err != nil {
				return err
			}
			if !rec.Done || !rec.ExpiresAt.After(now) {
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
		n += len(dead)
		return nil
	})
	// After the file's commit, so that a claim that read the file before
	// it and cached a record it deleted has done so by the time its shard
	// is swept. Dropping entries is always safe, so this runs even when
	// the file's purge failed.
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.done.dropExpired(now)
		sh.mu.Unlock()
	}
	if err != nil {
		return 0, fmt.Errorf("boltstore: purge %s: %w", s.db.Path(), err)
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

// getRecord reads and decodes the record of key, copying it out of the mmap
// but the strings it finds in hint.
func getRecord(tx *bolt.Tx, key string, hint known) (runtime.Record, bool, error) {
	k := []byte(key)
	v := tx.Bucket(bucketRecords).Get(k)
	if v == nil {
		return runtime.Record{}, false, nil
	}
	rec, err := decodeRecord(k, v, hint)
	return rec, err == nil, err
}
