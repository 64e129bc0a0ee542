package boltstore

import (
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// The cache of finished records answers a hit without a read transaction.
// It is exact because one Store owns the file (bbolt's lock): every change
// of a record goes through this Store, under the lock of the record's key
// shard, and updates or drops the cached copy there. An entry is always a
// copy of a finished record that the file holds, so dropping one is always
// safe; only adding one needs care (see Store.Claim and Store.Complete).

// defaultCacheSize lets the cache hold some twenty thousand typical
// records (a key, a hex fingerprint, an owner and a small JSON result)
// while costing a process no more than a few megabytes.
const defaultCacheSize = 8 << 20

// entryOverhead is what an entry costs beyond its strings and result: the
// struct, its map slot and its ring slot, rounded up.
const entryOverhead = 160

// finished is a cached finished record.
type finished struct {
	key, fingerprint, owner string
	leaseUntil, expiresAt   time.Time
	result                  []byte
	// size is what the entry counts against the budget.
	size int
	// slot is the entry's index in its cache's ring; used is set by a
	// hit and cleared as the clock hand passes (second chance).
	slot int
	used bool
}

func newFinished(rec *runtime.Record) *finished {
	return &finished{
		key: rec.Key, fingerprint: rec.Fingerprint, owner: rec.Owner,
		leaseUntil: rec.LeaseUntil, expiresAt: rec.ExpiresAt, result: rec.Result,
		size: entryOverhead + len(rec.Key) + len(rec.Fingerprint) + len(rec.Owner) + len(rec.Result),
	}
}

// record returns the cached record under key (the caller's string, equal
// to f.key) with a copy of its result: the caller owns what Claim returns.
func (f *finished) record(key string) runtime.Record {
	return runtime.Record{
		Key: key, Fingerprint: f.fingerprint, Owner: f.owner, LeaseUntil: f.leaseUntil,
		Done: true, Result: clone(f.result), ExpiresAt: f.expiresAt,
	}
}

// finishedCache holds the finished records of one key shard, within a
// budget of bytes, evicting with the clock algorithm: a ring of entries
// and a hand that gives each entry hit since it last passed a second
// chance. Every operation is O(1) (eviction amortized). It is guarded by
// its shard's lock.
type finishedCache struct {
	byKey  map[string]*finished
	ring   []*finished
	hand   int
	bytes  int
	budget int
}

func newFinishedCache(budget int) finishedCache {
	if budget <= 0 {
		return finishedCache{}
	}
	return finishedCache{byKey: make(map[string]*finished), budget: budget}
}

// on reports whether the cache keeps anything.
func (c *finishedCache) on() bool { return c.budget > 0 }

// get returns the entry of key, or nil.
func (c *finishedCache) get(key string) *finished {
	return c.byKey[key] // a nil map when disabled: always nil
}

// put adds f, replacing any entry of its key, and evicts until the cache
// is within budget. An entry larger than the whole budget is not kept
// (and the old one of its key is dropped all the same).
func (c *finishedCache) put(f *finished) {
	c.drop(f.key)
	if f.size > c.budget {
		return
	}
	for c.bytes+f.size > c.budget {
		c.evict()
	}
	f.slot = len(c.ring)
	c.ring = append(c.ring, f)
	c.byKey[f.key] = f
	c.bytes += f.size
}

// drop removes the entry of key, if any.
func (c *finishedCache) drop(key string) {
	if f := c.byKey[key]; f != nil {
		c.remove(f)
	}
}

// dropExpired removes every entry that expired at or before now.
func (c *finishedCache) dropExpired(now time.Time) {
	for i := 0; i < len(c.ring); {
		if f := c.ring[i]; !f.expiresAt.After(now) {
			c.remove(f) // moves the last entry to i: look at i again
			continue
		}
		i++
	}
}

// evict removes one entry: the first, from the hand on, that was not hit
// since the hand last passed it. The caller makes sure the ring is not
// empty.
func (c *finishedCache) evict() {
	for {
		if c.hand >= len(c.ring) {
			c.hand = 0
		}
		f := c.ring[c.hand]
		if !f.used {
			c.remove(f) // the hand now points at the entry moved there
			return
		}
		f.used = false
		c.hand++
	}
}

// remove takes f out of the map and the ring, moving the ring's last
// entry into f's slot.
func (c *finishedCache) remove(f *finished) {
	last := len(c.ring) - 1
	moved := c.ring[last]
	c.ring[f.slot] = moved
	moved.slot = f.slot
	c.ring[last] = nil
	c.ring = c.ring[:last]
	delete(c.byKey, f.key)
	c.bytes -= f.size
}
