package boltstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/internal/crashtest"
)

// envLockChild makes the test binary a child that tries to open the file
// named in it, for TestOpenLockedByAnotherProcess.
const envLockChild = "RESILGEN_BOLTSTORE_LOCK_CHILD"

// envClaimChild makes the test binary a child that claims a key in the
// file named in it, says so, and waits to be killed, for
// TestKilledClaimerFreesKey.
const envClaimChild = "RESILGEN_BOLTSTORE_CLAIM_CHILD"

// TestMain lets the test binary re-execute itself as the child process of
// the crash and lock tests.
func TestMain(m *testing.M) {
	if crashtest.IsChild() {
		crashtest.ChildMain(func(_ context.Context, path string) (runtime.Store, func() error, error) {
			s, err := Open(path)
			if err != nil {
				return nil, nil, err
			}
			return s, s.Close, nil
		})
	}
	if path := os.Getenv(envLockChild); path != "" {
		start := time.Now()
		s, err := Open(path)
		if err == nil {
			s.Close()
			fmt.Println("opened")
			os.Exit(0)
		}
		fmt.Printf("after %v: %v\n", time.Since(start).Round(time.Millisecond), err)
		os.Exit(3)
	}
	if path := os.Getenv(envClaimChild); path != "" {
		claimChild(path)
	}
	os.Exit(m.Run())
}

// claimChild claims crashKey in the store at path for an hour, prints
// "claimed" and waits for the parent to kill it. It never returns.
func claimChild(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	now := time.Now()
	if _, claimed, err := s.Claim(context.Background(), crashKey, "fp", "dead", now, now.Add(time.Hour)); err != nil || !claimed {
		fmt.Println("claim:", claimed, err)
		os.Exit(3)
	}
	fmt.Println("claimed")
	select {} // hold the claim (and the file) until killed
}
