package boltstore_test

import (
	"context"
	"log"
	"log/slog"
	"time"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
)

// One process keeps its idempotency records and workflow journals in a
// local file, so that a workflow resumes after a crash or a restart.
// Expired records are purged every 10 minutes until Close.
func ExampleOpen() {
	store, err := boltstore.Open("/var/lib/myservice/resil.db")
	if err != nil {
		log.Fatal(err) // another instance has the file open, say
	}
	defer store.Close() // also stops the scheduled purging
	wf := runtime.NewWorkflow(store, "incident-INC-12345")
	_ = wf.Run(context.Background(), func(ctx context.Context) error { return nil })
}

// Scheduled purging shares the runtime's clock, so that both agree on what
// has expired, and sends its failures where the service's errors go.
func ExampleWithPurgeInterval() {
	clock := runtime.SystemClock()
	logger := slog.Default().With("component", "resilience")
	store, err := boltstore.Open("/var/lib/myservice/resil.db",
		boltstore.WithClock(clock),
		boltstore.WithPurgeInterval(time.Hour),
		boltstore.WithPurgeErrorHandler(func(err error) {
			logger.Error("purging expired idempotency records", "err", err)
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	rt := runtime.New(runtime.WithStore(store), runtime.WithClock(clock))
	_ = rt
}
