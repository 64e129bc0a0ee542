package pgstore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
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
		app := fmt.Sprintf("resilgen-crash-loop%d", i)
		crashtest.KillAtRandom(t, s.tables.prefix+" "+withApplicationName(os.Getenv(envDSN), app), fmt.Sprintf("loop%d", i), d)
		// The server runs a statement the killed client sent to its end
		// (a journal INSERT, its COMMIT): the journal is what the client
		// left only once its backends are gone.
		awaitBackendsGone(t, pool, app)
		n := crashtest.ResumeLoop(t, s, fmt.Sprintf("loop%d", i))
		total += n
		t.Logf("kill %d, %v after the store opened: %d steps journaled", i, d, n)
	}
	if total == 0 {
		t.Fatalf("none of %d clients journaled a step before it was killed", kills)
	}
}

// withApplicationName adds application_name=app to dsn, a URL or a list of
// key=value settings, so that the connections made with it can be found in
// pg_stat_activity.
func withApplicationName(dsn, app string) string {
	if !strings.Contains(dsn, "://") {
		return dsn + " application_name=" + app
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&application_name=" + app
	}
	return dsn + "?application_name=" + app
}

// awaitBackendsGone waits until the server has no backend left of the
// connections named app, failing after 30s.
func awaitBackendsGone(t *testing.T, pool *pgxpool.Pool, app string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends of the killed client %s are still there after 30s", n, app)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
