package pgstore_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/pgstore"
)

// Replicas that share a database share idempotency records and workflow
// journals: a workflow one replica started, another can finish. Each
// replica purges expired records every 10 minutes until Close.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(ctx, pool, pgstore.WithTablePrefix("payments_"))
	if err != nil {
		log.Fatal(err)
	}
	// Deferred after pool.Close, so it runs first: the purger stops before
	// the pool it uses is closed. Close leaves the pool open.
	defer store.Close()
	wf := runtime.NewWorkflow(store, "incident-INC-12345")
	_ = wf.Run(ctx, func(ctx context.Context) error { return nil })
}
