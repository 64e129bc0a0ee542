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
// statements too, and checks that no torn journal is left.
func TestCrashAtRandomMoments(t *testing.T) {
	pool := testPool(t)
	s := newTestStore(t, pool)
	for i := range 4 {
		d := time.Duration(150+40*i) * time.Millisecond
		crashtest.KillAtRandom(t, s.tables.prefix+" "+os.Getenv(envDSN), fmt.Sprintf("loop%d", i), d)
		n := 0
		for ; ; n++ {
			wf := fmt.Sprintf("loop%d-%d", i, n)
			entries, err := s.Journal(context.Background(), wf)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				break
			}
			crashtest.CheckPrefixJournal(t, wf, entries)
		}
		t.Logf("kill %d after %v: %d workflows journaled", i, d, n)
	}
}
