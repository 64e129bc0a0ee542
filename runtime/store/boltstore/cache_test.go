package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// reads returns how many read transactions the store has started.
func reads(s *Store) int { return s.db.Stats().TxN }

// cacheT0 is the cache tests' now.
var cacheT0 = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

// TestCachedHitReadsNoFile: a hit on a result this store completed, or
// read once, is answered without a read transaction.
func TestCachedHitReadsNoFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "resil.db")
	s, err := Open(path, WithPurgeInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	complete(t, s, "k", "A", cacheT0, cacheT0.Add(time.Hour))
	before := reads(s)
	for range 3 {
		rec, claimed, err := s.Claim(ctx, "k", "x", "B", cacheT0, cacheT0.Add(time.Minute))
		if err != nil || claimed || string(rec.Result) != "result of k" {
			t.Fatalf("Claim = %+v, %v, %v; want the result", rec, claimed, err)
		}
	}
	if n := reads(s) - before; n != 0 {
		t.Errorf("hits after Complete started %d read transactions; want none", n)
	}
	s.Close()

	// Reopened, the cache is empty: the first hit reads the file, the
	// next ones do not.
	s, err = Open(path, WithPurgeInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before = reads(s)
	for range 3 {
		if _, claimed, err := s.Claim(ctx, "k", "x", "B", cacheT0, cacheT0.Add(time.Minute)); err != nil || claimed {
			t.Fatalf("Claim after reopen = %v, %v", claimed, err)
		}
	}
	if n := reads(s) - before; n != 1 {
		t.Errorf("three hits after reopen started %d read transactions; want 1", n)
	}
}

// TestCacheOff: with a cache size of 0 every hit reads the file.
func TestCacheOff(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0), WithCacheSize(0))
	complete(t, s, "k", "A", cacheT0, cacheT0.Add(time.Hour))
	before := reads(s)
	for range 3 {
		if _, claimed, err := s.Claim(ctx, "k", "x", "B", cacheT0, cacheT0.Add(time.Minute)); err != nil || claimed {
			t.Fatalf("Claim = %v, %v", claimed, err)
		}
	}
	if n := reads(s) - before; n != 3 {
		t.Errorf("three hits with the cache off started %d read transactions; want 3", n)
	}
}

// TestCachedHitAllocations: a cached hit allocates only the copy of the
// result that the caller owns.
func TestCachedHitAllocations(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	complete(t, s, "k", "A", cacheT0, cacheT0.Add(time.Hour))
	key, fp, owner := "k", "x", "B"
	lease := cacheT0.Add(time.Minute)
	allocs := testing.AllocsPerRun(100, func() {
		if _, claimed, err := s.Claim(ctx, key, fp, owner, cacheT0, lease); err != nil || claimed {
			t.Fatal(claimed, err)
		}
	})
	if allocs > 1 {
		t.Errorf("a cached hit allocates %v times; want 1 (the result's copy)", allocs)
	}
}

// TestCacheExpiry: a cached result expires at ExpiresAt, decided from the
// cache alone, and the key is claimed there without reading the file.
func TestCacheExpiry(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	exp := cacheT0.Add(time.Hour)
	complete(t, s, "k", "A", cacheT0, exp)
	before := reads(s)
	if _, claimed, err := s.Claim(ctx, "k", "x", "B", exp.Add(-time.Nanosecond), exp); err != nil || claimed {
		t.Fatalf("Claim a nanosecond before expiry = %v, %v; want the result", claimed, err)
	}
	rec, claimed, err := s.Claim(ctx, "k", "fp-B", "B", exp, exp.Add(time.Minute))
	if err != nil || !claimed || rec.Owner != "B" || rec.Fingerprint != "fp-B" || rec.Done {
		t.Fatalf("Claim at expiry = %+v, %v, %v; want B's new claim", rec, claimed, err)
	}
	if n := reads(s) - before; n != 0 {
		t.Errorf("the hit and the takeover started %d read transactions; want none", n)
	}
	// B's result replaces A's in the cache and in the file.
	if err := s.Complete(ctx, "k", "B", []byte("B's"), exp.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	rec, claimed, err = s.Claim(ctx, "k", "x", "C", exp, exp.Add(time.Minute))
	if err != nil || claimed || string(rec.Result) != "B's" || rec.Owner != "B" {
		t.Fatalf("Claim after B's Complete = %+v, %v, %v; want B's result", rec, claimed, err)
	}
	if n := reads(s) - before; n != 0 {
		t.Errorf("after B's Complete: %d read transactions; want none", n)
	}
}

// TestCacheReleaseAfterTakeover: a claim that took over an expired cached
// result and is released leaves the key as the file has it: the old
// result, expired.
func TestCacheReleaseAfterTakeover(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	exp := cacheT0.Add(time.Hour)
	complete(t, s, "k", "A", cacheT0, exp)
	if _, claimed, err := s.Claim(ctx, "k", "fp", "B", exp, exp.Add(time.Minute)); err != nil || !claimed {
		t.Fatalf("takeover = %v, %v", claimed, err)
	}
	if err := s.Release(ctx, "k", "B"); err != nil {
		t.Fatal(err)
	}
	rec, claimed, err := s.Claim(ctx, "k", "fp", "C", exp, exp.Add(time.Minute))
	if err != nil || !claimed || rec.Owner != "C" {
		t.Fatalf("Claim after release = %+v, %v, %v; want C's claim", rec, claimed, err)
	}
}

// TestCachePurge: a purge drops expired results from the cache as from
// the file: a claim at an earlier now, which the old result would have
// answered, finds the key free; live results stay cached.
func TestCachePurge(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	complete(t, s, "old", "A", cacheT0, cacheT0.Add(time.Minute))
	complete(t, s, "live", "A", cacheT0, cacheT0.Add(time.Hour))
	if n, err := s.Purge(ctx, cacheT0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	rec, claimed, err := s.Claim(ctx, "old", "fp", "B", cacheT0, cacheT0.Add(time.Minute))
	if err != nil || !claimed {
		t.Fatalf("Claim of the purged key = %+v, %v, %v; want it claimed", rec, claimed, err)
	}
	before := reads(s)
	if _, claimed, err := s.Claim(ctx, "live", "fp", "B", cacheT0, cacheT0.Add(time.Minute)); err != nil || claimed {
		t.Fatalf("Claim of the live key = %v, %v; want its result", claimed, err)
	}
	if n := reads(s) - before; n != 0 {
		t.Errorf("hit on the live result after Purge: %d read transactions; want none", n)
	}
}

// TestCacheResultIsACopy: the result a hit returns, and the one given to
// Complete, are the caller's: changing them changes no later hit.
func TestCacheResultIsACopy(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0))
	if _, _, err := s.Claim(ctx, "k", "fp", "A", cacheT0, cacheT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	result := []byte("abc")
	if err := s.Complete(ctx, "k", "A", result, cacheT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	result[0] = 'X'
	rec, _, err := s.Claim(ctx, "k", "fp", "B", cacheT0, cacheT0.Add(time.Minute))
	if err != nil || string(rec.Result) != "abc" {
		t.Fatalf("hit after the caller changed Complete's slice = %q, %v; want abc", rec.Result, err)
	}
	rec.Result[0] = 'Y'
	rec, _, err = s.Claim(ctx, "k", "fp", "B", cacheT0, cacheT0.Add(time.Minute))
	if err != nil || string(rec.Result) != "abc" {
		t.Fatalf("hit after the caller changed a hit's result = %q, %v; want abc", rec.Result, err)
	}
}

// cacheStats returns the entries and bytes the cache holds, checking the
// shards' bookkeeping on the way.
func cacheStats(t *testing.T, s *Store) (entries, size int) {
	t.Helper()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		c := &sh.done
		sum := 0
		for j, f := range c.ring {
			if f.slot != j || c.byKey[f.key] != f {
				t.Errorf("shard %d: ring slot %d holds %q at slot %d", i, j, f.key, f.slot)
			}
			sum += f.size
		}
		if len(c.byKey) != len(c.ring) || sum != c.bytes || c.bytes > c.budget {
			t.Errorf("shard %d: %d keys, %d in the ring, %d bytes counted of %d summed, budget %d",
				i, len(c.byKey), len(c.ring), c.bytes, sum, c.budget)
		}
		entries += len(c.ring)
		size += c.bytes
		sh.mu.Unlock()
	}
	return entries, size
}

// TestCacheEviction: the cache stays within its size, evicted results are
// read from the file again, and a result too large for a shard is not
// cached.
func TestCacheEviction(t *testing.T) {
	ctx := context.Background()
	const size = claimShards * 1024 // about five entries a shard
	s := openTemp(t, WithPurgeInterval(0), WithCacheSize(size))
	s.db.NoSync = true
	const keys = 1000
	for i := range keys {
		complete(t, s, fmt.Sprintf("key-%04d", i), "A", cacheT0, cacheT0.Add(time.Hour))
	}
	entries, used := cacheStats(t, s)
	if used > size || entries == 0 || entries >= keys/2 {
		t.Fatalf("after %d results: %d cached in %d bytes; want some, within %d bytes", keys, entries, used, size)
	}
	before := reads(s)
	for i := range keys {
		key := fmt.Sprintf("key-%04d", i)
		rec, claimed, err := s.Claim(ctx, key, "x", "B", cacheT0, cacheT0.Add(time.Minute))
		if err != nil || claimed || string(rec.Result) != "result of "+key {
			t.Fatalf("Claim(%q) = %+v, %v, %v; want its result", key, rec, claimed, err)
		}
	}
	if n := reads(s) - before; n < keys-entries {
		t.Errorf("hits on %d results, %d of them cached: %d read transactions; want at least %d", keys, entries, n, keys-entries)
	}
	cacheStats(t, s)

	big := bytes.Repeat([]byte("x"), size/claimShards)
	if _, _, err := s.Claim(ctx, "big", "fp", "A", cacheT0, cacheT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, "big", "A", big, cacheT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	before = reads(s)
	rec, claimed, err := s.Claim(ctx, "big", "x", "B", cacheT0, cacheT0.Add(time.Minute))
	if err != nil || claimed || !bytes.Equal(rec.Result, big) {
		t.Fatalf("Claim(big) = %v, %v; want its result", claimed, err)
	}
	if n := reads(s) - before; n != 1 {
		t.Errorf("hit on a result larger than a shard's budget: %d read transactions; want 1", n)
	}
}

// TestCacheKeepsHotEntries: eviction gives a result hit since the clock
// hand last passed it a second chance, so a key hit between every miss
// stays cached while others come and go.
func TestCacheKeepsHotEntries(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0), WithCacheSize(claimShards*1024))
	s.db.NoSync = true
	complete(t, s, "hot", "A", cacheT0, cacheT0.Add(time.Hour))
	n := 0
	for i := range 300 {
		complete(t, s, fmt.Sprintf("cold-%04d", i), "A", cacheT0, cacheT0.Add(time.Hour))
		before := reads(s)
		if _, claimed, err := s.Claim(ctx, "hot", "x", "B", cacheT0, cacheT0.Add(time.Minute)); err != nil || claimed {
			t.Fatalf("Claim(hot) = %v, %v", claimed, err)
		}
		n += reads(s) - before
	}
	if entries, _ := cacheStats(t, s); entries >= 300 {
		t.Fatalf("%d results cached; want the cache small enough to evict", entries)
	}
	if n != 0 {
		t.Errorf("a key hit between every miss was read from the file %d times; want 0", n)
	}
}

// TestCacheMatchesFile runs one random sequence of operations against a
// store with a small cache and one without, and wants the same answer from
// both every time: the cache never says what the file would not.
func TestCacheMatchesFile(t *testing.T) {
	ctx := context.Background()
	cached := openTemp(t, WithPurgeInterval(0), WithCacheSize(claimShards*600))
	plain := openTemp(t, WithPurgeInterval(0), WithCacheSize(0))
	cached.db.NoSync, plain.db.NoSync = true, true
	rng := rand.New(rand.NewPCG(1, 2))
	owners := []string{"A", "B", "C"}
	for i := range 3000 {
		key := fmt.Sprintf("k%d", rng.IntN(12))
		owner := owners[rng.IntN(len(owners))]
		// now wanders back and forth, as the clocks of several callers do.
		now := cacheT0.Add(time.Duration(rng.IntN(120)) * time.Second)
		var op string
		var a, b any
		switch r := rng.IntN(10); {
		case r < 5:
			op = "Claim"
			lease := now.Add(time.Duration(rng.IntN(60)) * time.Second)
			claim := func(s *Store) any {
				rec, claimed, err := s.Claim(ctx, key, "fp-"+owner, owner, now, lease)
				return fmt.Sprint(rec, claimed, err)
			}
			a, b = claim(cached), claim(plain)
		case r < 8:
			op = "Complete"
			result := []byte(fmt.Sprintf("%s@%d", owner, i))
			exp := now.Add(time.Duration(rng.IntN(60)) * time.Second)
			a = fmt.Sprint(cached.Complete(ctx, key, owner, result, exp) == nil)
			b = fmt.Sprint(plain.Complete(ctx, key, owner, result, exp) == nil)
		case r < 9:
			op = "Release"
			a = fmt.Sprint(cached.Release(ctx, key, owner))
			b = fmt.Sprint(plain.Release(ctx, key, owner))
		default:
			op = "Purge"
			n1, err1 := cached.Purge(ctx, now)
			n2, err2 := plain.Purge(ctx, now)
			a, b = fmt.Sprint(n1, err1), fmt.Sprint(n2, err2)
		}
		if a != b {
			t.Fatalf("op %d, %s(%q, %s, now+%v): cached store says %v, uncached %v", i, op, key, owner, now.Sub(cacheT0), a, b)
		}
	}
	if entries, _ := cacheStats(t, cached); entries == 0 {
		t.Errorf("the cached store cached nothing: the comparison compared nothing")
	}
}

// TestCacheConcurrent races claims, completes, releases and purges of a
// few keys on a small cache; every hit's result must be the one its
// owner completed (run with -race).
func TestCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, WithPurgeInterval(0), WithCacheSize(claimShards*400))
	s.db.NoSync = true
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			owner := fmt.Sprintf("owner-%d", g)
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 300 {
				key := fmt.Sprintf("k%d", rng.IntN(6))
				now := cacheT0.Add(time.Duration(rng.IntN(30)) * time.Second)
				rec, claimed, err := s.Claim(ctx, key, "fp", owner, now, now.Add(time.Second))
				if err != nil {
					t.Error(err)
					return
				}
				switch {
				case claimed && rng.IntN(4) == 0:
					s.Release(ctx, key, owner)
				case claimed:
					s.Complete(ctx, key, owner, []byte(owner), now.Add(time.Duration(rng.IntN(10))*time.Second))
				case rec.Done && string(rec.Result) != rec.Owner:
					t.Errorf("hit on %q: result %q recorded by %q", key, rec.Result, rec.Owner)
				}
				if rng.IntN(50) == 0 {
					if _, err := s.Purge(ctx, now); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	cacheStats(t, s)
}
