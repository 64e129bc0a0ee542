package runtime

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// NewMemoryStore returns a Store that keeps everything in this process's
// memory: fast, safe for concurrent use, and gone when the process exits.
// It is the default idempotency store of a wrapper made without WithStore.
//
// Beside a finished record it keeps, once a hit has decoded them, the
// record's results decoded, when they are of types a deep copy reproduces
// (numbers, strings, times, and structs, slices, maps and pointers of
// them): later hits get their own deep copy instead of decoding the JSON
// again, several times faster, at the cost of the decoded results' memory.
func NewMemoryStore() Store {
	return &memoryStore{
		seeds:    [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		records:  make(map[string]*memRecord),
		journals: make(map[string]map[int]JournalEntry),
	}
}

// memoryStore is the Store of NewMemoryStore. Every method holds mu for its
// whole work, which makes each one atomic as the Store contract asks; byte
// slices are copied in and out so that callers never share its memory.
type memoryStore struct {
	// seeds key the fingerprints of the runtimes that record here (see
	// memhit.go): random per store, as its records live only as long.
	seeds [2]maphash.Seed
	mu    sync.Mutex
	// records are pointers, so that a hit reads the few fields it needs
	// and a claim is completed in place, without copying a Record in and
	// out of the map. A record is changed only under mu, and its Result
	// is replaced, never written into.
	records  map[string]*memRecord
	journals map[string]map[int]JournalEntry
	// sincePurge counts Claim calls since the last purge, and kept is how
	// many records that purge left: the next one runs after
	// max(purgeEvery, kept) claims. Nothing else purges a wrapper's private
	// store, and a long-lived process with ever new keys would grow without
	// end; spacing purges by the size they walk keeps their cost per claim
	// constant (at most two records walked per claim), where a purge every
	// purgeEvery claims walked a store of n live records n/purgeEvery times
	// per claim.
	sincePurge, kept int
}

// purgeEvery is the fewest claims between two purges of a memory store.
const purgeEvery = 1024

func (s *memoryStore) Claim(ctx context.Context, key, fingerprint, owner string, now, leaseUntil time.Time) (Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, false, fmt.Errorf("memory store: claim %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sincePurge++; s.sincePurge >= max(purgeEvery, s.kept) {
		s.purge(now)
	}
	if r, ok := s.records[key]; ok && live(&r.Record, now) {
		return cloneRecord(r.Record), false, nil
	}
	r := &memRecord{Record: Record{Key: key, Fingerprint: fingerprint, Owner: owner, LeaseUntil: leaseUntil}}
	s.records[key] = r
	return r.Record, true, nil
}

// memRecord is a record of the memory store, with its results decoded
// once a hit has decoded them (memo.go). memo is set under the store's mu,
// once: a finished record's result never changes, and a claim made after
// it expires is a new memRecord.
type memRecord struct {
	Record
	memo *resultMemo
}

// live reports whether r still stands at now: a result not expired, or a
// claim whose lease has not run out.
func live(r *Record, now time.Time) bool {
	if r.Done {
		return r.ExpiresAt.After(now)
	}
	return r.LeaseUntil.After(now)
}

func (s *memoryStore) Renew(ctx context.Context, key, owner string, leaseUntil time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory store: renew %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[key]
	if !ok || r.Done || r.Owner != owner {
		return fmt.Errorf("memory store: renew %q for %s: %w", key, owner, ErrLeaseLost)
	}
	r.LeaseUntil = leaseUntil
	return nil
}

func (s *memoryStore) Complete(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error {
	return s.completeOwned(ctx, key, owner, slices.Clone(result), expiresAt)
}

// completeOwned is Complete of a result the store may keep as it is: the
// runtime's own encoding, which no one writes into once made. It saves the
// copy Complete makes for other callers.
func (s *memoryStore) completeOwned(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory store: complete %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[key]
	if !ok || r.Done || r.Owner != owner {
		return fmt.Errorf("memory store: complete %q for %s: %w", key, owner, ErrLeaseLost)
	}
	r.Done = true
	r.Result = result
	r.ExpiresAt = expiresAt
	return nil
}

func (s *memoryStore) Release(ctx context.Context, key, owner string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory store: release %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[key]; ok && !r.Done && r.Owner == owner {
		delete(s.records, key)
	}
	return nil
}

func (s *memoryStore) Purge(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory store: purge: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.purge(now), nil
}

// purge deletes the records that ran out at or before now. Called with mu held.
func (s *memoryStore) purge(now time.Time) int {
	n := 0
	for k, r := range s.records {
		if !live(&r.Record, now) {
			delete(s.records, k)
			n++
		}
	}
	s.sincePurge, s.kept = 0, len(s.records)
	return n
}

func (s *memoryStore) Append(ctx context.Context, workflow string, entry JournalEntry) (JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return JournalEntry{}, fmt.Errorf("memory store: append to workflow %q: %w", workflow, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.journals[workflow]
	if j == nil {
		j = make(map[int]JournalEntry)
		s.journals[workflow] = j
	}
	if old, ok := j[entry.Seq]; ok {
		return cloneEntry(old), nil
	}
	entry.Result = slices.Clone(entry.Result)
	j[entry.Seq] = entry
	return cloneEntry(entry), nil
}

func (s *memoryStore) Journal(ctx context.Context, workflow string) ([]JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory store: journal of workflow %q: %w", workflow, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.journals[workflow]
	out := make([]JournalEntry, 0, len(j))
	for _, e := range j {
		out = append(out, cloneEntry(e))
	}
	slices.SortFunc(out, func(a, b JournalEntry) int { return a.Seq - b.Seq })
	return out, nil
}

func cloneRecord(r Record) Record {
	r.Result = slices.Clone(r.Result)
	return r
}

func cloneEntry(e JournalEntry) JournalEntry {
	e.Result = slices.Clone(e.Result)
	return e
}
