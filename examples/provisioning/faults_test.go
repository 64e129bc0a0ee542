package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/resilgen/resilgen/runtime"
	"github.com/resilgen/resilgen/runtime/faults"
	"github.com/resilgen/resilgen/runtime/store/boltstore"
)

// TestSurvivesInjectedFaults runs the provisioning workflow against a cloud
// that fails 30% of the attempts: half of those before the request reaches
// the cloud, half after the cloud carried it out (the response lost). A run
// that fails, a step having used up its retries, is a process that gave up;
// the next run resumes the workflow from its bbolt journal, as a restarted
// process would (the simulated cloud's own troubles, a subnet unknown to
// the compute API and a lost response, can also use up a step's retries).
// In the end the environment is provisioned, every step ran
// (was journaled) exactly once, and the cloud created every resource once:
// the lost responses were answered by the cloud's create-or-return, keyed
// by the idempotency key.
func TestSurvivesInjectedFaults(t *testing.T) {
	var mu sync.Mutex
	var injected, lostResponses, seeds int64
	const nSeeds = 8
	for seed := uint64(1); seed <= nSeeds; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			mu.Lock()
			seeds++
			mu.Unlock()
			db := filepath.Join(t.TempDir(), "provisioning.db")
			var cloudOut strings.Builder
			ran := map[string]int{}
			var runs int
			for runs = 1; ; runs++ {
				if runs > 10 {
					t.Fatalf("not provisioned after %d runs", runs-1)
				}
				// 15% of the attempts fail before the call; of the 85%
				// left, 15/85 fail after it: 30% in all.
				before := faults.Error(0.15)
				after := faults.Error(0.15/0.85, faults.AfterCall())
				err, recorded := provisionOnce(t, db, seed, uint64(runs), &cloudOut, before, after)
				for step, n := range recorded {
					ran[step] += n
				}
				mu.Lock()
				injected += before.Injected() + after.Injected()
				lostResponses += after.Injected()
				mu.Unlock()
				if err == nil {
					break
				}
				t.Logf("run %d gave up: %v", runs, err)
			}
			for _, kind := range steps {
				if n := ran[methodOf(kind)]; n != 1 {
					t.Errorf("step %s ran %d times over %d runs, want once", methodOf(kind), n, runs)
				}
			}
			checkOnce(t, readCloud(t, db), "staging")
		})
	}
	t.Cleanup(func() {
		// Across the seeds the faults did happen, lost responses too:
		// the test exercised what it claims to. The draws are seeded, so
		// these counts are the same on every run of all the seeds.
		if seeds == nSeeds && (injected < nSeeds || lostResponses < nSeeds/2) {
			t.Errorf("%d faults injected, %d of them lost responses; want several of each", injected, lostResponses)
		}
	})
}

// provisionOnce is one process provisioning the environment with faults
// injected into its cloud client, seeded by seed and run. It returns the
// workflow's error and how often each step ran and was journaled.
func provisionOnce(t *testing.T, db string, seed, run uint64, cloudOut io.Writer, fs ...runtime.Fault) (error, map[string]int) {
	t.Helper()
	store, err := boltstore.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec := &recordedSteps{ran: map[string]int{}}
	client := NewResilientCloud(newSimCloud(cloudPath(db), cloudOut),
		runtime.WithStore(store), runtime.WithRand(rand.NewPCG(seed, run)), runtime.WithFaults(fs...))
	wf := runtime.NewWorkflow(store, "provision-staging", runtime.WithObserver(rec))
	var env environment
	err = wf.Run(context.Background(), func(ctx context.Context) error {
		return provision(ctx, client, "staging", &env)
	})
	return err, rec.ran
}

// recordedSteps counts the steps that ran and were journaled, by name.
type recordedSteps struct {
	mu  sync.Mutex
	ran map[string]int
}

// Observe implements runtime.Observer.
func (r *recordedSteps) Observe(_ context.Context, e runtime.Event) {
	if e.Kind == runtime.EventStepRecorded {
		r.mu.Lock()
		r.ran[e.Step]++
		r.mu.Unlock()
	}
}
