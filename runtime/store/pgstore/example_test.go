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
// journals: a workflow one replica started, another can finish.
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
	wf := runtime.NewWorkflow(store, "incident-INC-12345")
	_ = wf.Run(ctx, func(ctx context.Context) error { return nil })
}
