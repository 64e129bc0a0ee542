package runtime_test

import (
	"testing"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/storetest"
)

// TestMemoryStoreConformance holds the in-memory store to the same contract
// as the durable stores, so that a program that moves from one to another
// sees the same behaviour.
func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) runtime.Store { return runtime.NewMemoryStore() })
}
