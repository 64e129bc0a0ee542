package m

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime"
)

// recordingStore is a memory store that keeps the results it completes.
type recordingStore struct {
	runtime.Store
	mu      sync.Mutex
	results [][]byte
}

func (s *recordingStore) Complete(ctx context.Context, key, owner string, result []byte, expiresAt time.Time) error {
	s.mu.Lock()
	s.results = append(s.results, bytes.Clone(result))
	s.mu.Unlock()
	return s.Store.Complete(ctx, key, owner, result, expiresAt)
}

type bank struct{ calls int }

func (b *bank) Balance(ctx context.Context, account string) (Money, error) {
	b.calls++
	return Money{cents: 1234, currency: "EUR"}, nil
}

// TestResultIsRecordedThroughItsMarshalJSON checks that Balance's result,
// which has unexported fields only, is recorded as its MarshalJSON writes
// it, and replayed through UnmarshalJSON, equal to the first, without
// calling the dependency again.
func TestResultIsRecordedThroughItsMarshalJSON(t *testing.T) {
	store := &recordingStore{Store: runtime.NewMemoryStore()}
	b := &bank{}
	w := NewResilientBank(b, runtime.WithStore(store))
	ctx := context.Background()
	first, err := w.Balance(ctx, "acct")
	if err != nil || first != (Money{cents: 1234, currency: "EUR"}) {
		t.Fatalf("first Balance = %+v, %v", first, err)
	}
	if len(store.results) != 1 || !bytes.Contains(store.results[0], []byte(`[1234,"EUR"]`)) {
		t.Fatalf("recorded %q, want Money as its MarshalJSON writes it, [1234,\"EUR\"]", store.results)
	}
	again, err := w.Balance(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	if b.calls != 1 {
		t.Fatalf("Balance reached the dependency %d times, want 1: the second is replayed", b.calls)
	}
	if again != first {
		t.Fatalf("replayed %+v, want the recorded %+v", again, first)
	}
}
