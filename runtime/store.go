package runtime

import (
	"context"
	"time"
)

// Store keeps idempotency records and workflow journals. Implementations:
// [NewMemoryStore] (one process, lost on exit), runtime/store/boltstore (one
// process, durable) and runtime/store/pgstore (many processes, durable).
// Finished results (Complete) and journal entries (Append) are durable when
// the method returns, and a crash at any point leaves either the old or the
// new record, never a torn one. Unfinished claims need not be: a store whose
// claimers are all in one process may keep them in memory (boltstore), and
// a shared store may commit them without waiting for durability (pgstore, by
// default), because a lost claim costs what a crashed claimer already costs:
// its call may run again.
//
// Times are passed in by the caller, from the runtime's clock, so that all
// stores agree on expiry and tests can drive it.
//
// The conformance suite in runtime/store/storetest says exactly what each
// method must do; every implementation passes it.
type Store interface {
	// Claim tries to take key for owner until leaseUntil. It succeeds
	// (claimed true) when there is no record, or the record's result expired
	// (ExpiresAt <= now), or the record is an unfinished claim whose lease
	// ran out (LeaseUntil <= now); the new record is an unfinished claim with
	// fingerprint, owner and leaseUntil. Otherwise it changes nothing and
	// returns the record that is there (claimed false): a finished result,
	// or another owner's live claim. Claims of one key are atomic across
	// every process sharing the store.
	Claim(ctx context.Context, key, fingerprint, owner string, now, leaseUntil time.Time) (rec Record, claimed bool, err error)

	// Renew extends owner's unfinished claim of key to leaseUntil. It returns
	// ErrLeaseLost when owner no longer holds the claim.
	Renew(ctx context.Context, key, owner string, leaseUntil time.Time) error

	// Complete turns owner's claim of key into a finished record holding
	// result until expiresAt. It returns ErrLeaseLost when owner no longer
	// holds the claim, and then writes nothing.
	Complete(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error

	// Release drops owner's unfinished claim of key, so that the next caller
	// may claim it at once (the call failed: failures are not recorded).
	// Releasing a claim owner does not hold is a no-op.
	Release(ctx context.Context, key, owner string) error

	// Purge deletes every finished record that expired at or before now and
	// every unfinished claim whose lease ran out at or before now, and
	// returns how many it deleted. The stores of this module run it
	// themselves (the memory store as it claims, boltstore and pgstore on a
	// schedule), so a caller need not.
	Purge(ctx context.Context, now time.Time) (int, error)

	// Append writes entry at (workflow, entry.Seq) unless an entry is there
	// already, and returns the entry that is stored there afterwards: entry
	// itself, or the earlier one. A runner whose result differs from the
	// stored entry's adopts the stored one, whoever its Owner: two runners
	// may share an owner name, and a lost acknowledgement of the runner's
	// own write returns the same bytes it wrote.
	Append(ctx context.Context, workflow string, entry JournalEntry) (JournalEntry, error)

	// Journal returns the entries of workflow ordered by Seq.
	Journal(ctx context.Context, workflow string) ([]JournalEntry, error)
}

// Record is an idempotency record: an unfinished claim (Done false) held by
// Owner until LeaseUntil, or a finished result (Done true) kept until
// ExpiresAt.
type Record struct {
	Key         string
	Fingerprint string
	Owner       string
	LeaseUntil  time.Time
	Done        bool
	Result      []byte
	ExpiresAt   time.Time
}

// JournalEntry is one journaled workflow step: its position, its name, its
// encoded result and the owner of the run that recorded it.
type JournalEntry struct {
	Seq    int
	Name   string
	Result []byte
	Owner  string
}
