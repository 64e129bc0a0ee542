// Package storetest is the conformance suite of runtime.Store: a table of
// behaviours that every store (the in-memory one, boltstore, pgstore, and any
// store a user writes) must show. A store's test calls [Run] with a function
// that makes a new, empty store.
//
// Times are passed to the store explicitly, as the runtime does, so nothing in
// the suite sleeps: a lease "runs out" because the suite passes a later now.
// The suite uses whole-second times, so a store may keep times at microsecond
// precision (as PostgreSQL does) and still pass.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// t0 is the suite's "now". It is far from the zero time and from the Unix
// epoch, so that a store that mixes up zero and unset times is caught.
var t0 = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

// at returns t0 plus d; it keeps the behaviours below readable.
func at(d time.Duration) time.Time { return t0.Add(d) }

// behaviour is one entry of the suite's table.
type behaviour struct {
	name string
	run  func(t *testing.T, s runtime.Store)
}

// Run runs every behaviour of the suite as a subtest of t, each against a
// store returned by a new call of newStore. newStore must return an empty
// store that no other test shares (the Purge behaviour counts what it
// deletes), and should register its cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	t.Helper()
	for _, b := range behaviours {
		t.Run(b.name, func(t *testing.T) {
			b.run(t, newStore(t))
		})
	}
}

var behaviours = []behaviour{
	{"ClaimNewKey", claimNewKey},
	{"ClaimHeldByAnotherOwner", claimHeldByAnotherOwner},
	{"ClaimHeldBySameOwner", claimHeldBySameOwner},
	{"CompleteThenClaimReturnsResult", completeThenClaimReturnsResult},
	{"FingerprintReturnedForConflict", fingerprintReturnedForConflict},
	{"Release", release},
	{"ReleaseNotHeldIsNoop", releaseNotHeldIsNoop},
	{"LeaseExpiryTakeover", leaseExpiryTakeover},
	{"RenewExtendsLease", renewExtendsLease},
	{"RenewCompleteNotHeld", renewCompleteNotHeld},
	{"TTLExpiry", ttlExpiry},
	{"Purge", purge},
	{"KeysAreIndependent", keysAreIndependent},
	{"ResultBytesRoundTrip", resultBytesRoundTrip},
	{"ResultsAreCopies", resultsAreCopies},
	{"TimesInOtherZones", timesInOtherZones},
	{"JournalAppendAndReadBack", journalAppendAndReadBack},
	{"JournalWorkflowsAreIndependent", journalWorkflowsAreIndependent},
	{"JournalLostAcknowledgement", journalLostAcknowledgement},
	{"JournalSecondRunner", journalSecondRunner},
	{"ConcurrentClaimers", concurrentClaimers},
	{"ConcurrentAppenders", concurrentAppenders},
	{"ContextCanceled", contextCanceled},
}

// mustClaim claims and fails the test on an error; it returns what Claim did.
func mustClaim(t *testing.T, s runtime.Store, key, fp, owner string, now, leaseUntil time.Time) (runtime.Record, bool) {
	t.Helper()
	rec, claimed, err := s.Claim(context.Background(), key, fp, owner, now, leaseUntil)
	if err != nil {
		t.Fatalf("Claim(%q, owner %q, now %v): %v", key, owner, now, err)
	}
	return rec, claimed
}

// mustComplete completes and fails the test on an error.
func mustComplete(t *testing.T, s runtime.Store, key, owner string, result []byte, expiresAt time.Time) {
	t.Helper()
	if err := s.Complete(context.Background(), key, owner, result, expiresAt); err != nil {
		t.Fatalf("Complete(%q, owner %q): %v", key, owner, err)
	}
}

// mustAppend appends and fails the test on an error.
func mustAppend(t *testing.T, s runtime.Store, workflow string, e runtime.JournalEntry) runtime.JournalEntry {
	t.Helper()
	got, err := s.Append(context.Background(), workflow, e)
	if err != nil {
		t.Fatalf("Append(%q, seq %d, owner %q): %v", workflow, e.Seq, e.Owner, err)
	}
	return got
}

// mustJournal reads a journal and fails the test on an error.
func mustJournal(t *testing.T, s runtime.Store, workflow string) []runtime.JournalEntry {
	t.Helper()
	got, err := s.Journal(context.Background(), workflow)
	if err != nil {
		t.Fatalf("Journal(%q): %v", workflow, err)
	}
	return got
}

// wantClaimed checks that a claim was granted and that the record it
// returned is the new unfinished claim.
func wantClaimed(t *testing.T, rec runtime.Record, claimed bool, key, fp, owner string, leaseUntil time.Time) {
	t.Helper()
	if !claimed {
		t.Fatalf("Claim(%q) by %q: claimed false, record %+v; want the key claimed", key, owner, rec)
	}
	wantClaim(t, rec, key, fp, owner, leaseUntil)
}

// wantClaim checks that rec is an unfinished claim of key by owner.
func wantClaim(t *testing.T, rec runtime.Record, key, fp, owner string, leaseUntil time.Time) {
	t.Helper()
	if rec.Key != key || rec.Fingerprint != fp || rec.Owner != owner || rec.Done || !rec.LeaseUntil.Equal(leaseUntil) || len(rec.Result) != 0 {
		t.Fatalf("record = %+v; want an unfinished claim {Key:%q Fingerprint:%q Owner:%q LeaseUntil:%v}", rec, key, fp, owner, leaseUntil)
	}
}

// wantFinished checks that a claim was refused with the finished record.
func wantFinished(t *testing.T, rec runtime.Record, claimed bool, key, fp string, result []byte, expiresAt time.Time) {
	t.Helper()
	if claimed {
		t.Fatalf("Claim(%q): claimed true; want the finished record returned instead", key)
	}
	if rec.Key != key || rec.Fingerprint != fp || !rec.Done || !bytes.Equal(rec.Result, result) || !rec.ExpiresAt.Equal(expiresAt) {
		t.Fatalf("record = %+v; want a finished record {Key:%q Fingerprint:%q Result:%q ExpiresAt:%v}", rec, key, fp, result, expiresAt)
	}
}

// wantNotClaimed checks that a claim was refused with another's live claim.
func wantNotClaimed(t *testing.T, rec runtime.Record, claimed bool, key, fp, owner string, leaseUntil time.Time) {
	t.Helper()
	if claimed {
		t.Fatalf("Claim(%q): claimed true over %q's live claim", key, owner)
	}
	wantClaim(t, rec, key, fp, owner, leaseUntil)
}

func claimNewKey(t *testing.T, s runtime.Store) {
	rec, claimed := mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	wantClaimed(t, rec, claimed, "k", "fp", "A", at(30*time.Second))
}

func claimHeldByAnotherOwner(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	// One second before the lease runs out, it still holds.
	rec, claimed := mustClaim(t, s, "k", "fp", "B", at(29*time.Second), at(59*time.Second))
	wantNotClaimed(t, rec, claimed, "k", "fp", "A", at(30*time.Second))
}

// claimHeldBySameOwner pins down that a live claim is not granted again even
// to its own owner: Claim is not re-entrant, so a caller that gets its own
// claim back knows a call of its own is in flight.
func claimHeldBySameOwner(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	rec, claimed := mustClaim(t, s, "k", "fp", "A", at(time.Second), at(31*time.Second))
	wantNotClaimed(t, rec, claimed, "k", "fp", "A", at(30*time.Second))
}

func completeThenClaimReturnsResult(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	mustComplete(t, s, "k", "A", []byte(`["ok"]`), at(24*time.Hour))
	// Later claims, by anyone, long after the lease, get the result.
	for _, owner := range []string{"A", "B"} {
		rec, claimed := mustClaim(t, s, "k", "fp", owner, at(time.Hour), at(time.Hour+30*time.Second))
		wantFinished(t, rec, claimed, "k", "fp", []byte(`["ok"]`), at(24*time.Hour))
	}
}

// fingerprintReturnedForConflict: the store does not judge fingerprints; it
// returns the stored one so that the caller can tell a repeated call from a
// reused key.
func fingerprintReturnedForConflict(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "live", "fp-1", "A", t0, at(30*time.Second))
	rec, claimed := mustClaim(t, s, "live", "fp-2", "B", at(time.Second), at(31*time.Second))
	wantNotClaimed(t, rec, claimed, "live", "fp-1", "A", at(30*time.Second))

	mustClaim(t, s, "done", "fp-1", "A", t0, at(30*time.Second))
	mustComplete(t, s, "done", "A", []byte("r"), at(time.Hour))
	rec, claimed = mustClaim(t, s, "done", "fp-2", "B", at(time.Second), at(31*time.Second))
	wantFinished(t, rec, claimed, "done", "fp-1", []byte("r"), at(time.Hour))
}

func release(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	if err := s.Release(ctx, "k", "A"); err != nil {
		t.Fatalf("Release by the owner: %v", err)
	}
	// The key is free at once, long before the old lease ran out.
	rec, claimed := mustClaim(t, s, "k", "fp-2", "B", at(time.Second), at(31*time.Second))
	wantClaimed(t, rec, claimed, "k", "fp-2", "B", at(31*time.Second))
	// The released owner can no longer finish it.
	if err := s.Complete(ctx, "k", "A", []byte("r"), at(time.Hour)); !errors.Is(err, runtime.ErrLeaseLost) {
		t.Fatalf("Complete after Release = %v; want ErrLeaseLost", err)
	}
}

func releaseNotHeldIsNoop(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	if err := s.Release(ctx, "missing", "A"); err != nil {
		t.Fatalf("Release of a missing key = %v; want nil", err)
	}
	// Another owner's release leaves the claim alone.
	mustClaim(t, s, "claimed", "fp", "A", t0, at(30*time.Second))
	if err := s.Release(ctx, "claimed", "B"); err != nil {
		t.Fatalf("Release by a non-owner = %v; want nil", err)
	}
	rec, claimed := mustClaim(t, s, "claimed", "fp", "C", at(time.Second), at(31*time.Second))
	wantNotClaimed(t, rec, claimed, "claimed", "fp", "A", at(30*time.Second))
	// Release never drops a finished record, not even its owner's.
	mustClaim(t, s, "done", "fp", "A", t0, at(30*time.Second))
	mustComplete(t, s, "done", "A", []byte("r"), at(time.Hour))
	if err := s.Release(ctx, "done", "A"); err != nil {
		t.Fatalf("Release of a finished record = %v; want nil", err)
	}
	rec, claimed = mustClaim(t, s, "done", "fp", "B", at(time.Second), at(31*time.Second))
	wantFinished(t, rec, claimed, "done", "fp", []byte("r"), at(time.Hour))
}

func leaseExpiryTakeover(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	mustClaim(t, s, "k", "fp", "A", t0, at(10*time.Second))
	// A lease runs out at LeaseUntil itself (LeaseUntil <= now).
	rec, claimed := mustClaim(t, s, "k", "fp", "B", at(10*time.Second), at(40*time.Second))
	wantClaimed(t, rec, claimed, "k", "fp", "B", at(40*time.Second))

	// The old owner, back from a pause, has lost the key and must not
	// overwrite the new owner's claim.
	if err := s.Renew(ctx, "k", "A", at(100*time.Second)); !errors.Is(err, runtime.ErrLeaseLost) {
		t.Fatalf("Renew by the old owner = %v; want ErrLeaseLost", err)
	}
	if err := s.Complete(ctx, "k", "A", []byte("stale"), at(time.Hour)); !errors.Is(err, runtime.ErrLeaseLost) {
		t.Fatalf("Complete by the old owner = %v; want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, "k", "A"); err != nil {
		t.Fatalf("Release by the old owner = %v; want nil (a no-op)", err)
	}
	rec, claimed = mustClaim(t, s, "k", "fp", "C", at(11*time.Second), at(41*time.Second))
	wantNotClaimed(t, rec, claimed, "k", "fp", "B", at(40*time.Second))

	mustComplete(t, s, "k", "B", []byte("fresh"), at(time.Hour))
	rec, claimed = mustClaim(t, s, "k", "fp", "C", at(12*time.Second), at(42*time.Second))
	wantFinished(t, rec, claimed, "k", "fp", []byte("fresh"), at(time.Hour))
}

func renewExtendsLease(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "k", "fp", "A", t0, at(10*time.Second))
	if err := s.Renew(context.Background(), "k", "A", at(30*time.Second)); err != nil {
		t.Fatalf("Renew by the owner: %v", err)
	}
	rec, claimed := mustClaim(t, s, "k", "fp", "B", at(20*time.Second), at(50*time.Second))
	wantNotClaimed(t, rec, claimed, "k", "fp", "A", at(30*time.Second))
	rec, claimed = mustClaim(t, s, "k", "fp", "B", at(30*time.Second), at(60*time.Second))
	wantClaimed(t, rec, claimed, "k", "fp", "B", at(60*time.Second))
}

func renewCompleteNotHeld(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	lost := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, runtime.ErrLeaseLost) {
			t.Fatalf("%s = %v; want ErrLeaseLost", what, err)
		}
	}
	lost("Renew of a missing key", s.Renew(ctx, "missing", "A", at(time.Minute)))
	lost("Complete of a missing key", s.Complete(ctx, "missing", "A", []byte("r"), at(time.Hour)))
	rec, claimed := mustClaim(t, s, "missing", "fp", "B", t0, at(time.Minute))
	wantClaimed(t, rec, claimed, "missing", "fp", "B", at(time.Minute)) // Complete wrote nothing

	mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	lost("Renew by a non-owner", s.Renew(ctx, "k", "B", at(time.Minute)))
	lost("Complete by a non-owner", s.Complete(ctx, "k", "B", []byte("theirs"), at(time.Hour)))

	mustComplete(t, s, "k", "A", []byte("mine"), at(time.Hour))
	// A finished record is no claim: it cannot be renewed or finished again.
	lost("Renew of a finished record", s.Renew(ctx, "k", "A", at(time.Minute)))
	lost("second Complete", s.Complete(ctx, "k", "A", []byte("again"), at(2*time.Hour)))
	rec, claimed = mustClaim(t, s, "k", "fp", "C", at(time.Second), at(time.Minute))
	wantFinished(t, rec, claimed, "k", "fp", []byte("mine"), at(time.Hour))
}

func ttlExpiry(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "k", "fp-1", "A", t0, at(30*time.Second))
	mustComplete(t, s, "k", "A", []byte("r"), at(time.Hour))
	rec, claimed := mustClaim(t, s, "k", "fp-2", "B", at(time.Hour-time.Second), at(time.Hour+29*time.Second))
	wantFinished(t, rec, claimed, "k", "fp-1", []byte("r"), at(time.Hour))
	// At ExpiresAt the result is gone and the key is claimable, with the
	// new claimer's fingerprint.
	rec, claimed = mustClaim(t, s, "k", "fp-2", "B", at(time.Hour), at(time.Hour+30*time.Second))
	wantClaimed(t, rec, claimed, "k", "fp-2", "B", at(time.Hour+30*time.Second))
}

func purge(t *testing.T, s runtime.Store) {
	ctx := context.Background()
	now := at(time.Hour)
	finished := func(key string, expiresAt time.Time) {
		mustClaim(t, s, key, "fp", "A", t0, at(30*time.Second))
		mustComplete(t, s, key, "A", []byte(key), expiresAt)
	}
	finished("done-expired", at(time.Minute))
	finished("done-at-now", now)
	finished("done-live", at(2*time.Hour))
	mustClaim(t, s, "claim-expired", "fp", "A", t0, at(time.Minute))
	mustClaim(t, s, "claim-at-now", "fp", "A", t0, now)
	mustClaim(t, s, "claim-live", "fp", "A", t0, at(2*time.Hour))

	n, err := s.Purge(ctx, now)
	if err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if n != 4 {
		t.Errorf("Purge deleted %d records; want 4", n)
	}
	// A purged key is absent: claiming it at t0, when its old record would
	// still be live, grants it. (The new claims outlive now, so the second
	// Purge below leaves them.)
	for _, key := range []string{"done-expired", "done-at-now", "claim-expired", "claim-at-now"} {
		rec, claimed := mustClaim(t, s, key, "fp-new", "B", t0, at(3*time.Hour))
		wantClaimed(t, rec, claimed, key, "fp-new", "B", at(3*time.Hour))
	}
	rec, claimed := mustClaim(t, s, "done-live", "fp", "B", now, now.Add(time.Minute))
	wantFinished(t, rec, claimed, "done-live", "fp", []byte("done-live"), at(2*time.Hour))
	rec, claimed = mustClaim(t, s, "claim-live", "fp", "B", now, now.Add(time.Minute))
	wantNotClaimed(t, rec, claimed, "claim-live", "fp", "A", at(2*time.Hour))

	if n, err := s.Purge(ctx, now); err != nil || n != 0 {
		t.Errorf("second Purge = %d, %v; want 0, nil", n, err)
	}
}

// keysAreIndependent catches stores that match keys by prefix or fold case.
func keysAreIndependent(t *testing.T, s runtime.Store) {
	keys := []string{"a", "ab", "A", "a/b", "a b", "ключ-🔑", "PaymentClient.Charge/" + string(bytes.Repeat([]byte("x"), 300))}
	for i, key := range keys {
		owner := fmt.Sprintf("owner-%d", i)
		rec, claimed := mustClaim(t, s, key, "fp-"+key, owner, t0, at(30*time.Second))
		wantClaimed(t, rec, claimed, key, "fp-"+key, owner, at(30*time.Second))
	}
	for i, key := range keys {
		rec, claimed := mustClaim(t, s, key, "fp", "other", at(time.Second), at(time.Minute))
		wantNotClaimed(t, rec, claimed, key, "fp-"+key, fmt.Sprintf("owner-%d", i), at(30*time.Second))
	}
}

func resultBytesRoundTrip(t *testing.T, s runtime.Store) {
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	results := map[string][]byte{
		"binary": {0, 1, 0xff, 0xfe, 0, '"', '\\'},
		"empty":  {},
		"big":    big,
	}
	for key, result := range results {
		mustClaim(t, s, key, "fp", "A", t0, at(30*time.Second))
		mustComplete(t, s, key, "A", result, at(time.Hour))
		rec, claimed := mustClaim(t, s, key, "fp", "B", at(time.Second), at(time.Minute))
		wantFinished(t, rec, claimed, key, "fp", result, at(time.Hour))
	}
}

// resultsAreCopies: the store keeps its own copy of what Complete and
// Append are given, and hands out copies: a caller that reuses or changes
// a slice it passed in or got back changes no record and no later answer.
// (A store that caches results in memory must not share them.)
func resultsAreCopies(t *testing.T, s runtime.Store) {
	result := []byte("abc")
	mustClaim(t, s, "k", "fp", "A", t0, at(30*time.Second))
	mustComplete(t, s, "k", "A", result, at(time.Hour))
	result[0] = 'X'
	for range 2 {
		rec, claimed := mustClaim(t, s, "k", "fp", "B", at(time.Second), at(time.Minute))
		wantFinished(t, rec, claimed, "k", "fp", []byte("abc"), at(time.Hour))
		rec.Result[0] = 'Y' // the next hit must not see this
	}

	entry := runtime.JournalEntry{Seq: 0, Name: "step", Result: []byte("abc"), Owner: "A"}
	got := mustAppend(t, s, "wf", entry)
	entry.Result[0] = 'X'
	if len(got.Result) > 0 {
		got.Result[0] = 'Y'
	}
	for range 2 {
		j := mustJournal(t, s, "wf")
		wantJournal(t, j, []runtime.JournalEntry{{Seq: 0, Name: "step", Result: []byte("abc"), Owner: "A"}})
		j[0].Result[0] = 'Z'
	}
	again := mustAppend(t, s, "wf", runtime.JournalEntry{Seq: 0, Name: "step", Result: []byte("other"), Owner: "B"})
	if string(again.Result) != "abc" {
		t.Fatalf("Append at a taken seq returned result %q; want the stored abc", again.Result)
	}
}

// timesInOtherZones: times are instants; the zone they come in is irrelevant.
func timesInOtherZones(t *testing.T, s runtime.Store) {
	zone := time.FixedZone("UTC+9", 9*60*60)
	mustClaim(t, s, "k", "fp", "A", t0.In(zone), at(10*time.Second).In(zone))
	rec, claimed := mustClaim(t, s, "k", "fp", "B", at(9*time.Second), at(time.Minute))
	wantNotClaimed(t, rec, claimed, "k", "fp", "A", at(10*time.Second))
	rec, claimed = mustClaim(t, s, "k", "fp", "B", at(10*time.Second).In(zone), at(time.Minute))
	wantClaimed(t, rec, claimed, "k", "fp", "B", at(time.Minute))
}

// wantJournal checks a journal against want, field by field.
func wantJournal(t *testing.T, got, want []runtime.JournalEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("journal has %d entries %+v; want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if !sameEntry(got[i], want[i]) {
			t.Fatalf("journal[%d] = %+v; want %+v", i, got[i], want[i])
		}
	}
}

// sameEntry compares entries, an empty and a nil Result alike.
func sameEntry(a, b runtime.JournalEntry) bool {
	return a.Seq == b.Seq && a.Name == b.Name && a.Owner == b.Owner && bytes.Equal(a.Result, b.Result)
}

func journalAppendAndReadBack(t *testing.T, s runtime.Store) {
	if got := mustJournal(t, s, "wf"); len(got) != 0 {
		t.Fatalf("journal of a new workflow = %+v; want none", got)
	}
	// Appended out of order, and with seqs whose decimal spelling sorts
	// differently (10 < 2 as strings), the journal comes back in Seq order.
	seqs := []int{2, 0, 10, 1}
	var want []runtime.JournalEntry
	for _, seq := range []int{0, 1, 2, 10} {
		want = append(want, runtime.JournalEntry{Seq: seq, Name: fmt.Sprintf("step-%d", seq), Result: []byte(fmt.Sprintf(`{"n":%d}`, seq)), Owner: "A"})
	}
	for _, seq := range seqs {
		e := runtime.JournalEntry{Seq: seq, Name: fmt.Sprintf("step-%d", seq), Result: []byte(fmt.Sprintf(`{"n":%d}`, seq)), Owner: "A"}
		if got := mustAppend(t, s, "wf", e); !sameEntry(got, e) {
			t.Fatalf("Append of a new entry returned %+v; want the entry itself %+v", got, e)
		}
	}
	wantJournal(t, mustJournal(t, s, "wf"), want)

	// Binary results and an empty one survive.
	bin := runtime.JournalEntry{Seq: 11, Name: "bin", Result: []byte{0, 0xff, 0}, Owner: "A"}
	empty := runtime.JournalEntry{Seq: 12, Name: "empty", Owner: "A"}
	mustAppend(t, s, "wf", bin)
	mustAppend(t, s, "wf", empty)
	wantJournal(t, mustJournal(t, s, "wf"), append(want, bin, empty))
}

// journalWorkflowsAreIndependent catches stores that match workflow ids by
// prefix.
func journalWorkflowsAreIndependent(t *testing.T, s runtime.Store) {
	ids := []string{"w", "wf", "wf-1", "wf-10", "WF", "incident/INC-1 ✓"}
	for i, id := range ids {
		for seq := 0; seq <= i; seq++ {
			mustAppend(t, s, id, runtime.JournalEntry{Seq: seq, Name: id, Result: []byte(id), Owner: "A"})
		}
	}
	for i, id := range ids {
		got := mustJournal(t, s, id)
		if len(got) != i+1 {
			t.Fatalf("journal of %q has %d entries %+v; want %d", id, len(got), got, i+1)
		}
		for seq, e := range got {
			want := runtime.JournalEntry{Seq: seq, Name: id, Result: []byte(id), Owner: "A"}
			if !sameEntry(e, want) {
				t.Fatalf("journal of %q [%d] = %+v; want %+v", id, seq, e, want)
			}
		}
	}
}

// journalLostAcknowledgement: a runner whose Append committed but whose
// acknowledgement was lost appends the same seq again and gets its own entry
// back (same Owner), even when it ran the step again with another result.
func journalLostAcknowledgement(t *testing.T, s runtime.Store) {
	first := runtime.JournalEntry{Seq: 0, Name: "charge", Result: []byte(`"tx-1"`), Owner: "A"}
	mustAppend(t, s, "wf", first)
	for _, again := range []runtime.JournalEntry{first, {Seq: 0, Name: "charge", Result: []byte(`"tx-2"`), Owner: "A"}} {
		got := mustAppend(t, s, "wf", again)
		if !sameEntry(got, first) {
			t.Fatalf("re-Append by the same owner returned %+v; want the first entry %+v", got, first)
		}
	}
	wantJournal(t, mustJournal(t, s, "wf"), []runtime.JournalEntry{first})
}

// journalSecondRunner: a second runner of the same workflow appending at a
// taken seq gets the first runner's entry (another Owner), and the journal
// keeps only that; a different name there is the caller's non-determinism
// to detect, not the store's.
func journalSecondRunner(t *testing.T, s runtime.Store) {
	first := runtime.JournalEntry{Seq: 0, Name: "charge", Result: []byte(`"tx-1"`), Owner: "A"}
	mustAppend(t, s, "wf", first)
	for _, second := range []runtime.JournalEntry{
		{Seq: 0, Name: "charge", Result: []byte(`"tx-2"`), Owner: "B"},
		{Seq: 0, Name: "refund", Result: []byte(`"rf-1"`), Owner: "B"},
	} {
		got := mustAppend(t, s, "wf", second)
		if !sameEntry(got, first) {
			t.Fatalf("Append by a second runner returned %+v; want the first runner's entry %+v", got, first)
		}
	}
	wantJournal(t, mustJournal(t, s, "wf"), []runtime.JournalEntry{first})
}

// concurrency is how many goroutines race in the concurrent behaviours.
const concurrency = 32

func concurrentClaimers(t *testing.T, s runtime.Store) {
	for round := range 3 {
		key := fmt.Sprintf("k-%d", round)
		type outcome struct {
			rec     runtime.Record
			claimed bool
			err     error
		}
		out := make([]outcome, concurrency)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() {
				<-start
				rec, claimed, err := s.Claim(context.Background(), key, "fp", fmt.Sprintf("owner-%d", i), t0, at(30*time.Second))
				out[i] = outcome{rec, claimed, err}
			})
		}
		close(start)
		wg.Wait()
		winner := ""
		for i, o := range out {
			if o.err != nil {
				t.Fatalf("Claim by owner-%d: %v", i, o.err)
			}
			if o.claimed {
				if winner != "" {
					t.Fatalf("both %s and owner-%d claimed %q", winner, i, key)
				}
				winner = fmt.Sprintf("owner-%d", i)
			}
		}
		if winner == "" {
			t.Fatalf("none of %d concurrent claimers of %q won", concurrency, key)
		}
		for i, o := range out {
			if !o.claimed && o.rec.Owner != winner {
				t.Fatalf("owner-%d was refused with a claim by %q; want the winner %q", i, o.rec.Owner, winner)
			}
		}
	}
}

func concurrentAppenders(t *testing.T, s runtime.Store) {
	for seq := range 3 {
		got := make([]runtime.JournalEntry, concurrency)
		errs := make([]error, concurrency)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				<-start
				owner := fmt.Sprintf("owner-%d", i)
				got[i], errs[i] = s.Append(context.Background(), "wf", runtime.JournalEntry{Seq: seq, Name: "step", Result: []byte(owner), Owner: owner})
			})
		}
		close(start)
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("Append by owner-%d: %v", i, errs[i])
			}
			if !sameEntry(got[i], got[0]) || string(got[i].Result) != got[i].Owner {
				t.Fatalf("concurrent appenders at seq %d got different entries: %+v and %+v", seq, got[0], got[i])
			}
		}
		j := mustJournal(t, s, "wf")
		if len(j) != seq+1 || !sameEntry(j[seq], got[0]) {
			t.Fatalf("journal after concurrent appends = %+v; want entry %+v at seq %d", j, got[0], seq)
		}
	}
}

func contextCanceled(t *testing.T, s runtime.Store) {
	mustClaim(t, s, "held", "fp", "A", t0, at(30*time.Second))
	mustAppend(t, s, "wf", runtime.JournalEntry{Seq: 0, Name: "a", Owner: "A"})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	canceled := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context = %v; want an error matching context.Canceled", what, err)
		}
	}
	_, claimed, err := s.Claim(ctx, "new", "fp", "A", t0, at(30*time.Second))
	canceled("Claim", err)
	if claimed {
		t.Errorf("Claim with a canceled context reported claimed")
	}
	canceled("Renew", s.Renew(ctx, "held", "A", at(time.Minute)))
	canceled("Complete", s.Complete(ctx, "held", "A", []byte("r"), at(time.Hour)))
	canceled("Release", s.Release(ctx, "held", "A"))
	_, err = s.Purge(ctx, at(time.Hour))
	canceled("Purge", err)
	_, err = s.Append(ctx, "wf", runtime.JournalEntry{Seq: 1, Name: "b", Owner: "A"})
	canceled("Append", err)
	_, err = s.Journal(ctx, "wf")
	canceled("Journal", err)

	// Nothing was written.
	rec, claimed := mustClaim(t, s, "new", "fp", "B", t0, at(time.Minute))
	wantClaimed(t, rec, claimed, "new", "fp", "B", at(time.Minute))
	rec, claimed = mustClaim(t, s, "held", "fp", "B", at(time.Second), at(time.Minute))
	wantNotClaimed(t, rec, claimed, "held", "fp", "A", at(30*time.Second))
	wantJournal(t, mustJournal(t, s, "wf"), []runtime.JournalEntry{{Seq: 0, Name: "a", Owner: "A"}})
}
