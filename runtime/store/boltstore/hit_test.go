package boltstore

import (
	"context"
	"testing"
	"time"
	"unsafe"
)

// TestClaimHitReusesTheCallersStrings checks that a hit read from the file
// hands back the claimer's own key, fingerprint and owner strings when the
// record holds the same bytes, rather than a copy of each (three
// allocations a hit), and copies the ones that differ. The cache is off:
// it answers hits from strings of its own (TestCachedHitAllocations).
func TestClaimHitReusesTheCallersStrings(t *testing.T) {
	s := openTemp(t, WithCacheSize(0))
	ctx := context.Background()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, _, err := s.Claim(ctx, "key-1", "fp-1", "owner-A", now, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, "key-1", "owner-A", []byte("[1]"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Built at run time, so that equal strings are not one constant; longer
	// than a byte, which Go keeps in one static table.
	key, fp, owner := string([]byte("key-1")), string([]byte("fp-1")), string([]byte("owner-A"))
	rec, claimed, err := s.Claim(ctx, key, fp, owner, now, now.Add(time.Second))
	if err != nil || claimed || !rec.Done {
		t.Fatalf("claim of a finished key: %+v, %v, %v", rec, claimed, err)
	}
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	if !same(rec.Key, key) || !same(rec.Fingerprint, fp) || !same(rec.Owner, owner) {
		t.Fatalf("hit copied strings it was given: key %v, fingerprint %v, owner %v",
			same(rec.Key, key), same(rec.Fingerprint, fp), same(rec.Owner, owner))
	}
	rec, _, err = s.Claim(ctx, key, "other", "B", now, now.Add(time.Second))
	if err != nil || rec.Fingerprint != "fp-1" || rec.Owner != "owner-A" {
		t.Fatalf("hit with other fingerprint and owner: %+v, %v", rec, err)
	}
}
