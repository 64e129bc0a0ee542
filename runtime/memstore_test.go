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
