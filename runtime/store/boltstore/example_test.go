package boltstore_test

import (
	"context"
	"log"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
)

// One process keeps its idempotency records and workflow journals in a
// local file, so that a workflow resumes after a crash or a restart.
func ExampleOpen() {
	store, err := boltstore.Open("/var/lib/myservice/resil.db")
	if err != nil {
		log.Fatal(err) // another instance has the file open, say
	}
	defer store.Close()
	wf := runtime.NewWorkflow(store, "incident-INC-12345")
	_ = wf.Run(context.Background(), func(ctx context.Context) error { return nil })
}
