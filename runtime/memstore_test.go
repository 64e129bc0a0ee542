package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

func TestMemoryStorePurgesAsItGoes(t *testing.T) {
	// Nothing calls Purge on a wrapper's private store: claims must drop
	// what ran out, or a process with ever new keys grows without end.
	s := runtime.NewMemoryStore()
	ctx := context.Background()
	noErr(t, claimDone(s, "old", epoch))
	later := epoch.Add(48 * time.Hour)
	for i := range 2048 {
		_, _, err := s.Claim(ctx, fmt.Sprint("k", i), "fp", "A", later, later.Add(time.Minute))
		noErr(t, err)
	}
	n, err := s.Purge(ctx, later)
	noErr(t, err)
	equal(t, 0, n, "expired records left for Purge")
}

// claimDone records a result under key that expires a day after at.
func claimDone(s runtime.Store, key string, at time.Time) error {
	ctx := context.Background()
	if _, _, err := s.Claim(ctx, key, "fp", "A", at, at.Add(time.Minute)); err != nil {
		return err
	}
	return s.Complete(ctx, key, "A", []byte(`[1]`), at.Add(24*time.Hour))
}

func TestMemoryStoreSpacesPurgesByItsSize(t *testing.T) {
	// A purge walks every record: with many live records, purging every
	// 1024 claims made each claim walk ever more of them. Purges wait for
	// as many claims as the last one kept, and still come.
	s := runtime.NewMemoryStore()
	ctx := context.Background()
	later := epoch.Add(48 * time.Hour)
	claim := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			_, _, err := s.Claim(ctx, fmt.Sprint("live", i), "fp", "A", later, later.Add(time.Hour))
			noErr(t, err)
		}
	}
	claim(0, 5000)
	noErr(t, claimDone(s, "done", later.Add(-24*time.Hour))) // expires at later
	claim(5000, 6100)
	n, err := s.Purge(ctx, later)
	noErr(t, err)
	equal(t, 1, n, "expired records a purge every 1024 claims would have dropped")

	noErr(t, claimDone(s, "done", later.Add(-24*time.Hour)))
	claim(6100, 6100+6200) // past the 6100 records the last purge kept
	n, err = s.Purge(ctx, later)
	noErr(t, err)
	equal(t, 0, n, "expired records left after as many claims as the store held")
}
