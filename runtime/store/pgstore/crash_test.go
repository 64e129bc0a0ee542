package pgstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/resilgen/resilgen/runtime/store/internal/crashtest"
)

// TestCrashResume: a process running a workflow on PostgreSQL is killed
// with SIGKILL at every point of every step, and another process, under
// another owner, resumes the workflow from the shared tables.
func TestCrashResume(t *testing.T) {
	pool := testPool(t)
	dsn := os.Getenv(envDSN)
	for step := range crashtest.Steps {
		for _, point := range crashtest.Points {
			t.Run(fmt.Sprintf("%s-%d", point, step), func(t *testing.T) {
				t.Parallel()
				s := newTestStore(t, pool)
				crashtest.Run(t, crashtest.Scenario{
					Store: s.tables.prefix + " " + dsn, Workflow: "wf", Point: point, Step: step,
					AfterKill: func(t *testing.T, recorded int) {
						entries, err := s.Journal(context.Background(), "wf")
						if err != nil {
							t.Fatal(err)
						}
						crashtest.CheckPrefixJournal(t, "wf", entries)
						if len(entries) != recorded {
							t.Fatalf("after the kill the journal has %d entries; want %d", len(entries), recorded)
						}
					},
				})
			})
		}
	}
}

// TestCrashAtRandomMoments kills a client at random moments, inside its
// statements too, and checks that no torn journal is left and that every
// workflow the killed client began completes when resumed. The killed
// clients must have journaled some steps, or the test would check nothing.
func TestCrashAtRandomMoments(t *testing.T) {
	pool := testPool(t)
	s := newTestStore(t, pool)
	const kills = 4
	total := 0
	for i := range kills {
		d := time.Duration(150+40*i) * time.Millisecond
		crashtest.KillAtRandom(t, s.tables.prefix+" "+os.Getenv(envDSN), fmt.Sprintf("loop%d", i), d)
		n := crashtest.ResumeLoop(t, s, fmt.Sprintf("loop%d", i))
		total += n
		t.Logf("kill %d, %v after the store opened: %d steps journaled", i, d, n)
	}
	if total == 0 {
		t.Fatalf("none of %d clients journaled a step before it was killed", kills)
	}
}
